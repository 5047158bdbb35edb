"""The fixture trees are what the other tests assume: the seed patch applies."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.csource.kernel_tree import SEED_PATCH, apply_mail, git


def test_seed_patch_applies_with_git_am(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    apply_mail(repo, SEED_PATCH)
    assert "tree_max" in (repo / "mm/memory.c").read_text()
    log = git(repo, "log", "--format=%s")
    assert log.splitlines()[0] == "mm/memory: Add tree limit to free_pgtables()"


def test_seed_hunks_land_on_their_stated_lines(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    done = subprocess.run(
        ["git", "apply", "--check", "--verbose", str(SEED_PATCH)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout + done.stderr
    assert "Checking patch mm/vma.c" in out
    # git apply reports "Hunk #n succeeded at L (offset k lines)" when a hunk moved
    assert "offset" not in out


def test_overlay_adds_the_extra_caller(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree("mm-extra-caller")
    assert "free_pgtables(tlb, mas, vma" in (repo / "mm/teardown.c").read_text()
    assert (repo / "mm/memory.c").exists()
