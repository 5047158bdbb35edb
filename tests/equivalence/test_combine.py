"""How the proof and a kernel model's result combine into one verdict.

The models package brings real models; here a deliberately fixed model
object drives each branch, including the one a correct model never reaches
(the engines disagreeing), which must be loud.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from patchscope.arch import X86_64
from patchscope.core import (
    Basis,
    CheckOptions,
    Counterexample,
    Patch,
    Severity,
    Verdict,
    VerdictKind,
)
from patchscope.equivalence import decide
from patchscope.equivalence.substitution import prove_body
from patchscope.progress import Progress
from tests.equivalence.helpers import call
from tests.equivalence.test_substitution import seed_change

ARGS = ["&tlb", "mas", "vma", "prev ? prev->vm_end : FIRST_USER_ADDRESS"]
CEIL = "next ? next->vm_start : USER_PGTABLES_CEILING"
GOOD = call("free_pgtables", ARGS + [CEIL, "true"], ARGS + [CEIL, CEIL, "true"], "unmap_region")
BAD = call("free_pgtables", ARGS + [CEIL, "true"], ARGS + [CEIL, "0", "true"], "unmap_region")

CE = Counterexample("x86_64", {"vmas": [[0x1000, 0x2000]]}, {}, {}, {"unlinked": [1]},
                    {"unlinked": [1, 2]}, "new unlinks VMA 2")


@dataclass
class FixedResult:
    verdict: Verdict
    assertion: Counterexample | None = None


class FixedModel:
    def __init__(self, verdict: Verdict, assertion: Counterexample | None = None) -> None:
        self.result = FixedResult(verdict, assertion)

    def check_call(self, change, call, profile, scenarios, seed, progress):  # noqa: ANN001
        return self.result


VERIFIED = Verdict(VerdictKind.VERIFIED, "model free_pgtables", "same on every scenario",
                   Basis.SAMPLING, scenarios=500, seed=7, arch="x86_64")
REFUTED = Verdict(VerdictKind.REFUTED, "model free_pgtables", "new unlinks VMA 2",
                  Basis.COUNTEREXAMPLE, scenarios=12, seed=7, arch="x86_64",
                  counterexample=CE)
UNDECIDED = Verdict(VerdictKind.UNKNOWN, "model free_pgtables", "no tree found")


def run(monkeypatch: pytest.MonkeyPatch, model: FixedModel, site) -> tuple[Verdict, Patch]:  # noqa: ANN001
    monkeypatch.setattr(decide, "find_model", lambda change: model)
    change = seed_change()
    body = prove_body(change, X86_64)
    patch = Patch(1, 1, 1, "s", "s", "a", "m", None, "", "", claims_nfc=True)
    v = decide.decide_call(body, change, site, patch, X86_64, CheckOptions("x", seed=7),
                           Progress(False))
    return v, patch


def test_proved_and_verified_is_proved_and_says_both(monkeypatch: pytest.MonkeyPatch) -> None:
    v, patch = run(monkeypatch, FixedModel(VERIFIED), GOOD)
    assert v.kind is VerdictKind.PROVED and v.basis is Basis.PROOF
    assert "tree_max := ceiling" in v.method and "model agreed on 500 scenarios" in v.method
    assert not patch.findings


def test_proved_but_refuted_is_a_loud_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    v, patch = run(monkeypatch, FixedModel(REFUTED), GOOD)
    assert v.kind is VerdictKind.UNKNOWN
    assert v.counterexample is CE
    [f] = patch.findings
    assert f.check == "engine-disagreement" and f.severity is Severity.ERROR
    assert "INTERNAL ERROR" in f.message


def test_unproved_and_refuted_is_refuted(monkeypatch: pytest.MonkeyPatch) -> None:
    v, patch = run(monkeypatch, FixedModel(REFUTED, assertion=CE), BAD)
    assert v.kind is VerdictKind.REFUTED and v.basis is Basis.COUNTEREXAMPLE
    assert v.counterexample is CE
    reachable = [f for f in patch.findings if f.check == "assertion-reachable"]
    assert len(reachable) == 1 and "the model shows" in reachable[0].message
    assert any("can fire" in s for s in v.steps)  # z3's values stay in the steps


def test_unproved_and_verified_is_verified_on_sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    v, _ = run(monkeypatch, FixedModel(VERIFIED), BAD)
    assert v.kind is VerdictKind.VERIFIED and v.basis is Basis.SAMPLING
    assert v.scenarios == 500 and v.seed == 7 and "500 scenarios" in v.method


def test_model_undecided_leaves_the_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    v, _ = run(monkeypatch, FixedModel(UNDECIDED), GOOD)
    assert v.kind is VerdictKind.PROVED and v.basis is Basis.PROOF
    v, _ = run(monkeypatch, FixedModel(UNDECIDED), BAD)
    assert v.kind is VerdictKind.UNKNOWN


def test_a_failing_model_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def check_call(self, *args, **kwargs):  # noqa: ANN002, ANN003
            raise RuntimeError("boom")

    monkeypatch.setattr(decide, "find_model", lambda change: Broken())
    change = seed_change()
    patch = Patch(1, 1, 1, "s", "s", "a", "m", None, "", "", claims_nfc=True)
    v = decide.decide_call(prove_body(change, X86_64), change, GOOD, patch, X86_64,
                           CheckOptions("x"), Progress(False))
    # the part the engine failed on is unknown, and the failure is an internal error
    assert v.kind is VerdictKind.UNKNOWN and "internal error" in v.reason
    assert [f.check for f in patch.findings] == ["internal-error"]


def test_verified_on_no_scenario_is_no_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = Verdict(VerdictKind.VERIFIED, "model free_pgtables", "nothing ran", Basis.SAMPLING,
                    scenarios=0, seed=7, arch="x86_64")
    v, _ = run(monkeypatch, FixedModel(empty), BAD)
    assert v.kind is VerdictKind.UNKNOWN
    v, _ = run(monkeypatch, FixedModel(empty), GOOD)
    assert v.kind is VerdictKind.PROVED and "agreed" not in v.method


def test_without_a_model_assertion_the_solver_reports_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _, patch = run(monkeypatch, FixedModel(UNDECIDED), BAD)
    reachable = [f for f in patch.findings if f.check == "assertion-reachable"]
    assert len(reachable) == 1 and "(z3" in reachable[0].message
