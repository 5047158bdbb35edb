"""How a body uses a name: written, tested for truth only."""

from __future__ import annotations

from patchscope.equivalence.bodydiff import body_tokens
from patchscope.equivalence.uses import assigned_names, read_only_for_truth


def test_written_names_tell_a_bitwise_and_from_an_address_taken() -> None:
    body = body_tokens("{ if (flags & FOO) x = (a) & b; p = &q->r; take(&s, c[1] & d); n++; }")
    assert assigned_names(body) == {"x", "p", "q->r", "s", "n"}


def test_truth_uses() -> None:
    def only(code: str) -> bool:
        return read_only_for_truth(body_tokens("{ " + code + " }"), "b")

    for code in ("if (b) x();", "if (!b) x();", "while (b && y) x();", "r = a || b;",
                 "f(a && b, 2);", "r = b ? 1 : 2;", "return !b;", "if (y && (b || z)) x();"):
        assert only(code), code
    for code in ("r = b + 1;", "if (b == 1) x();", "f(b);", "r = b;", "b = 1; if (b) x();",
                 "x();", "r = a + b ? 1 : 2;", "if (b & 1) x();"):
        assert not only(code), code
