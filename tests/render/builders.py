"""Checked series for the renderer tests, before (and beside) the real pipeline.

The series itself is read from the seed mbox by the real reader; the analysis
parts the other stages fill (signature change, call sites with aligned
arguments, verdicts, a counterexample shaped like the free_pgtables model's)
are written here by hand from what patch 4/9 really does, so that the
renderers can be tested alone.
"""

from __future__ import annotations

import os
from pathlib import Path

from patchscope.core import (
    Argument,
    Basis,
    CallSite,
    CheckOptions,
    Counterexample,
    Declaration,
    Finding,
    NfcResult,
    Param,
    Series,
    Severity,
    SignatureChange,
    Verdict,
    VerdictKind,
)
from patchscope.series import read_series

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"
HOSTILE = ROOT / "fixtures" / "report" / "hostile.mbox"

OLD_PARAMS = [
    Param("struct mmu_gather *", "tlb"),
    Param("struct ma_state *", "mas"),
    Param("struct vm_area_struct *", "vma"),
    Param("unsigned long", "floor"),
    Param("unsigned long", "ceiling"),
    Param("bool", "mm_wr_locked"),
]
NEW_PARAMS = OLD_PARAMS[:5] + [Param("unsigned long", "tree_max"), OLD_PARAMS[5]]
NAMES_OLD = [p.name for p in OLD_PARAMS]
NAMES_NEW = [p.name for p in NEW_PARAMS]

SUBSTITUTION = "substitution tree_max := ceiling"


def _args(texts: list[str], names: list[str], annotations: dict[int, str] | None = None) -> list[
    Argument
]:
    notes = annotations or {}
    return [Argument(t, notes.get(i), n) for i, (t, n) in enumerate(zip(texts, names, strict=True))]


def _proved(arch: str = "x86_64") -> Verdict:
    return Verdict(
        kind=VerdictKind.PROVED,
        method=SUBSTITUTION,
        reason="the new tree_max argument is the caller's ceiling argument, token for token",
        basis=Basis.PROOF,
        arch=arch,
        steps=[
            "tree_max := ceiling",
            "WARN_ON_ONCE(ceiling - 1 > ceiling - 1) is false for every ceiling",
            "mas_find(mas, tree_max - 1) == mas_find(mas, ceiling - 1)",
        ],
    )


def seed_call_sites() -> list[CallSite]:
    exit_old = ["&tlb", "&vmi.mas", "vma", "FIRST_USER_ADDRESS", "USER_PGTABLES_CEILING", "true"]
    exit_new = exit_old[:5] + ["USER_PGTABLES_CEILING", "true"]
    floor = "prev ? prev->vm_end : FIRST_USER_ADDRESS"
    ceiling = "next ? next->vm_start : USER_PGTABLES_CEILING"
    unmap_old = ["&tlb", "mas", "vma", floor, ceiling, "true"]
    unmap_new = unmap_old[:5] + [ceiling, "true"]
    vms_old = ["&tlb", "mas_detach", "vms->vma", "vms->unmap_start", "vms->unmap_end",
               "mm_wr_locked"]
    vms_new = vms_old[:5] + ["vms->unmap_end", "mm_wr_locked"]
    return [
        CallSite("free_pgtables", "exit_mmap", "mm/mmap.c", 1313, 1313,
                 _args(exit_old, NAMES_OLD), _args(exit_new, NAMES_NEW), verdict=_proved()),
        CallSite("free_pgtables", "unmap_region", "mm/vma.c", 488, 488,
                 _args(unmap_old, NAMES_OLD, {5: "/* mm_wr_locked = */"}),
                 _args(unmap_new, NAMES_NEW, {6: "/* mm_wr_locked = */"}), verdict=_proved()),
        CallSite("free_pgtables", "vms_clear_ptes", "mm/vma.c", 1235, 1234,
                 _args(vms_old, NAMES_OLD), _args(vms_new, NAMES_NEW), verdict=_proved()),
    ]


def signature_change() -> SignatureChange:
    return SignatureChange(
        function="free_pgtables",
        file="mm/memory.c",
        line=390,
        old_params=list(OLD_PARAMS),
        new_params=list(NEW_PARAMS),
        added=["tree_max"],
        declarations=[
            Declaration("mm/internal.h", 445, "prototype", OLD_PARAMS, NEW_PARAMS),
            Declaration("mm/memory.c", 390, "definition", OLD_PARAMS, NEW_PARAMS,
                        body_complete=False),
        ],
        body_verdict=_proved(),
        substitution={"tree_max": "ceiling"},
    )


def options(**kw: object) -> CheckOptions:
    base = CheckOptions(source=str(SEED))
    for key, value in kw.items():
        setattr(base, key, value)
    return base


def read(path: Path) -> Series:
    return read_series(str(path), cwd=os.getcwd())


def seed_series() -> Series:
    """Patch 4/9 as the pipeline should leave it: three call sites, all proved."""
    series = read(SEED)
    patch = series.patches[0]
    patch.signature_changes = [signature_change()]
    patch.call_sites = seed_call_sites()
    patch.nfc = NfcResult(VerdictKind.PROVED, ["all 3 call sites proved"], Basis.PROOF)
    return series


