"""Per-patch caps on model call sites and z3 queries (patchscope.budget).

The caps are lowered for the test (the work done is real: the seed patch,
libclang, z3 and the model); what a cap leaves undone is unknown, naming the
cap, and the patch is never proved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from patchscope import budget
from patchscope.commands.check import check_series
from patchscope.core import CheckOptions, VerdictKind

SEED = Path(__file__).parent.parent / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"


def _check() -> list:
    series = check_series(CheckOptions(source=str(SEED), scenarios=50))
    (patch,) = series.patches
    return [patch, *patch.call_sites]


def test_seed_within_the_caps_is_proved() -> None:
    patch, *calls = _check()
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.PROVED
    assert all(c.verdict.kind is VerdictKind.PROVED for c in calls)


def test_model_cap_leaves_later_call_sites_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "MAX_MODEL_SITES", 1)
    patch, *calls = _check()
    kinds = [c.verdict.kind for c in calls]
    assert kinds[0] is VerdictKind.PROVED
    assert all(k is VerdictKind.UNKNOWN for k in kinds[1:]) and len(kinds) == 3
    for c in calls[1:]:
        assert "limit of 1 call sites run through a kernel model a patch" in c.verdict.reason
    assert patch.nfc.verdict is VerdictKind.UNKNOWN
    assert any("limit of 1 call sites" in r for r in patch.nfc.reasons)


def test_z3_cap_proves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "MAX_Z3_QUERIES", 0)
    patch, *calls = _check()
    assert calls and all(c.verdict.kind is not VerdictKind.PROVED for c in calls)
    assert patch.nfc.verdict is VerdictKind.UNKNOWN
    assert any("limit of 0 z3 queries a patch" in r for r in patch.nfc.reasons)


def test_caps_count_only_inside_a_patch() -> None:
    budget.end_patch()
    assert all(budget.take_z3_query() for _ in range(budget.MAX_Z3_QUERIES + 5))
    budget.begin_patch()
    try:
        assert all(budget.take_model_site() for _ in range(budget.MAX_MODEL_SITES))
        assert not budget.take_model_site()
        assert budget.limits_reached() == [
            f"the limit of {budget.MAX_MODEL_SITES} call sites run through a kernel model "
            "a patch was reached"]
    finally:
        budget.end_patch()


def test_counter_models_past_the_cap_are_shown_unminimised_with_the_same_verdicts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a caller passes the wrong limit: z3 finds values that tell old and new
    # apart; only how small those values are shown may change past the cap
    mutant = SEED.parent.parent / "equivalence" / "mutant-caller-pmd.patch"

    def kinds() -> list[tuple[object, ...]]:
        series = check_series(CheckOptions(source=str(mutant), scenarios=50))
        (patch,) = series.patches
        return [(patch.nfc.verdict if patch.nfc else None,),
                *((c.verdict.kind, c.verdict.basis) for c in patch.call_sites)]

    counted: list[bool] = []
    real = budget.take_smallest_model
    monkeypatch.setattr(budget, "take_smallest_model", lambda: counted.append(real()) or
                        counted[-1])
    full = kinds()
    assert counted and all(counted)  # the mutant's counter-models were made small
    monkeypatch.setattr(budget, "MAX_SMALLEST_MODELS", 0)
    counted.clear()
    assert kinds() == full and counted and not any(counted)
    assert full[0] == (VerdictKind.REFUTED,)
