"""``E op p`` read as ``E`` under ``p := 0``, and only with the type kept (issue 12)."""

from __future__ import annotations

from patchscope.arch import get_profile
from patchscope.cexpr.cparse import parse_expr
from patchscope.core import Param
from patchscope.equivalence.neutral import ZERO, NeutralUnifier, neutral_problem

PROFILE = get_profile("x86_64")


def _unify(new: str, old: str) -> NeutralUnifier | None:
    u = NeutralUnifier({"p"}, set())
    return u if u.unify(parse_expr(new), parse_expr(old)) else None


def test_operators_that_keep_a_value_with_zero() -> None:
    for new in ("x | p", "x ^ p", "x + p", "x - p", "x << p", "x >> p", "p | x", "p + x",
                "(a | p) | FLAG"):
        old = "a | FLAG" if "FLAG" in new else "x"
        u = _unify(new, old)
        assert u is not None and u.sigma == {"p": ZERO}, new


def test_operators_that_do_not() -> None:
    for new in ("x & p", "x * p", "p - x", "p << x", "x / p", "x && p"):
        assert _unify(new, "x") is None, new


def test_zero_in_one_place_and_something_else_in_another_is_a_conflict() -> None:
    u = NeutralUnifier({"p"}, set())
    assert u.unify(parse_expr("x | p"), parse_expr("x"))
    assert not u.unify(parse_expr("f(p)"), parse_expr("f(1)"))
    assert u.conflict is not None


def _problem(new: str, types: dict[str, str]) -> str | None:
    u = _unify(new, "x")
    assert u is not None
    params = [Param(type=t, name=n) for n, t in types.items()]
    return neutral_problem(u.neutral, params, PROFILE)[0]


def test_the_type_must_stay() -> None:
    assert _problem("x | p", {"x": "unsigned int", "p": "unsigned int"}) is None
    assert _problem("x << p", {"x": "unsigned long", "p": "int"}) is None
    # promoted: an unsigned char operand becomes an int
    assert "unsigned char" in (_problem("x | p", {"x": "unsigned char", "p": "unsigned int"})
                               or "")
    assert "unsigned char" in (_problem("x << p", {"x": "unsigned char", "p": "int"}) or "")
    # widened by the new parameter's type
    assert _problem("x | p", {"x": "unsigned int", "p": "unsigned long"}) is not None
    # a name whose type patchscope does not know
    assert _problem("x | p", {"p": "unsigned int"}) is not None
