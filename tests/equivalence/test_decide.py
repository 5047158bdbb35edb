"""Per-patch verdicts and findings from the parts' verdicts."""

from __future__ import annotations

from patchscope.arch import X86_64
from patchscope.core import Basis, CheckOptions, Patch, Severity, VerdictKind
from patchscope.equivalence.decide import decide_patch
from patchscope.progress import Progress
from tests.equivalence.helpers import call
from tests.equivalence.test_substitution import seed_change

ARGS = ["&tlb", "mas", "vma", "FIRST_USER_ADDRESS", "USER_PGTABLES_CEILING"]


def patch_with(calls, claims: bool = True) -> Patch:  # noqa: ANN001
    p = Patch(4, 9, 1, "s", "s", "a", "m", None, "", "", claims_nfc=claims)
    p.signature_changes = [seed_change()]
    p.call_sites = calls
    decide_patch(p, X86_64, CheckOptions("x"), Progress(False))
    return p


def good():  # noqa: ANN201
    return call("free_pgtables", ARGS + ["true"], ARGS + ["USER_PGTABLES_CEILING", "true"],
                "exit_mmap")


def test_all_proved_is_proved_on_proof() -> None:
    p = patch_with([good()])
    assert p.nfc is not None and p.nfc.verdict is VerdictKind.PROVED
    assert p.nfc.basis is Basis.PROOF
    assert not p.findings
    assert p.signature_changes[0].substitution == {"tree_max": "ceiling"}
    assert p.signature_changes[0].body_verdict.kind is VerdictKind.PROVED  # type: ignore[union-attr]


def test_an_incomplete_call_is_unknown_and_a_warning_under_a_claim() -> None:
    partial = call("free_pgtables", ARGS, ARGS, "unmap_region", complete=False)
    p = patch_with([good(), partial])
    assert partial.verdict is not None and partial.verdict.kind is VerdictKind.UNKNOWN
    assert "not wholly visible" in partial.verdict.reason
    assert p.nfc is not None and p.nfc.verdict is VerdictKind.UNKNOWN
    assert p.nfc.reasons[0].startswith("unmap_region()")  # the deciding part first
    # undecided is a warning; --strict (patchscope.policy) makes it an error
    assert [(f.check, f.severity) for f in p.findings] == [("nfc-unproved", Severity.WARNING)]


def test_without_a_claim_nothing_is_an_error_but_everything_is_analysed() -> None:
    partial = call("free_pgtables", ARGS, ARGS, "unmap_region", complete=False)
    p = patch_with([good(), partial], claims=False)
    assert p.nfc is not None and p.nfc.verdict is VerdictKind.NOT_CLAIMED
    assert all(c.verdict is not None for c in p.call_sites)
    assert not p.findings


def test_new_and_removed_calls_are_unknown() -> None:
    added = call("free_pgtables", None, ARGS + ["0", "true"], "new_caller")
    gone = call("free_pgtables", ARGS + ["true"], None, "old_caller")
    patch_with([added, gone])
    assert added.verdict is not None and "no old call" in added.verdict.reason
    assert gone.verdict is not None and "removes this call" in gone.verdict.reason
