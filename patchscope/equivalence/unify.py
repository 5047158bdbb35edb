"""Matching a new expression against an old one, binding the new parameters.

The unifier walks two expression trees together; where the new tree has a
new parameter and the old one any subtree, that parameter is bound to it
(sigma); where the old tree has a removed parameter and the new one any
subtree, the removed parameter is bound to it (tau).  Everything else must
be the same node.  A parameter bound to two different expressions is a
conflict, reported in words.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchscope.cexpr.cparse import parse_int_literal
from patchscope.cexpr.expr_ast import (
    Binary,
    Call,
    Cast,
    Cond,
    Expr,
    Index,
    Member,
    Name,
    Num,
    Unary,
    free_names,
    simplify,
    substitute,
    to_c,
    walk,
)


def _literal_equal(a: Num, b: Num) -> bool:
    if a.text == b.text:
        return True
    sa = "".join(sorted(parse_int_literal(a.text)[2].lower()))
    sb = "".join(sorted(parse_int_literal(b.text)[2].lower()))
    return a.value == b.value and a.value < (1 << 31) and sa == sb


@dataclass(frozen=True)
class CalleeSubstitution:
    """A changed function's proved substitution, to compare calls of it."""

    function: str
    old_params: tuple[str, ...]
    new_params: tuple[str, ...]
    sigma: dict[str, Expr | None]
    tau: dict[str, Expr]


class Unifier:
    """Match a new expression against an old one, binding sigma and tau."""

    def __init__(
        self,
        bindable: set[str],
        removed: set[str],
        callees: dict[str, CalleeSubstitution] | None = None,
    ) -> None:
        self.bindable = bindable
        self.removed = removed
        self.callees = callees or {}
        self.sigma: dict[str, Expr] = {}
        self.tau: dict[str, Expr] = {}
        self.conflict: str | None = None
        self.through: list[str] = []  # calls compared through a callee's substitution

    def unify(self, new: Expr, old: Expr) -> bool:
        if isinstance(new, Name) and new.name in self.bindable:
            bound = self.sigma.setdefault(new.name, old)
            if bound != old:
                self.conflict = (
                    f"{new.name} stands for {to_c(bound)} in one place and {to_c(old)} in another"
                )
                return False
            return True
        if isinstance(old, Name) and old.name in self.removed and new != old:
            bound = self.tau.setdefault(old.name, new)
            if bound != new:
                self.conflict = (
                    f"removed {old.name} became {to_c(bound)} in one place and {to_c(new)} "
                    "in another"
                )
                return False
            return True
        if type(new) is not type(old):
            return False
        if isinstance(new, Num) and isinstance(old, Num):
            return _literal_equal(new, old)
        if isinstance(new, Name) and isinstance(old, Name):
            return new.name == old.name
        if isinstance(new, Member) and isinstance(old, Member):
            return (new.field, new.arrow) == (old.field, old.arrow) and self.unify(
                new.base, old.base
            )
        if isinstance(new, Index) and isinstance(old, Index):
            return self.unify(new.base, old.base) and self.unify(new.index, old.index)
        if isinstance(new, Unary) and isinstance(old, Unary):
            return new.op == old.op and self.unify(new.operand, old.operand)
        if isinstance(new, Cast) and isinstance(old, Cast):
            return new.type_text == old.type_text and self.unify(new.operand, old.operand)
        if isinstance(new, Binary) and isinstance(old, Binary):
            return (
                new.op == old.op
                and self.unify(new.left, old.left)
                and self.unify(new.right, old.right)
            )
        if isinstance(new, Cond) and isinstance(old, Cond):
            return (
                self.unify(new.cond, old.cond)
                and self.unify(new.then, old.then)
                and self.unify(new.other, old.other)
            )
        if isinstance(new, Call) and isinstance(old, Call):
            if new.func == old.func and new.func in self.callees:
                return self._changed_call(new, old, self.callees[new.func])
            return (
                new.func == old.func
                and len(new.args) == len(old.args)
                and all(self.unify(a, b) for a, b in zip(new.args, old.args, strict=True))
            )
        return False

    def _changed_call(self, new: Call, old: Call, callee: CalleeSubstitution) -> bool:
        """A call of a function whose parameters changed: each new argument
        must be what the callee's substitution makes of the old ones."""
        if len(new.args) != len(callee.new_params) or len(old.args) != len(callee.old_params):
            return False
        old_args = dict(zip(callee.old_params, old.args, strict=True))
        new_args = dict(zip(callee.new_params, new.args, strict=True))
        for q, arg in new_args.items():
            if q in old_args and q not in callee.sigma:
                if not self.unify(arg, old_args[q]):
                    return False
                continue
            target = callee.sigma.get(q)
            if target is None:
                if q in callee.sigma or not any(
                    q in free_names(e) for e in callee.tau.values()
                ):
                    if any(isinstance(n, Call) for n in walk(arg)):
                        return False  # an unread argument that may have effects
                continue
            want = simplify(substitute(target, old_args))
            if not self.unify(arg, want):
                return False
        for r, arg in old_args.items():
            if r not in new_args and r not in callee.tau and any(
                isinstance(n, Call) for n in walk(arg)
            ):
                return False  # a dropped argument that may have had effects
        for r, derived in callee.tau.items():
            have = simplify(substitute(derived, new_args))
            if r not in old_args or not self.unify(have, old_args[r]):
                return False
        self.through.append(callee.function)
        return True
