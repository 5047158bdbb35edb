"""Do the parameters a substitution equates have the same C type?

A substitution ``tree_max := ceiling`` only means the same program if
``tree_max`` holds what ``ceiling`` held, in the same type: an ``unsigned
int`` new parameter standing for an ``unsigned long`` expression truncates,
and a kept parameter whose type the patch changes converts every argument
differently.  The token comparison cannot see that; this check does.
"""

from __future__ import annotations

from patchscope.arch import ArchProfile
from patchscope.cexpr.ceval import Evaluator, IntValue, PtrValue
from patchscope.cexpr.ctypes import CType, type_from_spelling
from patchscope.cexpr.expr_ast import Expr, Index, Member, Name, to_c
from patchscope.core import Param
from patchscope.errors import PatchscopeError

_QUALIFIERS = ("const", "volatile", "__restrict", "restrict")


def _norm(text: str) -> str:
    words = text.replace("*", " * ").split()
    return " ".join(w for w in words if w not in _QUALIFIERS)


def _int_type(text: str, profile: ArchProfile) -> CType | None:
    return type_from_spelling(_norm(text), profile)


def same_type(a: str, b: str, profile: ArchProfile) -> bool:
    """Whether two parameter types hold the same values on *profile*."""
    ia, ib = _int_type(a, profile), _int_type(b, profile)
    if ia is not None and ib is not None:
        return (ia.bits, ia.signed) == (ib.bits, ib.signed)
    return _norm(a).replace(" ", "") == _norm(b).replace(" ", "")


def expr_type(e: Expr, params: list[Param], profile: ArchProfile) -> CType | None:
    """The C type of *e* over *params* (None: a pointer or not an integer)."""
    env: dict[str, object] = {}
    for p in params:
        t = _int_type(p.type, profile)
        env[p.name] = IntValue(0, t) if t is not None else PtrValue(object())
    try:
        return Evaluator(env, profile).static_type(e)
    except PatchscopeError:
        return None


def type_problems(
    sigma: dict[str, Expr | None],
    tau: dict[str, Expr],
    old_params: list[Param],
    new_params: list[Param],
    profile: ArchProfile,
    truth_only: set[str] | None = None,
) -> tuple[str | None, list[str]]:
    """The first type mismatch in words (or None), and the assumptions made.

    *truth_only*: removed ``bool`` parameters the old body only tests for
    truth; the expression that replaced one may have any integer type (a bool
    turned into flags: ``locked`` became ``flags & FOO_LOCKED``).
    """
    old_t = {p.name: p.type for p in old_params if p.name}
    new_t = {p.name: p.type for p in new_params if p.name}
    notes: list[str] = []
    for name in old_t.keys() & new_t.keys():
        if not same_type(old_t[name], new_t[name], profile):
            return (f"the type of {name} changed from {old_t[name]} to {new_t[name]}; "
                    "the substitution proof does not reason about conversions"), notes
    pairs: list[tuple[str, str, Expr, list[Param]]] = [
        (p, new_t[p], e, old_params) for p, e in sigma.items() if e is not None and p in new_t
    ]
    pairs += [(r, old_t[r], e, new_params) for r, e in tau.items() if r in old_t]
    for name, declared, e, scope in pairs:
        if isinstance(e, Name) and e.name in {q.name for q in scope}:
            other = next(q.type for q in scope if q.name == e.name)
            if not same_type(declared, other, profile):
                return (f"{name} is {declared} where {e.name} is {other}: the values "
                        "may convert differently"), notes
            continue
        want = _int_type(declared, profile)
        got = expr_type(e, scope, profile)
        if name in (truth_only or set()) and want is not None and want.name == "bool":
            continue  # a call compares the two as bool: by their truth values
        if want is not None and got is not None and (want.bits, want.signed) != (
            got.bits, got.signed
        ):
            if isinstance(e, Member | Index):
                return (f"{name} is {declared} where {to_c(e)} reads a field whose type "
                        "patchscope does not know (it takes fields as unsigned long): the "
                        "values may convert differently"), notes
            return (f"{name} is {declared} where {to_c(e)} is {got.name}: the values may "
                    "convert differently"), notes
        if want is not None:
            notes.append(f"assumed: the fields {to_c(e)} reads are integers that fit {declared}")
    return None, notes
