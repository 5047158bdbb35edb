"""The refactor-shape rules a patch is tried against, and their verdicts.

Each rule (:mod:`.hoist`, :mod:`.extract`) proves code moved between functions without a
signature change; its verdict is one part of the patch's, and the ranges it
compared are cut out by the whole-patch accounting (:mod:`.accounting`).
"""

from __future__ import annotations

from patchscope.arch import ArchProfile
from patchscope.core import INTERNAL_ERROR, Basis, Finding, Patch, Severity, Verdict, VerdictKind
from patchscope.equivalence.extract import prove_extracts
from patchscope.equivalence.hoist import prove_hoists
from patchscope.equivalence.refactor import ShapeProof

Part = tuple[Verdict, str, str | None, int | None]  # verdict, label, file, line
# the label of the part an internal error of the rules gives: always kept
SHAPES_LABEL = "the refactor shapes"


def shape_verdict(proof: ShapeProof, profile: ArchProfile) -> Verdict:
    """The proof's verdict, its steps in the reason too: no call site carries them."""
    steps = "; ".join(f"({n}) {s}" for n, s in enumerate(proof.steps, 1))
    reason = proof.reason + (f". Steps: {steps}" if steps and proof.proved else "")
    if proof.proved:
        return Verdict(VerdictKind.PROVED, proof.method, reason, Basis.PROOF,
                       arch=profile.name, steps=list(proof.steps))
    return Verdict(VerdictKind.UNKNOWN, proof.method, reason, Basis.NONE, arch=profile.name,
                   steps=list(proof.steps))


def decide_shapes(patch: Patch, profile: ArchProfile) -> tuple[list[ShapeProof], list[Part]]:
    """Every shape proof of *patch* and the verdict parts they add."""
    try:
        proofs = prove_hoists(patch) + prove_extracts(patch)
    except Exception as exc:  # a bug, said so: the patch is then not proved
        message = (f"internal error while trying the refactor shapes: {type(exc).__name__}: "
                   f"{exc} (a bug in patchscope; please report it)")
        patch.findings.append(Finding(INTERNAL_ERROR, Severity.ERROR, message,
                                      patch=patch.index))
        return [], [(Verdict(VerdictKind.UNKNOWN, "none", message, Basis.NONE,
                             arch=profile.name), SHAPES_LABEL, None, None)]
    return proofs, [(shape_verdict(p, profile), p.label, p.file, p.line) for p in proofs]


def shape_assumptions(patch: Patch, proofs: list[ShapeProof]) -> None:
    """What the proved shapes rest on, and what tree mode checked instead."""
    for p in proofs:
        if not p.proved:
            continue
        patch.assumptions += [a for a in p.assumptions if a not in patch.assumptions]
        patch.checked += [c for c in p.checked if c not in patch.checked]
