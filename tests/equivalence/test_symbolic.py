"""Exact answers from z3 about C expressions."""

from __future__ import annotations

import itertools

from patchscope.arch import ARM_LPAE, X86_64
from patchscope.cexpr import evaluate, parse_expr
from patchscope.equivalence.symbolic import describe_when, prove_always_false, prove_equal


def P(text: str):  # noqa: N802 - a short name reads better in the assertions
    return parse_expr(text)


def test_the_seed_warn_under_the_substitution_never_fires() -> None:
    r = prove_always_false(P("ceiling - 1 > ceiling - 1"), X86_64)
    assert r.proved and r.detail == "false for every value"


def test_the_seed_warn_itself_can_fire_and_the_model_shows_it() -> None:
    r = prove_always_false(P("tree_max - 1 > ceiling - 1"), X86_64)
    assert r.status == "counter-model"
    env = {k: v for k, v in r.model.items()}
    assert evaluate(P("tree_max - 1 > ceiling - 1"), env, X86_64) == 1


def test_zero_is_the_top_in_the_solver_too() -> None:
    # x - 1 > c - 1 with c == 0 never holds, for any x
    assert prove_always_false(P("x - 1 > c - 1"), X86_64, assumptions=[P("c == 0")]).proved
    assert prove_always_false(P("x - 1 > c - 1"), ARM_LPAE, assumptions=[P("c == 0")]).proved


def test_chain_argument_in_the_callers_terms() -> None:
    a = P("q->p ? q->p->end : TOP")
    assert prove_equal(a, P("(q->p != NULL) ? (q->p)->end : TOP"), X86_64).proved
    r = prove_equal(a, P("q->p ? q->p->start : TOP"), X86_64)
    assert r.status == "counter-model"
    assert r.model["q->p"] != 0  # the pointer must be non-NULL to tell them apart


def test_algebra_with_wraparound() -> None:
    assert prove_equal(P("x - 1 + 1"), P("x"), X86_64).proved
    assert prove_equal(P("(x + y) - y"), P("x"), ARM_LPAE).proved
    assert not prove_equal(P("x / 2 * 2"), P("x"), X86_64).proved


def test_macros_free_first_then_the_profile() -> None:
    r = prove_equal(P("USER_PGTABLES_CEILING"), P("0"), X86_64)
    assert r.proved and r.macros == "x86_64"
    r = prove_equal(P("USER_PGTABLES_CEILING"), P("0"), ARM_LPAE)
    assert r.status == "counter-model" and r.macros == "arm-lpae"
    r = prove_equal(P("next ? next->vm_start : USER_PGTABLES_CEILING"),
                    P("next ? next->vm_start : USER_PGTABLES_CEILING"), ARM_LPAE)
    assert r.proved and r.macros == "free"


def test_undefined_behaviour_does_not_make_things_equal() -> None:
    # where the left side is defined the right one must be too
    assert not prove_equal(P("x"), P("x / y * 0 + x"), X86_64).proved
    assert prove_equal(P("x / y * 0 + x"), P("x"), X86_64).proved


def test_unknown_calls_give_unknown_with_the_reason() -> None:
    r = prove_equal(P("round_up(x, 8)"), P("x"), X86_64)
    assert r.status == "unknown" and "round_up" in r.detail


def test_solver_agrees_with_the_evaluator_on_small_words() -> None:
    # exhaustive cross-check on a few conditions over interesting values
    values = [0, 1, 4095, 4096, 0xBF000000, 0xFFFFFFFF]
    for text in ("x - 1 > c - 1", "(x & ~(c - 1)) == x", "x >> 3 < c"):
        e = P(text)
        always_false = all(
            evaluate(e, {"x": x, "c": c}, ARM_LPAE) == 0
            for x, c in itertools.product(values, values)
        )
        r = prove_always_false(e, ARM_LPAE)
        assert r.status in ("proved", "counter-model")
        if not always_false:
            assert not r.proved
        if r.status == "counter-model":
            assert evaluate(e, r.model, ARM_LPAE) == 1


def test_values_in_words_say_when_no_name_matters() -> None:
    r = prove_equal(parse_expr("ULONG_MAX"), parse_expr("USER_PGTABLES_CEILING"), X86_64)
    assert r.status == "counter-model" and r.macros == "x86_64"
    assert describe_when(r.model, r.macros) == "for every value (macros of x86_64)"
    r = prove_equal(parse_expr("p ? p->end : 0"), parse_expr("p ? p->start : 0"), X86_64)
    assert describe_when(r.model, r.macros).startswith("when p != NULL, ")
