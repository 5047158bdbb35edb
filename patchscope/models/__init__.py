"""Kernel models: Python re-implementations of kernel routines, by function.

The equivalence stage asks :func:`find_model` for the model of a changed
function and runs each call site's old and new arguments through it
(:meth:`KernelModel.check_call`).  A new modelled routine is one new module
that subclasses :class:`KernelModel` and is listed in ``_MODULES``.

Layers: the models sit beneath the equivalence stage and read C expressions
through :mod:`patchscope.cexpr`; they never import :mod:`patchscope.equivalence`.
The equivalence stage reaches the models only through this registry
(:func:`find_model`, :class:`KernelModel`, :class:`ModelResult`), never a
model's own module.  tests/test_layers.py checks both.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from patchscope.arch import ArchProfile
from patchscope.core import CallSite, Counterexample, SignatureChange, Verdict
from patchscope.progress import Progress


@dataclass
class ModelResult:
    """The model's verdict on one call site, and a scenario where the new
    call's assertion (WARN) fires, if it found one."""

    verdict: Verdict
    assertion: Counterexample | None = None


class KernelModel:
    """One modelled kernel function."""

    function = ""

    def check_call(self, change: SignatureChange, call: CallSite, profile: ArchProfile, *,
                   scenarios: int, seed: int, progress: Progress) -> ModelResult:
        """Run *call*'s old and new arguments over many scenarios on *profile*."""
        raise NotImplementedError


_REGISTRY: dict[str, KernelModel] = {}
# function -> the module that registers its model, imported when a call site
# of that function first asks for it (a series that changes no modelled
# function never loads a model)
_MODULES = {"free_pgtables": "patchscope.models.free_pgtables"}


def register(model: KernelModel) -> KernelModel:
    """Make *model* the model of ``model.function``."""
    _REGISTRY[model.function] = model
    return model


def find_model(change: SignatureChange) -> KernelModel | None:
    """The model of *change*'s function, or None when it is not modelled."""
    module = _MODULES.get(change.function)
    if module is not None and change.function not in _REGISTRY:
        importlib.import_module(module)
    return _REGISTRY.get(change.function)


def modelled_functions() -> tuple[str, ...]:
    """The names of the functions a model exists for."""
    return tuple(_MODULES)


def forget_caches() -> None:
    """Drop what the models keep between calls in one process.

    Scenario lists, trees of layouts and loop results are memoised across
    call sites (and so across checks in one process).  Benchmarks call this
    so that each timed run does the work a fresh ``patchscope check`` does.
    """
    from patchscope.models import fast, free_pgtables, scenarios

    scenarios._GRIDS.clear()
    scenarios._RANDOM.clear()
    free_pgtables._SHARED.clear()
    free_pgtables._SCANS.clear()
    free_pgtables._ROLES.clear()
    fast._ROWS.clear()
    fast._CODE.clear()


__all__ = ["KernelModel", "ModelResult", "find_model", "forget_caches", "modelled_functions",
           "register"]
