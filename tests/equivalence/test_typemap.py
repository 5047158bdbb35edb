"""If/else branches read swapped, old arguments as the old parameters held them (issue 12)."""

from __future__ import annotations

from patchscope.arch import get_profile
from patchscope.cexpr.ctypes import type_from_spelling
from patchscope.cexpr.expr_ast import Binary, Cast, Name, Num
from patchscope.equivalence.bodydiff import body_tokens
from patchscope.equivalence.typemap import as_passed, branch_swaps

PROFILE = get_profile("x86_64")


def _swaps(text: str, names: set[str]) -> list[str]:
    return [" ".join(t.spelling for t in tokens)
            for tokens, _ in branch_swaps(body_tokens(text), names)]


def test_an_if_else_on_a_new_parameter_is_read_swapped() -> None:
    got = _swaps("{ if (mode == WALK_SLOW) { b(); } else { a(); } c(); }", {"mode"})
    assert got == ["{ if ( ! ( mode == WALK_SLOW ) ) { a ( ) ; } else { b ( ) ; } c ( ) ; }"]


def test_every_combination_of_two_is_tried() -> None:
    got = _swaps("{ if (m) x(); else y(); if (m > 1) z(); else w(); }", {"m"})
    assert len(got) == 3
    assert "{ if ( ! ( m ) ) y ( ) ; else x ( ) ; if ( ! ( m > 1 ) ) w ( ) ; else z ( ) ; }" \
        in got


def test_no_swap_that_would_give_the_else_to_another_if() -> None:
    # `if (!(m)) if (x) b(); else a();` would bind the else to `if (x)`
    assert _swaps("{ if (m) a(); else if (x) b(); }", {"m"}) == []
    # an if without an else, or on no new parameter, stays as it is
    assert _swaps("{ if (m) a(); }", {"m"}) == []
    assert _swaps("{ if (old) a(); else b(); }", {"m"}) == []


def test_an_old_argument_is_converted_to_a_narrow_parameter() -> None:
    u8 = type_from_spelling("unsigned char", PROFILE)
    ulong = type_from_spelling("unsigned long", PROFILE)
    assert u8 is not None and ulong is not None
    target = Binary("&", Name("flags"), Name("VM_LOCKED"))
    arg = Name("vm_flags")
    assert as_passed({"flags": arg}, target, {"flags": u8}, PROFILE) == {
        "flags": Cast(u8.name, arg)}
    # a word-sized parameter holds what it is given; a small literal fits
    assert as_passed({"flags": arg}, target, {"flags": ulong}, PROFILE) == {"flags": arg}
    assert as_passed({"flags": Num(3, "3")}, target, {"flags": u8}, PROFILE) == {
        "flags": Num(3, "3")}
    # a rename is compared in the parameter's type anyway
    assert as_passed({"flags": arg}, Name("flags"), {"flags": u8}, PROFILE) == {"flags": arg}
