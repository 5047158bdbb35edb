"""Modules imported on first use: start-up pays only for what a run needs.

``z3`` costs about 0.1 s to import and only a proof that reaches the solver
needs it; a module that holds ``z3 = lazy_module("z3")`` imports it when it
first reads an attribute of it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

# what to do to a module once it is really imported (z3's memory limit)
_ON_IMPORT: dict[str, list[Callable[[ModuleType], None]]] = {}


class _LazyModule:
    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> object:
        if self._module is None:
            module = importlib.import_module(self._name)
            for hook in _ON_IMPORT.pop(self._name, []):
                hook(module)
            self._module = module
        return getattr(self._module, attr)


def lazy_module(name: str) -> ModuleType:
    """A stand-in for ``import name`` that imports on the first attribute read."""
    return _LazyModule(name)  # type: ignore[return-value]


def on_import(name: str, hook: Callable[[ModuleType], None]) -> None:
    """Run *hook* on module *name* when a lazy stand-in first imports it (a
    setting made at import time of our module would import it at once)."""
    _ON_IMPORT.setdefault(name, []).append(hook)
