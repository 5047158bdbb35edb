"""Matching a new expression against an old one, binding the new parameters.

The unifier walks two expression trees together; where the new tree has a
new parameter and the old one any subtree, that parameter is bound to it
(sigma); where the old tree has a removed parameter and the new one any
subtree, the removed parameter is bound to it (tau).  Everything else must
be the same node.  A parameter bound to two different expressions is a
conflict, reported in words.
"""

from __future__ import annotations

from patchscope.equivalence.cparse import parse_int_literal
from patchscope.equivalence.expr_ast import (
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
    to_c,
)


def _literal_equal(a: Num, b: Num) -> bool:
    if a.text == b.text:
        return True
    sa = "".join(sorted(parse_int_literal(a.text)[2].lower()))
    sb = "".join(sorted(parse_int_literal(b.text)[2].lower()))
    return a.value == b.value and a.value < (1 << 31) and sa == sb


class Unifier:
    """Match a new expression against an old one, binding sigma and tau."""

    def __init__(self, bindable: set[str], removed: set[str]) -> None:
        self.bindable = bindable
        self.removed = removed
        self.sigma: dict[str, Expr] = {}
        self.tau: dict[str, Expr] = {}
        self.conflict: str | None = None

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
            return (
                new.func == old.func
                and len(new.args) == len(old.args)
                and all(self.unify(a, b) for a, b in zip(new.args, old.args, strict=True))
            )
        return False
