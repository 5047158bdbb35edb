"""The seed patch (free_pgtables gains tree_max), from the mail alone and on a tree."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from patchscope.core import AnalysisMode, CallSite, Patch, Series, Severity
from tests.csource.kernel_tree import SEED_MBOX, SEED_PATCH, analyse

OLD = ["tlb", "mas", "vma", "floor", "ceiling", "mm_wr_locked"]
NEW = ["tlb", "mas", "vma", "floor", "ceiling", "tree_max", "mm_wr_locked"]
CALLERS = {
    ("mm/mmap.c", "exit_mmap", 1313),
    ("mm/vma.c", "unmap_region", 488),
    ("mm/vma.c", "vms_clear_ptes", 1235),
}


@pytest.fixture(params=["mbox", "tree"])
def seed(request: pytest.FixtureRequest, kernel_tree: Callable[..., Path]) -> Series:
    if request.param == "mbox":
        return analyse(SEED_MBOX)
    return analyse(SEED_MBOX, kernel_tree())


def only_patch(series: Series) -> Patch:
    (patch,) = series.patches
    return patch


def test_mode_is_named(seed: Series) -> None:
    patch = only_patch(seed)
    expected = AnalysisMode.MBOX if patch.mode is AnalysisMode.MBOX else AnalysisMode.TREE_WHOLE
    assert patch.mode is expected and seed.mode is expected


def test_one_signature_change_six_to_seven(seed: Series) -> None:
    (change,) = only_patch(seed).signature_changes
    assert change.function == "free_pgtables"
    assert (change.file, change.line) == ("mm/memory.c", 390)
    assert [p.name for p in change.old_params] == OLD
    assert [p.name for p in change.new_params] == NEW
    assert change.new_params[5].type == "unsigned long"
    assert change.added == ["tree_max"]
    assert change.removed == [] and change.renamed == [] and change.moved == []


def test_declarations_include_prototype_and_test_stub(seed: Series) -> None:
    (change,) = only_patch(seed).signature_changes
    where = {(d.file, d.kind, d.line) for d in change.declarations}
    assert where == {
        ("mm/internal.h", "prototype", 445),
        ("mm/memory.c", "definition", 390),
        ("tools/testing/vma/vma_internal.h", "definition", 901),
    }
    for d in change.declarations:
        assert len(d.old_params) == 6 and len(d.new_params) == 7
    # the prototype calls the third parameter start_vma: same parameter, an info finding
    proto = next(d for d in change.declarations if d.kind == "prototype")
    assert proto.new_params[2].name == "start_vma"
    mismatch = [f for f in only_patch(seed).findings if f.check == "prototype-name-mismatch"]
    assert len(mismatch) == 1
    assert mismatch[0].severity is Severity.INFO and mismatch[0].file == "mm/internal.h"
    assert "start_vma" in mismatch[0].message and "'vma'" in mismatch[0].message


def test_bodies(seed: Series) -> None:
    patch = only_patch(seed)
    (change,) = patch.signature_changes
    main = next(d for d in change.declarations if d.file == "mm/memory.c")
    assert main.old_body is not None and main.new_body is not None
    assert "mas_find(mas, ceiling - 1)" in main.old_body
    assert "mas_find(mas, tree_max - 1)" in main.new_body
    assert "WARN_ON_ONCE(tree_max - 1 > ceiling - 1);" in main.new_body
    if patch.mode is AnalysisMode.MBOX:
        assert not main.body_complete
        assert "not in the patch" in main.new_body
    else:
        assert main.body_complete
        assert main.new_body.startswith("{") and main.new_body.endswith("}")
        assert "next ? next->vm_start : ceiling" in main.new_body


def sites(series: Series) -> dict[str, CallSite]:
    return {c.caller: c for c in only_patch(series).call_sites}


def test_three_call_sites(seed: Series) -> None:
    calls = only_patch(seed).call_sites
    assert {(c.file, c.caller, c.line) for c in calls} == CALLERS
    for c in calls:
        assert c.function == "free_pgtables" and c.complete
        assert c.mode is only_patch(seed).mode
        assert c.old_args is not None and c.new_args is not None
        assert len(c.old_args) == 6 and len(c.new_args) == 7
        assert [a.param for a in c.new_args] == NEW
        assert [a.param for a in c.old_args] == OLD
        assert c.new_args[5].text == c.new_args[4].text  # tree_max := ceiling
        rows = {r.param: r for r in c.aligned()}
        assert rows["tree_max"].old is None
        assert not rows["ceiling"].changed and not rows["floor"].changed


def test_argument_texts_and_annotation(seed: Series) -> None:
    by = sites(seed)
    region = by["unmap_region"]
    assert region.old_args is not None and region.new_args is not None
    assert [a.text for a in region.new_args] == [
        "&tlb",
        "mas",
        "vma",
        "prev ? prev->vm_end : FIRST_USER_ADDRESS",
        "next ? next->vm_start : USER_PGTABLES_CEILING",
        "next ? next->vm_start : USER_PGTABLES_CEILING",
        "true",
    ]
    assert region.new_args[6].annotation == "/* mm_wr_locked = */"
    assert region.old_args[5].annotation == "/* mm_wr_locked = */"
    assert [a.annotation for a in region.new_args[:6]] == [None] * 6
    exit_mmap = by["exit_mmap"]
    assert exit_mmap.new_args is not None
    assert exit_mmap.new_args[5].text == "USER_PGTABLES_CEILING"
    clear = by["vms_clear_ptes"]
    assert clear.new_args is not None and clear.new_args[5].text == "vms->unmap_end"
    assert clear.old_line == 1234 and clear.line == 1235


def test_caller_context_reaches_the_positioning_call(seed: Series) -> None:
    by = sites(seed)
    assert by["exit_mmap"].new_context is not None
    assert by["exit_mmap"].new_context.rstrip().endswith("vma_iter_set(&vmi, vma->vm_end);")
    assert "mas_set(mas, vma->vm_end);" in (by["unmap_region"].old_context or "")
    assert "mas_set(mas_detach, 1);" in (by["vms_clear_ptes"].new_context or "")


def test_no_error_findings(seed: Series) -> None:
    assert [f for f in seed.all_findings() if f.severity is Severity.ERROR] == []


def test_mbox_and_tree_agree(kernel_tree: Callable[..., Path]) -> None:
    mbox = only_patch(analyse(SEED_PATCH))
    tree = only_patch(analyse(SEED_PATCH, kernel_tree()))

    def view(p: Patch) -> list[tuple[object, ...]]:
        return sorted(
            (c.file, c.caller, c.line, c.old_line, repr(c.old_args), repr(c.new_args))
            for c in p.call_sites
        )

    assert view(mbox) == view(tree)
    assert [
        (s.function, s.file, s.old_params, s.new_params, s.added) for s in mbox.signature_changes
    ] == [(s.function, s.file, s.old_params, s.new_params, s.added) for s in tree.signature_changes]
