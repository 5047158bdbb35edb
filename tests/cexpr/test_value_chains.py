"""What an expression's value depends on: an address is not the value it points to."""

from __future__ import annotations

import pytest

from patchscope.cexpr import free_chains, parse_expr
from patchscope.cexpr.expr_ast import value_chains


@pytest.mark.parametrize(("text", "chains"), [
    ("&ip->size", {"ip"}),
    ("&ip->q->size", {"ip->q", "ip"}),
    ("&ip->a.b", {"ip"}),
    ("&s.a", set()),
    ("&x", set()),
    ("&a[i]", {"a", "i"}),
    ("ip->size + 1", {"ip->size", "ip"}),
    ("&ip->size - 1", {"ip"}),
    ("f(&ip->size, n)", {"ip", "n"}),
    # memory read through the address: the field counts again
    ("*&ip->size", {"ip->size", "ip"}),
    ("(&ip->size)[0]", {"ip->size", "ip"}),
])
def test_value_chains(text: str, chains: set[str]) -> None:
    assert value_chains(parse_expr(text)) == chains


def test_free_chains_still_see_the_field() -> None:
    assert free_chains(parse_expr("&ip->size")) == {"ip->size", "ip"}
