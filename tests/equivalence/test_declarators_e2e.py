"""End to end: declarators the mail reader used to miss (issue 12).

Each fixture is made with ``git format-patch`` from ``trees/xalloc`` (see
fixtures/equivalence/README.md) and each has a mutant that must not be proved,
in mbox mode and in tree mode.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.csource.kernel_tree import git
from tests.equivalence.test_check_e2e import EQ, check, only_patch, verdicts


def xalloc_tree(tmp_path: Path) -> Path:
    """A git repository of trees/xalloc."""
    repo = tmp_path / "xalloc"
    shutil.copytree(EQ / "trees" / "xalloc", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "xalloc fixture")
    return repo


# fixture -> (changed function, its callers the patch shows, what the proof says)
SHAPES = {
    # `STATIC int` on the line above, the hunk starting at `xa_alloc_space(`
    "xa-type-above": ("xa_alloc_space", {"xa_prealloc": "proved"}, "alloc_type dropped"),
    # `static int __attribute__((cold)) xa_fail(`: a definition, not a call
    "xa-attr-between": ("xa_fail", {"xa_prealloc": "proved"}, "unused dropped"),
    # only the prototype's parameter names change
    "xa-proto-rename": ("xa_count", {}, "only rename parameters"),
    # `&ip->size` does not change when the body writes ip->size
    "xa-address-of": ("xa_grow", {"xa_extend": "proved"}, "sizep := &ip->size"),
}


def _run(name: str, tree: bool, tmp_path: Path) -> tuple[int, dict]:
    extra = ("--tree", str(xalloc_tree(tmp_path))) if tree else ()
    rc, report = check(EQ / f"{name}.patch", *extra)
    return rc, only_patch(report)


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_shape_is_read_and_proved(name: str, tree: bool, tmp_path: Path) -> None:
    function, callers, words = SHAPES[name]
    rc, patch = _run(name, tree, tmp_path)
    assert [s["function"] for s in patch["signature_changes"]] == [function]
    assert patch["nfc"]["verdict"] == "proved", patch["nfc"]["reasons"]
    assert rc == 0
    assert verdicts(patch) == callers
    body = patch["signature_changes"][0]["body_verdict"]
    assert words in body["method"] + body["reason"]


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_mutant_is_not_proved(name: str, tree: bool, tmp_path: Path) -> None:
    function, callers, _ = SHAPES[name]
    rc, patch = _run(f"mutant-{name}", tree, tmp_path)
    assert rc == 1
    assert patch["nfc"]["verdict"] not in ("proved", "verified")
    assert [s["function"] for s in patch["signature_changes"]] == [function]
    assert all(v not in ("proved", "verified") for v in verdicts(patch).values())
    assert set(verdicts(patch)) == set(callers)


def _with_context(tmp_path: Path, name: str, lines: int) -> Path:
    """*name*'s patch applied to the tree and written again with *lines* of context."""
    repo = xalloc_tree(tmp_path / name)
    git(repo, "am", "-q", str(EQ / f"{name}.patch"))
    out = tmp_path / f"{name}-U{lines}.patch"
    out.write_text(git(repo, "format-patch", "-1", "--stdout", f"-U{lines}"))
    return out


@pytest.mark.parametrize("lines", [3, 4, 5, 8])
def test_the_type_above_is_read_whatever_the_context(lines: int, tmp_path: Path) -> None:
    # with 3 lines the hunk starts at the name, with more it shows `STATIC int`
    rc, report = check(_with_context(tmp_path, "xa-type-above", lines))
    patch = only_patch(report)
    assert rc == 0 and patch["nfc"]["verdict"] == "proved"
    rc, report = check(_with_context(tmp_path, "mutant-xa-type-above", lines))
    assert rc == 1 and only_patch(report)["nfc"]["verdict"] != "proved"


@pytest.mark.parametrize("lines", [0, 1, 2])
def test_a_declarator_the_hunk_does_not_show_is_never_proved(lines: int,
                                                             tmp_path: Path) -> None:
    # the name lies above the hunk: nothing is proved from what is not shown
    for name in ("xa-type-above", "mutant-xa-type-above"):
        rc, report = check(_with_context(tmp_path, name, lines))
        assert rc == 1 and only_patch(report)["nfc"]["verdict"] != "proved"


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
def test_a_prototype_rename_with_a_changed_body_is_not_proved(tree: bool,
                                                              tmp_path: Path) -> None:
    # the prototype's rename alone proves nothing about the body the patch also changes
    rc, patch = _run("mutant-xa-proto-body", tree, tmp_path)
    assert rc == 1
    assert patch["nfc"]["verdict"] not in ("proved", "verified")
