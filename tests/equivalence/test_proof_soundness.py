"""The solver's verdicts checked against the evaluator on generated pairs.

For pairs of expressions (one a rewrite of the other, equal or not), a
``proved`` verdict must hold on every sampled input, and a counter-model
must really tell the two apart when evaluated.
"""

from __future__ import annotations

import random

import pytest

from patchscope.arch import ARM_LPAE, X86_64, ArchProfile
from patchscope.cexpr import EvalError, evaluate, parse_expr
from patchscope.equivalence.symbolic import prove_equal
from tests.cexpr.exprgen import VALUES32, VALUES64, gen_expr

REWRITES = (
    "({e}) + 0", "({e}) - a + a", "~~({e})", "(({e}) ^ b) ^ b", "({e}) * 1",
    "({e}) + 1", "({e}) | 1", "({e}) >> 1", "-({e})", "(a ? ({e}) : ({e}))",
    "(unsigned int)({e})", "({e}) & 0xffffffff", "(b ? ({e}) : 0)",
)


@pytest.mark.parametrize("profile", [X86_64, ARM_LPAE], ids=lambda p: p.name)
def test_proofs_and_counter_models_agree_with_evaluation(profile: ArchProfile) -> None:
    rng = random.Random(profile.bits * 7)
    values = VALUES64 if profile.bits == 64 else VALUES32
    proved = refuted = 0
    for _ in range(100):
        text = gen_expr(rng, rng.randint(1, 3), profile.bits)
        a = parse_expr(text)
        b = parse_expr(rng.choice(REWRITES).format(e=text))
        r = prove_equal(a, b, profile)
        if r.proved:
            proved += 1
            for _ in range(20):
                env = {n: rng.choice(values) for n in ("a", "b", "c")}
                try:
                    va = evaluate(a, env, profile)
                except EvalError:
                    continue  # undefined on the left: nothing is claimed
                assert evaluate(b, env, profile) == va, (text, env)
        elif r.status == "counter-model":
            refuted += 1
            env = {n: r.model.get(n, 0) for n in ("a", "b", "c")}
            try:
                va = evaluate(a, env, profile)
            except EvalError:
                pytest.fail(f"counter-model where the left side is undefined: {text} {env}")
            try:
                vb = evaluate(b, env, profile)
            except EvalError:
                continue  # the right side is undefined where the left is not: a difference
            assert va != vb, (text, env)
    assert proved > 15 and refuted > 15
