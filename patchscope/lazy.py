"""Modules imported on first use: start-up pays only for what a run needs.

``z3`` costs about 0.1 s to import and only a proof that reaches the solver
needs it; a module that holds ``z3 = lazy_module("z3")`` imports it when it
first reads an attribute of it.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class _LazyModule:
    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> object:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


def lazy_module(name: str) -> ModuleType:
    """A stand-in for ``import name`` that imports on the first attribute read."""
    return _LazyModule(name)  # type: ignore[return-value]
