"""Whole-tree mode: callers outside the patch, found with git grep + libclang."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from patchscope.core import AnalysisMode, Severity
from tests.csource.kernel_tree import SEED_MBOX, analyse


def test_caller_left_on_the_old_signature_is_an_error(kernel_tree: Callable[..., Path]) -> None:
    series = analyse(SEED_MBOX, kernel_tree("mm-extra-caller"))
    (patch,) = series.patches
    assert patch.mode is AnalysisMode.TREE_WHOLE
    stale = [f for f in patch.findings if f.check == "caller-not-updated"]
    assert len(stale) == 1
    assert stale[0].severity is Severity.ERROR
    assert (stale[0].file, stale[0].line) == ("mm/teardown.c", 17)
    assert "teardown_lone_vma" in stale[0].message and "6 argument" in stale[0].message
    # the patch's own three call sites are unaffected
    assert len(patch.call_sites) == 3


def test_seed_tree_has_no_stale_caller(kernel_tree: Callable[..., Path]) -> None:
    series = analyse(SEED_MBOX, kernel_tree())
    assert not [f for f in series.all_findings() if f.check == "caller-not-updated"]
    searched = [f for f in series.all_findings() if f.check == "callers-searched"]
    assert len(searched) == 1 and "0 call(s) outside" in searched[0].message


def test_calls_the_parse_does_not_see_are_reported(kernel_tree: Callable[..., Path]) -> None:
    series = analyse(SEED_MBOX, kernel_tree("mm-hidden-calls"))
    (patch,) = series.patches
    hidden = [f for f in patch.findings if f.check == "calls-not-parsed"]
    assert len(hidden) == 1
    assert hidden[0].severity is Severity.WARNING and hidden[0].file == "mm/hidden.c"
    assert "line(s) 28 " in hidden[0].message  # the #if 0 branch
    # the call in the macro body is made where the macro is used: a stale caller
    stale = [f for f in patch.findings if f.check == "caller-not-updated"]
    assert [(f.file, f.line, f.severity) for f in stale] == [
        ("mm/hidden.c", 14, Severity.ERROR),
        ("mm/hidden.c", 36, Severity.ERROR),
    ]
    assert "FREE_ALL_PGTABLES" in stale[0].message and "line(s) 21" in stale[0].message


def test_cli_exits_1_on_a_stale_caller(kernel_tree: Callable[..., Path]) -> None:
    tree = kernel_tree("mm-extra-caller")
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(SEED_MBOX), "--tree", str(tree),
         "--format", "json"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    findings = [f for p in report["patches"] for f in p["findings"]]
    stale = [f for f in findings if f["check"] == "caller-not-updated"]
    assert [(f["file"], f["line"], f["severity"]) for f in stale] == [
        ("mm/teardown.c", 17, "error")
    ]


def test_stale_call_in_a_file_the_patch_touches(kernel_tree: Callable[..., Path]) -> None:
    """The patch updates one call in mm/vma.c but not the other: tree mode
    must look at the whole file, not just the hunks."""
    text = SEED_MBOX.read_text()
    start = text.index("@@ -1232,7 +1233,7 @@")
    end = text.index("diff --git a/tools/testing/vma/vma_internal.h")
    partial = text[:start] + text[end:]
    partial = partial.replace(" mm/vma.c                         |  3 ++-", " mm/vma.c | 1 +")
    source = kernel_tree().parent / "partial.mbox"
    source.write_text(partial)
    (patch,) = analyse(source, kernel_tree("mm-hidden-calls")).patches
    stale = [(f.file, f.line) for f in patch.findings if f.check == "caller-not-updated"]
    # new-side line numbers
    assert stale == [("mm/vma.c", 1235), ("mm/hidden.c", 14), ("mm/hidden.c", 36)]
    site = next(c for c in patch.call_sites if c.caller == "vms_clear_ptes")
    assert (site.old_line, site.line) == (1234, 1235)
    old = [a.text for a in site.old_args or []]
    assert old == [a.text for a in site.new_args or []] and len(old) == 6
