"""A new argument every caller passes neutral: ``gfp | extra``, ``1 << order`` (issue 12).

A patch that adds a parameter for later use often puts it where the value
every caller passes for now changes nothing: ``gfp | extra`` with ``extra``
0, ``1 << order`` with ``order`` 0.  Where the new body has ``E op p`` and
the old body ``E``, ``p`` a new parameter and ``op`` one whose right operand
0 leaves the value alone (``|``, ``^``, ``+``, ``-``, ``<<``, ``>>``; also
``p | E``, ``p ^ E``, ``p + E``), the bodies match under ``p := 0``, and each
call is then checked to pass 0 for ``p`` like any substitution.

The value is the same, the type need not be: ``E | p`` has the common type of
the promoted operands, ``E << p`` the promoted type of ``E``; a ``u8`` ``E``
becomes an ``int``, an ``unsigned long`` ``p`` widens an ``unsigned int``
``E`` (which ``sizeof``, ``typeof`` and a conversion after a wider operation
would show).  So the rule holds only where patchscope knows ``E``'s type from
parameters and constants, and the result's type is ``E``'s own.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchscope.arch import ArchProfile
from patchscope.cexpr.ctypes import CType, promote, type_from_spelling, usual_conversion
from patchscope.cexpr.expr_ast import (
    Binary,
    Call,
    Cast,
    Expr,
    Index,
    Member,
    Name,
    Num,
    free_names,
    to_c,
    walk,
)
from patchscope.clang import Token
from patchscope.core import Param
from patchscope.equivalence.ptypes import expr_type
from patchscope.equivalence.unify import CalleeSubstitution, Unifier

ZERO = Num(0, "0")
_RIGHT = frozenset({"|", "^", "+", "-", "<<", ">>"})  # E op 0 == E
_LEFT = frozenset({"|", "^", "+"})  # 0 op E == E
_SHIFTS = frozenset({"<<", ">>"})


@dataclass(frozen=True)
class NeutralUse:
    """``E op p`` in the new body where the old body has ``E``."""

    whole: Binary
    kept: Expr  # E
    param: str  # p


class NeutralUnifier(Unifier):
    """The unifier that also reads ``E op p`` as ``E`` under ``p := 0``."""

    def __init__(self, bindable: set[str], removed: set[str],
                 callees: dict[str, CalleeSubstitution] | None = None) -> None:
        super().__init__(bindable, removed, callees)
        self.neutral: list[NeutralUse] = []

    def unify(self, new: Expr, old: Expr) -> bool:
        use = self._neutral(new, old)
        if use is None:
            return super().unify(new, old)
        bound = self.sigma.setdefault(use.param, ZERO)
        if bound != ZERO:
            self.conflict = (f"{use.param} stands for {to_c(bound)} in one place and 0 in "
                             f"`{to_c(use.whole)}`")
            return False
        self.neutral.append(use)
        return super().unify(use.kept, old)

    def _neutral(self, new: Expr, old: Expr) -> NeutralUse | None:
        if not isinstance(new, Binary) or (isinstance(old, Binary) and old.op == new.op):
            return None
        if new.op in _RIGHT and isinstance(new.right, Name) and new.right.name in self.bindable:
            return NeutralUse(new, new.left, new.right.name)
        if new.op in _LEFT and isinstance(new.left, Name) and new.left.name in self.bindable:
            return NeutralUse(new, new.right, new.left.name)
        return None


def neutral_problem(uses: list[NeutralUse], params: list[Param],
                    profile: ArchProfile) -> tuple[str | None, list[str]]:
    """Why a neutral use is not the value *and* the type of its kept operand
    (None if none), and the steps that say why each is."""
    steps: list[str] = []
    for use in uses:
        what = f"`{to_c(use.whole)}`"
        kept_type = _known_type(use.kept, params, profile)
        param_type = _known_type(Name(use.param), params, profile)
        if kept_type is None or param_type is None:
            return (f"{what} is `{to_c(use.kept)}` when {use.param} is 0 only if their types "
                    f"agree, and patchscope does not know the type of "
                    f"`{to_c(use.kept) if kept_type is None else use.param}`"), steps
        promoted = promote(kept_type, profile)
        result = promoted if use.whole.op in _SHIFTS else usual_conversion(
            promoted, promote(param_type, profile), profile)
        if (result.bits, result.signed) != (kept_type.bits, kept_type.signed):
            return (f"{what} has type {result.name} where `{to_c(use.kept)}` is "
                    f"{kept_type.name}: the value is the same when {use.param} is 0, the "
                    "type is not (sizeof, typeof and conversions can tell)"), steps
        steps.append(f"{what} is `{to_c(use.kept)}` when {use.param} is 0: `{use.whole.op}` "
                     f"with 0 keeps the value, and the type stays {kept_type.name}")
    return None, steps


def _known_type(e: Expr, params: list[Param], profile: ArchProfile) -> CType | None:
    """The integer type of *e*, only from parameters, literals and macros."""
    if any(isinstance(n, Member | Index | Call | Cast) for n in walk(e)):
        return None  # a field's or a call's type is not known here
    typed = {q.name for q in params if q.name and type_from_spelling(
        q.type.replace("const ", ""), profile) is not None}
    if any(n not in typed and n not in profile.macros for n in free_names(e)):
        return None  # a global, or a macro whose value (and type) is not known
    return expr_type(e, params, profile)


_NOT_CALLS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "typeof",
                        "__typeof__", "_Generic", "alignof", "_Alignof"})


def zero_arguments(sigma: dict[str, Expr | None], uses: list[NeutralUse],
                   new_tokens: list[Token]) -> tuple[set[str], list[str]]:
    """New parameters set to 0 by a neutral use that the new body reads nowhere
    else than there and as a whole argument of a call (``pool_alloc_pages(gfp,
    order)`` where the old body passed ``0``), and the assumptions that makes.

    0 converts to 0 in every integer type, so the literal's own type (``int``)
    and the parameter's do not matter there, as long as a prototype converts
    the argument: a variadic callee would read it in its own type.
    """
    names = {u.param for u in uses if sigma.get(u.param) == ZERO}
    out: set[str] = set()
    notes: list[str] = []
    for p in sorted(names):
        callees: list[str] = []
        for k, t in enumerate(new_tokens):
            if t.spelling != p or t.kind != "IDENTIFIER":
                continue
            before = new_tokens[k - 1].spelling if k else ""
            after = new_tokens[k + 1].spelling if k + 1 < len(new_tokens) else ""
            if before in ("->", "."):
                continue
            if before in _RIGHT or (after in _LEFT and before in ("(", ",", "=", "return")):
                continue  # a neutral use: its type is checked by neutral_problem
            callee = _called(new_tokens, k) if before in ("(", ",") and after in (",", ")") \
                else None
            if callee is None:
                break
            callees.append(callee)
        else:
            out.add(p)
            if callees:
                notes.append(f"assumed: {', '.join(sorted(set(callees)))}() "
                             f"{'is' if len(set(callees)) == 1 else 'are'} not variadic: its "
                             f"prototype converts {p} (0) as it converted the literal 0")
    return out, notes


def _called(tokens: list[Token], k: int) -> str | None:
    """The function whose argument list holds the token at *k*, if it is a call."""
    depth = 0
    for m in range(k - 1, -1, -1):
        s = tokens[m].spelling
        if s in (")", "]"):
            depth += 1
        elif s in ("(", "["):
            if depth == 0:
                if s == "(" and m > 0 and tokens[m - 1].kind == "IDENTIFIER" and \
                        tokens[m - 1].spelling not in _NOT_CALLS:
                    return tokens[m - 1].spelling
                return None
            depth -= 1
        elif s in (";", "{", "}") and depth == 0:
            return None
    return None


def pure_notes(exprs: list[Expr | None], profile: ArchProfile) -> list[str]:
    """Why each function the substitution calls gives the caller's value (csource.pure)."""
    called = dict.fromkeys(n.func for e in exprs if e is not None for n in walk(e)
                           if isinstance(n, Call) and n.func in profile.pure_functions)
    return [profile.pure_functions[f] + ": the caller's call just before the call gives "
            "what the callee's gave at entry" for f in called]
