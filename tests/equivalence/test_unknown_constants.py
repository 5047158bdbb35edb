"""A caller passing a macro whose value patchscope does not know.

``VMS_END`` is one fixed value, perhaps an expression of the caller's own
state (``#define VMS_END (vms->unmap_end)``): old and new told apart by
choosing it freely is no counterexample, so neither the model nor z3 may
call the patch refuted or an assertion reachable on it.  The verdict says
which fact would decide it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.csource.kernel_tree import SEED_PATCH

OLD = "+\t\t      vms->unmap_end, vms->unmap_end, mm_wr_locked);"


def _check(tmp_path: Path, new: str, *extra: str) -> dict:
    seed = SEED_PATCH.read_text()
    assert OLD in seed
    path = tmp_path / "planted.patch"
    path.write_text(seed.replace(OLD, new))
    done = subprocess.run([sys.executable, "-m", "patchscope", "check", str(path), "--format",
                           "json", "--no-cache", "--scenarios", "300", *extra],
                          capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    return report["patches"][0]


@pytest.mark.parametrize("arg", ["VMS_END", "VMS_END + PMD_SIZE", "vms->unmap_end | VMS_FLAG"])
def test_an_unknown_macro_is_never_a_counterexample(tmp_path: Path, arg: str) -> None:
    patch = _check(tmp_path, f"+\t\t      vms->unmap_end, {arg}, mm_wr_locked);")
    call = next(c for c in patch["call_sites"] if c["caller"] == "vms_clear_ptes")
    assert call["verdict"] == "unknown", call["reason"]
    assert patch["nfc"]["verdict"] == "unknown"
    assert not [f for f in patch["findings"] if f["severity"] == "error"], patch["findings"]
    assert "would need the definition of `VMS_" in " ".join([call["reason"], *call["steps"]])


def test_a_known_macro_still_refutes(tmp_path: Path) -> None:
    """PMD_SIZE is the profile's: the counterexample is real (mutant-caller-pmd)."""
    patch = _check(tmp_path, "+\t\t      vms->unmap_end, vms->unmap_end + PMD_SIZE, mm_wr_locked);")
    call = next(c for c in patch["call_sites"] if c["caller"] == "vms_clear_ptes")
    assert call["verdict"] == "refuted"
    assert any(f["check"] == "assertion-reachable" for f in patch["findings"])


def _tree_with(tmp_path: Path, defines: str) -> Path:
    from tests.csource.kernel_tree import build_kernel_tree, git

    repo = build_kernel_tree(tmp_path / "tree")
    header = repo / "mm" / "vma.h"
    header.write_text(header.read_text() + defines)
    git(repo, "commit", "-q", "-am", "vma: a limit of our own")
    return repo


@pytest.mark.parametrize("value, expect", [("0x200000", "refuted"), ("PMD_SIZE", "refuted")])
def test_the_tree_gives_a_macro_its_value(tmp_path: Path, value: str, expect: str) -> None:
    repo = _tree_with(tmp_path, f"\n#define VMS_LIMIT {value}\t/* the walk's end */\n")
    patch = _check(tmp_path, "+\t\t      vms->unmap_end, VMS_LIMIT, mm_wr_locked);",
                   "--tree", str(repo))
    call = next(c for c in patch["call_sites"] if c["caller"] == "vms_clear_ptes")
    assert call["verdict"] == expect, call["reason"]
    (said,) = [a for a in patch["nfc"]["assumptions"] if a.startswith("VMS_LIMIT = 0x200000")]
    assert "mm/vma.h:" in said and "(the tree)" in said


def test_two_definitions_leave_a_macro_unknown(tmp_path: Path) -> None:
    repo = _tree_with(tmp_path, "\n#ifdef CONFIG_BIG\n#define VMS_LIMIT 0x200000\n#else\n"
                                "#define VMS_LIMIT 0x1000\n#endif\n")
    patch = _check(tmp_path, "+\t\t      vms->unmap_end, VMS_LIMIT, mm_wr_locked);",
                   "--tree", str(repo))
    call = next(c for c in patch["call_sites"] if c["caller"] == "vms_clear_ptes")
    assert call["verdict"] == "unknown", call["reason"]
    assert "would need the definition of `VMS_LIMIT`" in " ".join([call["reason"],
                                                                  *call["steps"]])
    assert not [f for f in patch["findings"] if f["severity"] == "error"]
