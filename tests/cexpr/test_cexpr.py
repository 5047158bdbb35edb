"""The C expression parser, printer and evaluator on C's rules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from patchscope.arch import ARM_LPAE, X86_64
from patchscope.cexpr import (
    Cond,
    EvalError,
    Member,
    Name,
    evaluate,
    free_chains,
    free_names,
    parse_expr,
    substitute,
    to_c,
)
from patchscope.errors import ParseError

U64 = (1 << 64) - 1


def ev(text: str, profile=X86_64, **env: object) -> object:
    return evaluate(parse_expr(text), env, profile)


def test_layout_comments_and_redundant_parentheses_do_not_matter() -> None:
    a = parse_expr("next ? next->vm_start : USER_PGTABLES_CEILING")
    b = parse_expr("(next) ? (next->vm_start) /* c */ :\n\t USER_PGTABLES_CEILING")
    assert a == b
    assert to_c(b) == "next ? next->vm_start : USER_PGTABLES_CEILING"


def test_member_chains_stay_names() -> None:
    e = parse_expr("vms->unmap_end + PMD_SIZE")
    assert free_names(e) == {"vms", "PMD_SIZE"}
    assert "vms->unmap_end" in free_chains(e)
    assert isinstance(parse_expr("q->p->end"), Member)


def test_printer_keeps_needed_parentheses() -> None:
    for text in ("a - (b - c)", "(a + b) * c", "- -x", "a ? b : c ? d : e", "(a ? b : c) + 1",
                 "!(a && b)", "(unsigned long)(a + b)", "x - 1 > c - 1"):
        assert to_c(parse_expr(to_c(parse_expr(text)))) == to_c(parse_expr(text))
    assert to_c(parse_expr("a - (b - c)")) == "a - (b - c)"
    assert to_c(parse_expr("(a - b) - c")) == "a - b - c"


def test_wraparound_at_the_word_size() -> None:
    assert ev("x - 1", x=0) == U64
    assert ev("x - 1", ARM_LPAE, x=0) == 0xFFFFFFFF
    assert ev("x + PMD_SIZE", x=(1 << 64) - (1 << 20)) == (1 << 20)
    assert ev("~x", x=0) == U64


def test_zero_means_the_top_idiom() -> None:
    cond = "x - 1 > c - 1"
    assert ev(cond, x=0, c=0) == 0  # equal: both the top
    assert ev(cond, x=0, c=4096) == 1  # the top is above 4096
    assert ev(cond, x=8192, c=0) == 0  # nothing is above the top
    assert ev(cond, x=8192, c=4096) == 1
    assert ev(cond, ARM_LPAE, x=0, c=0xBF000000) == 1


def test_literal_types_and_suffixes() -> None:
    assert ev("-1 > 0") == 0  # int
    assert ev("-1UL > 0") == 1
    assert ev("-1 > 0U") == 1  # converted to unsigned int
    assert ev("-1L > 0U") == 0  # long holds every unsigned int on 64-bit
    assert ev("-1L > 0U", ARM_LPAE) == 1  # but not on 32-bit
    assert ev("0x1fUL") == 31 and ev("017") == 15 and ev("1ULL << 40") == 1 << 40
    assert ev("0xffffffff + 1") == 0  # hex literal: unsigned int wraps at 32 bits
    assert ev("4294967295 + 1") == 1 << 32  # decimal literal: long


def test_shifts() -> None:
    assert ev("1UL << 63") == 1 << 63
    assert ev("x >> 12", x=0x5000) == 5
    assert ev("-8 >> 1") == U64 - 3  # arithmetic shift of a signed value, then to unsigned long
    with pytest.raises(EvalError):
        ev("1 << 32")  # undefined: shift count >= width of int
    with pytest.raises(EvalError):
        ev("1UL << 64")


def test_ternaries_with_null_pointers() -> None:
    arg = "prev ? prev->vm_end : FIRST_USER_ADDRESS"
    assert ev(arg, prev=None) == 0
    assert ev(arg, ARM_LPAE, prev=None) == 8192
    assert ev(arg, prev=SimpleNamespace(vm_end=0x7000)) == 0x7000
    assert ev(arg, prev={"vm_end": 0x9000}) == 0x9000
    assert ev("q->p ? q->p->end : TOP", q={"p": None}, TOP=5) == 5
    with pytest.raises(EvalError, match="NULL dereference"):
        ev("prev->vm_end", prev=None)
    assert ev("!p", p=None) == 1 and ev("p == NULL", p=None) == 1


def test_short_circuit_skips_the_null_dereference() -> None:
    assert ev("p && p->x > 3", p=None) == 0
    assert ev("!p || p->x > 3", p=None) == 1


def test_env_wins_over_macros_and_macros_follow_the_profile() -> None:
    assert ev("PMD_SIZE") == 2 << 20
    assert ev("PMD_SIZE", PMD_SIZE=7) == 7
    assert ev("USER_PGTABLES_CEILING") == 0
    assert ev("USER_PGTABLES_CEILING", ARM_LPAE) == 0xBF000000


def test_casts() -> None:
    assert ev("(unsigned long)-1") == U64
    assert ev("(long)x < 0", x=U64) == 1
    assert ev("(unsigned int)x", x=(1 << 32) + 5) == 5
    assert ev("(u8)x", x=0x1FF) == 0xFF


def test_unknown_calls_and_names_are_errors_not_guesses() -> None:
    with pytest.raises(EvalError):
        ev("round_up(x, 4096)", x=1)
    with pytest.raises(EvalError):
        ev("nobody_knows + 1")
    assert ev("unlikely(x > 2)", x=3) == 1
    assert ev("min(x, y)", x=3, y=2) == 2


@pytest.mark.parametrize("text", ["a = b", "a, b", "sizeof(x)", "x++", '"s"', "a +", "f(a)(b)",
                                   "1.5", "({ x; })", ""])
def test_unknown_syntax_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_expr(text)


def test_substitute_names_and_chains() -> None:
    g = parse_expr("p ? p->end : TOP")
    f = substitute(g, {"p": parse_expr("q->p")})
    assert to_c(f) == "q->p ? q->p->end : TOP"
    assert isinstance(f, Cond)
    h = substitute(parse_expr("vms->unmap_end - 1"), {"vms->unmap_end": Name("ceiling")})
    assert to_c(h) == "ceiling - 1"


def test_casts_to_unknown_typedefs_parse_but_are_not_evaluated() -> None:
    e = parse_expr("(gfp_t)(flags | __GFP_ZERO)")
    assert to_c(e) == "(gfp_t)(flags | __GFP_ZERO)"
    assert e == parse_expr("(gfp_t) ( flags|__GFP_ZERO )")
    with pytest.raises(EvalError, match="unknown type"):
        ev("(gfp_t)f", f=1)


def test_gnu_elvis() -> None:
    assert parse_expr("a ?: b") == parse_expr("a ? a : b")
    assert ev("x ?: 7", x=0) == 7 and ev("x ?: 7", x=3) == 3


def test_hostile_sizes_are_refused_with_the_reason_not_a_crash() -> None:
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_expr("(" * 100 + "x" + ")" * 100)
    with pytest.raises(ParseError, match="too long"):
        parse_expr("(" * 3000 + "x" + ")" * 3000)
    with pytest.raises(ParseError, match="too long"):
        parse_expr(" + ".join(["x"] * 20000))
    # the deepest and longest allowed still parse, and print back
    deep = "(" * 64 + "x" + ")" * 64
    assert to_c(parse_expr(deep)) == "x"
    long = " + ".join(["x"] * 200)
    assert to_c(parse_expr(long)).count("x") == 200
