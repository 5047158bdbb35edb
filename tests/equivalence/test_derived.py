"""A removed parameter the new body declares at its top (``mm = vma->vm_mm``).

Each case is a one-commit patch made by git from a small file, read in mbox
mode: the hunk shows the top of the callee and, in a later hunk of the same
section, its callers.
"""

from __future__ import annotations

from pathlib import Path

from patchscope.arch import X86_64
from patchscope.clang import tokenize
from patchscope.core import Param
from patchscope.equivalence.derived import derived_locals
from tests.equivalence.test_check_e2e import _one_commit_patch, check, only_patch, verdicts

BEFORE = """static unsigned long count_pages(struct mm_struct *mm, unsigned long start,
\t\t\t\t unsigned long end)
{
\tunsigned long n = 0;

\tif (!mm)
\t\treturn 0;
\tn = (end - start) >> PAGE_SHIFT;
\tmm->nr_counted += n;
\treturn n;
}

void walk_one(struct vm_area_struct *vma)
{
\tcount_pages(vma->vm_mm, vma->vm_start, vma->vm_end);
}

void walk_two(struct vm_area_struct *vma, unsigned long len)
{
\tcount_pages(vma->vm_mm, vma->vm_start, vma->vm_start + len);
}
"""
NEW_HEAD = """static unsigned long count_pages(struct vm_area_struct *vma, unsigned long start,
\t\t\t\t unsigned long end)
{
"""
OLD_HEAD = """static unsigned long count_pages(struct mm_struct *mm, unsigned long start,
\t\t\t\t unsigned long end)
{
"""


def after(top: str, one: str = "vma", two: str = "vma") -> str:
    """The patched file: *top* inserted at the top of the body, callers passing *one*/*two*."""
    text = BEFORE.replace(OLD_HEAD, NEW_HEAD + top)
    text = text.replace("count_pages(vma->vm_mm, vma->vm_start, vma->vm_end)",
                        f"count_pages({one}, vma->vm_start, vma->vm_end)")
    return text.replace("count_pages(vma->vm_mm, vma->vm_start, vma->vm_start + len)",
                        f"count_pages({two}, vma->vm_start, vma->vm_start + len)")


def run(tmp_path: Path, text: str) -> tuple[int, dict]:
    # --strict: an unproved claim exits 1, so the exit status tells proved from not
    rc, report = check(_one_commit_patch(tmp_path, BEFORE, text,
                                         "mm: pass the vma\n\nNo functional change intended."),
                       "--strict")
    return rc, only_patch(report)


def test_derived_at_the_top_is_proved(tmp_path: Path) -> None:
    rc, patch = run(tmp_path, after("\tstruct mm_struct *mm = vma->vm_mm;\n"))
    assert rc == 0, patch["findings"]
    assert verdicts(patch) == {"walk_one": "proved", "walk_two": "proved"}
    method = patch["call_sites"][0]["method"]
    assert "old mm := vma->vm_mm" in method and "vma unread" not in method
    steps = patch["call_sites"][0]["steps"]
    assert any("declares at its top" in s for s in steps)


def test_a_caller_passing_another_vma_is_not_proved(tmp_path: Path) -> None:
    text = after("\tstruct mm_struct *mm = vma->vm_mm;\n", two="vma->vm_next")
    rc, patch = run(tmp_path, text)
    assert rc == 1
    assert verdicts(patch) == {"walk_one": "proved", "walk_two": "unknown"}


def test_after_a_call_it_is_not_a_derivation(tmp_path: Path) -> None:
    # the call may change vma->vm_mm before the local reads it
    text = after("\tlock_vma(vma);\n\tstruct mm_struct *mm = vma->vm_mm;\n")
    rc, patch = run(tmp_path, text)
    assert rc == 1
    assert set(verdicts(patch).values()) == {"unknown"}


def test_a_local_of_another_type_is_not_the_parameter(tmp_path: Path) -> None:
    rc, patch = run(tmp_path, after("\tvoid *mm = vma->vm_mm;\n"))
    assert rc == 1
    assert set(verdicts(patch).values()) == {"unknown"}


def tokens(text: str) -> list:
    return [t for t in tokenize(text) if t.kind != "COMMENT"]


MM = [Param("struct mm_struct *", "mm"), Param("unsigned long", "start")]


def test_only_declarations_that_write_and_call_nothing_may_come_first() -> None:
    body = "{\n\tunsigned long n = 0, k;\n\tstruct mm_struct *mm = vma->vm_mm;\n\tn++;\n}\n"
    found, rest = derived_locals(tokens(body), body, MM, {"mm"}, X86_64)
    assert list(found) == ["mm"] and found["mm"].text.startswith("struct mm_struct * mm =")
    assert [t.spelling for t in rest][:8] == ["{", "unsigned", "long", "n", "=", "0", ",", "k"]
    assert "vm_mm" not in [t.spelling for t in rest]
    for first in ("\tunsigned long n = get(vma);\n", "\tunsigned long n = k++;\n",
                  "\tif (!vma)\n\t\treturn;\n", "\tx = 1;\n"):
        body = "{\n" + first + "\tstruct mm_struct *mm = vma->vm_mm;\n}\n"
        assert derived_locals(tokens(body), body, MM, {"mm"}, X86_64)[0] == {}, first


def test_past_a_gap_of_a_hunks_only_body_it_is_not_at_the_top() -> None:
    body = ("{\n\tunsigned long n = 0;\n\t/* patchscope: lines 5-9 are not in the patch */\n"
            "\tstruct mm_struct *mm = vma->vm_mm;\n}\n")
    assert derived_locals(tokens(body), body, MM, {"mm"}, X86_64)[0] == {}