# What the free_pgtables model records for a caller whose search limit runs
# past its ceiling: the old walk stops at the ceiling (VMA 0 alone, its PTE
# table kept because the next VMA shares it), the new one gathers VMA 1 too.
MODEL_COUNTEREXAMPLE = Counterexample(
    arch="x86_64",
    scenario={
        "vmas": [{"name": "VMA 0", "start": 0x400000, "end": 0x401000},
                 {"name": "VMA 1", "start": 0x600000, "end": 0x601000}],
        "tree": "mm",
        "first_vma": "VMA 0",
        "start_position": 0x401000,
        "zero_entry": None,
        "roles": {"old first_bound": "ceiling - 1", "old gather_bound": "ceiling - 1",
                  "old floor": "floor", "old ceiling": "ceiling",
                  "new first_bound": "tree_max - 1", "new gather_bound": "tree_max - 1",
                  "new floor": "floor", "new ceiling": "ceiling"},
    },
    old_args={"floor": 0, "ceiling": 0x600000, "mm_wr_locked": True},
    new_args={"floor": 0, "ceiling": 0x600000, "tree_max": 0x800000, "mm_wr_locked": True},
    old={
        "unlinked": ["VMA 0"],
        "free_pgd_range": [{"addr": 0x400000, "end": 0x401000, "floor": 0, "ceiling": 0x600000}],
        "freed": [{"level": "pte", "base": 0x400000}],
        "warn": False,
    },
    new={
        "unlinked": ["VMA 0", "VMA 1"],
        "free_pgd_range": [{"addr": 0x400000, "end": 0x601000, "floor": 0, "ceiling": 0x600000}],
        "freed": [{"level": "pte", "base": 0x400000}, {"level": "pte", "base": 0x600000}],
        "warn": True,
    },
    difference="the new call unlinks VMA 1 [0x600000, 0x601000), which lies past the ceiling",
)


def refuted_series() -> Series:
    """The seed with a mutant caller: vms_clear_ptes passes unmap_end + PMD_SIZE as tree_max."""
    series = seed_series()
    patch = series.patches[0]
    site = patch.call_sites[2]
    assert site.new_args is not None
    site.new_args[5] = Argument("vms->unmap_end + PMD_SIZE", None, "tree_max")
    site.verdict = Verdict(
        kind=VerdictKind.REFUTED,
        method="model free_pgtables, exhaustive grid + random layouts",
        reason="the search limit runs past the page-table ceiling",
        basis=Basis.COUNTEREXAMPLE,
        scenarios=412,
        seed=1,
        arch="x86_64",
        counterexample=MODEL_COUNTEREXAMPLE,
    )
    patch.nfc = NfcResult(
        VerdictKind.REFUTED, ["vms_clear_ptes: the search limit runs past the ceiling"],
        Basis.COUNTEREXAMPLE,
    )
    patch.findings.append(Finding(
        "nfc-refuted", Severity.ERROR,
        "vms_clear_ptes(): old and new calls of free_pgtables() differ: "
        + MODEL_COUNTEREXAMPLE.difference, "mm/vma.c", 1235, patch.index))
    patch.findings.append(Finding(
        "warn-reachable", Severity.ERROR,
        "WARN_ON_ONCE(tree_max - 1 > ceiling - 1) fires for vms_clear_ptes()", "mm/vma.c", 1235,
        patch.index))
    return series


def hostile_series() -> Series:
    """The hostile fixture with analysis results that carry its strings too."""
    from fixtures.report.make_hostile import BIDI, CLOSERS, IMG, LINK, SCRIPT, SVG

    series = read(HOSTILE)
    patch = series.patches[0]
    old = [Param("struct mm *", "mm"), Param("unsigned long", "floor"),
           Param("unsigned long", "ceiling")]
    new = old + [Param(f"unsigned long {SCRIPT}", "limit")]
    patch.signature_changes = [SignatureChange(
        "zap_range", "mm/hostile.c", 5, old, new, added=["limit"],
        substitution={"limit": f"ceiling {IMG}"})]
    names_old, names_new = ["mm", "floor", "ceiling"], ["mm", "floor", "ceiling", "limit"]
    site = CallSite(
        "zap_range", f"teardown{SVG}", f"mm/hostile.c{CLOSERS}", 17, 13,
        _args(["mm", "mm->start", "mm->end"], names_old),
        _args(["mm", "mm->start", "mm->end", f"mm->end /* {LINK} */"], names_new,
              {1: f"/* {SVG} */"}),
    )
    site.verdict = Verdict(
        VerdictKind.REFUTED, f"model {SCRIPT}", f"reason {IMG} {BIDI}", Basis.COUNTEREXAMPLE,
        scenarios=7, seed=3, arch="x86_64",
        counterexample=Counterexample(
            arch="x86_64",
            scenario={"vmas": [{"start": 0x1000, "end": 0x2000, "name": SCRIPT}], "note": IMG},
            old_args={"floor": 0, "ceiling": 0, SVG: 1},
            new_args={"floor": 0, "ceiling": 0, "limit": LINK},
            old={"unlinked": [0], "freed": [{"level": SCRIPT, "base": 0x0}], "warn": False,
                 CLOSERS: "x"},
            new={"unlinked": [{"start": 0x1000, "end": IMG}], "warn": True},
            difference=f"{SCRIPT} {CLOSERS} {BIDI}",
        ),
    )
    patch.call_sites = [site]
    patch.nfc = NfcResult(VerdictKind.REFUTED, [f"because {SCRIPT}"], Basis.COUNTEREXAMPLE)
    patch.findings.append(
        Finding(f"check{IMG}", Severity.ERROR, f"message {SCRIPT} {BIDI}", f"mm/{LINK}", 3, 1))
    series.findings.append(Finding("series-check", Severity.WARNING, f"{CLOSERS}\x1b[2J"))
    return series
