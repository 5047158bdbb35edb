"""Exact reasoning about C expressions: a translation to z3 bit-vectors.

Every sub-expression becomes a bit-vector of its C type's width, with C's
conversions, so a z3 answer is an answer about C.  Names and member chains
(``prev``, ``vms->unmap_end``) become free variables named after their text;
a pointer is a word whose value 0 is NULL, so ``p ? p->end : TOP`` reads
``p != 0`` and the free field variable ``p->end``, consistently wherever the
same text appears.  What C leaves undefined (division by zero, shift counts
out of range) is tracked as a definedness condition: two expressions are
equal when, wherever the first is defined, the second is too and has the
same value.

Macros of the profile are free variables in a first attempt, so that a proof
holds on every architecture; only when that attempt finds a counter-model is
the question asked again with the profile's values, and a proof then says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from patchscope import budget
from patchscope.lazy import lazy_module, on_import

if TYPE_CHECKING:
    import z3
else:  # imported when a proof first reaches the solver
    z3 = lazy_module("z3")

from patchscope.arch import ArchProfile
from patchscope.cexpr.ctypes import (
    CType,
    ulong_type,
)
from patchscope.cexpr.expr_ast import (
    Expr,
    free_names,
)
from patchscope.equivalence.z3c import SymbolicError, SymValue, Translator

__all__ = [
    "ProofResult",
    "SymValue",
    "SymbolicError",
    "Translator",
    "describe_model",
    "describe_when",
    "prove_always_false",
    "prove_equal",
]

TIMEOUT_MS = 5000
# z3's memory for all queries, in MB: past it a query answers unknown (as on
# its timeout) instead of growing until the machine swaps
MEMORY_MB = 2048
on_import("z3", lambda module: module.set_param("memory_max_size", MEMORY_MB))
# The optimiser that makes counter-models readable stops after this much of
# z3's own work (its "rlimit" count), not after a time: on a loaded machine a
# timeout gave other values from run to run.  The time limit only guards
# against a pathological case.
OPTIMIZE_RLIMIT = 3_000_000
OPTIMIZE_MS = 2000


@dataclass
class ProofResult:
    """The exact outcome of a question put to z3.

    ``status`` is ``proved``, ``counter-model`` (``model`` then holds values
    of the free names that show it) or ``unknown`` (``detail`` says why).
    """

    status: str
    detail: str
    model: dict[str, int] = field(default_factory=dict)
    macros: str = "free"  # "free": holds for any macro values; else the profile's name

    @property
    def proved(self) -> bool:
        return self.status == "proved"


def _check(solver: z3.Solver, tr: Translator) -> ProofResult:
    if not budget.take_z3_query():  # not asked: no answer, so nothing rests on it
        return ProofResult("unknown", budget.limits_reached()[-1])
    answer = solver.check()
    if answer == z3.unsat:
        return ProofResult("proved", "no assignment of the free names makes them differ")
    if answer == z3.sat:
        m = _smallest_model(solver, tr) or solver.model()
        values = {
            name: m.eval(v, model_completion=True).as_long()
            for name, v in sorted(tr.vars.items())
        }
        return ProofResult("counter-model", "z3 found values that tell them apart", values)
    return ProofResult("unknown", f"z3 gave no answer ({solver.reason_unknown()})")


def _smallest_model(solver: z3.Solver, tr: Translator) -> z3.ModelRef | None:
    """A counter-model with small values (names in order), for readable reports.

    Only the presentation changes: any model proves the point.  Gives up
    (None) after a fixed amount of z3's work, so the same input gives the
    same values on any machine load.
    """
    if tr.nonlinear or not budget.take_smallest_model():
        return None
    opt = z3.Optimize()
    opt.set("rlimit", OPTIMIZE_RLIMIT)
    opt.set("timeout", OPTIMIZE_MS)
    opt.add(*solver.assertions())
    for _, v in sorted(tr.vars.items()):
        opt.minimize(v)
    if opt.check() == z3.sat:
        return opt.model()
    return None


def prove_equal(
    a: Expr,
    b: Expr,
    profile: ArchProfile,
    assumptions: Iterable[Expr] = (),
    types: Mapping[str, CType] | None = None,
    as_type: CType | None = None,
) -> ProofResult:
    """Decide exactly whether *a* and *b* have the same value for every input.

    Both are converted to *as_type* first (default ``unsigned long``: the type
    of the parameter they are passed to).  *assumptions* are C conditions
    taken to hold.  Wherever *a* is defined, *b* must be defined and equal.
    """
    assumptions = list(assumptions)
    target = as_type or ulong_type(profile)
    return _macros_free_first(
        lambda concrete: _prove_equal_once(a, b, profile, assumptions, types, target, concrete),
        profile, a, b, *assumptions)


def _macros_free_first(once: Callable[[bool], ProofResult], profile: ArchProfile,
                       *exprs: Expr) -> ProofResult:
    """*once* with the kernel macros as free values, else with the profile's values.

    A proof that holds for any macro value holds on every architecture; only
    when that fails, and the expressions name macros, is the profile's own
    value of each macro tried, and the result says it rests on them.
    """
    result = once(False)
    if result.status != "counter-model" or not _mentions_macros(profile, *exprs):
        return result
    concrete = once(True)
    if concrete.proved:
        concrete.macros = profile.name
        concrete.detail += f" (with the macro values of {profile.name})"
        return concrete
    if concrete.status == "counter-model":
        concrete.macros = profile.name
        return concrete
    return result


# Constants the translation always takes at their value: naming them is not
# naming an architecture's macro.
_CONSTANTS = frozenset({"NULL", "true", "false"})


def _mentions_macros(profile: ArchProfile, *exprs: Expr) -> bool:
    macros = profile.macros
    return any(n in macros and n not in _CONSTANTS for e in exprs for n in free_names(e))


def _prove_equal_once(
    a: Expr,
    b: Expr,
    profile: ArchProfile,
    assumptions: list[Expr],
    types: Mapping[str, CType] | None,
    target: CType,
    concrete_macros: bool,
) -> ProofResult:
    tr = Translator(profile, types, concrete_macros)
    try:
        va = tr.convert(tr.tr(a), target)
        defined_a = list(tr.defined)
        tr.defined = []
        vb = tr.convert(tr.tr(b), target)
        defined_b = list(tr.defined)
        tr.defined = []
        facts = [tr.truth(tr.tr(c)) for c in assumptions] + tr.defined
    except SymbolicError as exc:
        return ProofResult("unknown", str(exc))
    solver = z3.Solver()
    solver.set("timeout", TIMEOUT_MS)
    solver.add(*facts, *defined_a)
    solver.add(z3.Or(z3.Not(z3.And(*defined_b)) if defined_b else z3.BoolVal(False),
                     va.term != vb.term))
    return _check(solver, tr)


def prove_always_false(
    cond: Expr,
    profile: ArchProfile,
    assumptions: Iterable[Expr] = (),
    types: Mapping[str, CType] | None = None,
) -> ProofResult:
    """Decide exactly whether the C condition *cond* is false for every input.

    ``proved``: it never holds (an assertion on it never fires);
    ``counter-model``: values under which it holds.
    """
    assumptions = list(assumptions)
    return _macros_free_first(
        lambda concrete: _always_false_once(cond, profile, assumptions, types, concrete),
        profile, cond, *assumptions)


def _always_false_once(
    cond: Expr,
    profile: ArchProfile,
    assumptions: list[Expr],
    types: Mapping[str, CType] | None,
    concrete_macros: bool,
) -> ProofResult:
    tr = Translator(profile, types, concrete_macros)
    try:
        holds = tr.truth(tr.tr(cond))
        facts = [tr.truth(tr.tr(c)) for c in assumptions]
    except SymbolicError as exc:
        return ProofResult("unknown", str(exc))
    solver = z3.Solver()
    solver.set("timeout", TIMEOUT_MS)
    solver.add(*facts, *tr.defined, holds)
    result = _check(solver, tr)
    if result.proved:
        result.detail = "false for every value"
    elif result.status == "counter-model":
        result.detail = "true for some values"
    return result


def describe_when(model: dict[str, int], macros: str = "free") -> str:
    """``when next != NULL, ...``, or ``for every value`` when no name matters,
    and the profile whose macro values the solver took, if it took any."""
    text = f"when {describe_model(model)}" if model else "for every value"
    if macros != "free":
        text += f" (macros of {macros})"
    return text


def describe_model(model: dict[str, int]) -> str:
    """``next != NULL, next->vm_start = 0x1000``: counter-model values in words.

    A name that members are read through is a pointer: only whether it is
    NULL matters, so that is what is shown.
    """
    pointers = {k.split("->")[0] for k in model if "->" in k}
    pointers |= {k.rsplit("->", 1)[0] for k in model if "->" in k}
    parts = []
    for name, value in model.items():
        if name in pointers:
            parts.append(f"{name} {'==' if value == 0 else '!='} NULL")
        else:
            parts.append(f"{name} = {value:#x}")
    return ", ".join(parts) or "any values"
