"""git apply on a scratch index: git's rules, git's words, nothing left behind."""

from __future__ import annotations

import os
from pathlib import Path

from patchscope.core import CheckOptions
from patchscope.gitapply import ScratchIndex, hunk_offsets, rejections
from patchscope.series import read_series
from patchscope.tree import open_tree
from tests.csource.kernel_tree import SEED_PATCH, analyse, git
from tests.csource.synth import make_series

CALC = (
    "int scale(int value, int factor, int unused)\n"
    "{\n"
    "\tint r = value * factor;\n"
    "\n"
    "\treturn r;\n"
    "}\n"
    "\n"
    "int use_one(int x)\n"
    "{\n"
    "\treturn scale(x, 2, 0);\n"
    "}\n"
)
OTHER = "int use_two(int y)\n{\n\treturn y + 1;\n}\n"


def three_patches(tmp_path: Path) -> tuple[Path, Path]:
    """scale() loses a parameter (1), use_two() changes (2), a new caller (3)."""
    return make_series(
        tmp_path,
        {"lib/calc.c": CALC, "lib/other.c": OTHER},
        [
            (
                "lib: scale() without unused",
                {"lib/calc.c": CALC.replace(", int unused", "").replace("2, 0)", "2)")},
            ),
            ("lib: use_two() adds two", {"lib/other.c": OTHER.replace("y + 1", "y + 2")}),
            (
                "lib: use_three()",
                {"lib/new.c": "int use_three(int z)\n{\n\treturn scale(z, 3);\n}\n"},
            ),
        ],
    )


def objects(repo: Path) -> set[str]:
    return {
        os.path.join(d, f) for d, _dirs, files in os.walk(repo / ".git" / "objects") for f in files
    }


def test_offsets_come_from_real_git(tmp_path: Path) -> None:
    repo, patches = three_patches(tmp_path)
    first = sorted(patches.iterdir())[0]
    calc = repo / "lib/calc.c"
    scratch = ScratchIndex(str(repo))
    tree = scratch.load("HEAD", ["lib/calc.c"], {})
    # three lines between the hunks: the second moves, the first stays
    calc.write_text(CALC.replace("}\n\nint use_one", "}\n/* a */\n/* b */\n/* c */\n\nint use_one"))
    git(repo, "commit", "-q", "-am", "comments between")
    assert scratch.load("HEAD", ["lib/calc.c"], {}) != tree
    assert scratch.apply(first.read_bytes()) == {"lib/calc.c": {1: 3}}
    scratch.close()
    assert not os.path.exists(scratch.dir)


def test_a_hunk_at_line_1_without_context_above_stays_there(tmp_path: Path) -> None:
    """git's rule, not "anywhere it matches": the hunk says it starts the file."""
    repo, patches = three_patches(tmp_path)
    (repo / "lib/calc.c").write_text("/* a comment above */\n" + CALC)
    git(repo, "commit", "-q", "-am", "a comment above")
    series = read_series(str(sorted(patches.iterdir())[0]), cwd=str(repo))
    # HEAD, not the commit holding the blobs the diff names (where it applies)
    view = open_tree(CheckOptions(source="x", tree=str(repo), base="HEAD"), series)
    assert list(view.failed) == [1]
    assert "hunk 1 (@@ -1,4 +1,4 @@) does not apply" in view.findings[0].message
    view.close()


def test_offsets_and_rejections_parsed() -> None:
    verbose = (
        "Checking patch mm/a.c...\n"
        "Hunk #2 succeeded at 120 (offset -4 lines).\n"
        "Checking patch old.c => new.c...\n"
        "Hunk #1 succeeded at 9 (offset 1 line).\n"
        "Applied patch mm/a.c cleanly.\n"
    )
    assert hunk_offsets(verbose) == {"mm/a.c": {1: -4}, "new.c": {0: 1}}
    refused = rejections(
        "Checking patch mm/a.c...\n"
        "error: while searching for:\n"
        "\tfoo();\n"
        "error: patch failed: mm/a.c:40\n"
        "error: mm/a.c: patch does not apply\n"
        "error: mm/b.c: does not exist in index\n"
    )
    assert [(r.path, r.old_line) for r in refused] == [("mm/a.c", 40), ("mm/b.c", None)]
    assert refused[0].reason == "patch failed: mm/a.c:40; mm/a.c: patch does not apply"
    assert refused[1].reason == "mm/b.c: does not exist in index"


def test_a_refused_patch_does_not_stop_the_others(tmp_path: Path) -> None:
    repo, patches = three_patches(tmp_path)
    other = repo / "lib/other.c"
    other.write_text(OTHER.replace("y + 1", "y - 1"))  # patch 2's context is gone
    git(repo, "commit", "-q", "-am", "use_two() subtracts")
    before = objects(repo)
    series = analyse(patches, repo, base="HEAD")
    first, second, third = series.patches
    (refused,) = [f for f in second.findings if f.check == "patch-does-not-apply"]
    assert refused.file == "lib/other.c" and "hunk 1 (@@ -1,4 +1,4 @@)" in refused.message
    assert "patch failed: lib/other.c:1" in refused.message
    assert second.mode == "mbox"
    assert first.mode == third.mode == "tree-whole"
    new_caller = [c for c in third.call_sites if c.caller == "use_three"]
    assert new_caller and new_caller[0].old_args is None  # patch 3 saw patch 1 applied
    assert objects(repo) == before  # every blob and tree git wrote went to the scratch directory


def test_git_rules_not_the_users_apply_config(tmp_path: Path) -> None:
    """Context must match exactly (no whitespace slack), and the added lines are
    the mail's, whatever apply.* the user configured."""
    repo, patches = three_patches(tmp_path)
    git(repo, "config", "apply.whitespace", "fix")
    git(repo, "config", "apply.ignoreWhitespace", "change")
    first = sorted(patches.iterdir())[0]
    text = first.read_text()
    # a trailing blank on an added line: "fix" would strip it; a context line
    # turned from a tab to spaces: "ignore-whitespace" would accept it
    blanked = text.replace(
        "+int scale(int value, int factor)\n", "+int scale(int value, int factor) \n"
    )
    series = read_series(str(_write(tmp_path / "blank.patch", blanked)), cwd=str(repo))
    view = open_tree(CheckOptions(source="x", tree=str(repo)), series)
    assert view.failed == {}
    assert "int scale(int value, int factor) \n" in (view.text("lib/calc.c", 1) or "")
    view.close()
    spaced = text.replace(" \tint r = value * factor;\n", "     int r = value * factor;\n")
    assert spaced != text
    series = read_series(str(_write(tmp_path / "spaced.patch", spaced)), cwd=str(repo))
    view = open_tree(CheckOptions(source="x", tree=str(repo)), series)
    assert list(view.failed) == [1]
    assert view.findings[0].check == "patch-does-not-apply"
    view.close()


def test_a_patch_for_another_tree_is_refused_in_gits_words(tmp_path: Path) -> None:
    repo, _patches = three_patches(tmp_path)
    series = read_series(str(SEED_PATCH), cwd=str(repo))  # mm/ files this tree lacks
    view = open_tree(CheckOptions(source="x", tree=str(repo)), series)
    assert list(view.failed) == [series.patches[0].index]
    messages = [f.message for f in view.findings if f.check == "patch-does-not-apply"]
    assert any("git apply: mm/memory.c: does not exist in index" in m for m in messages)
    view.close()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_the_diffs_blobs_on_top_of_head(tmp_path: Path) -> None:
    """No commit holds the blobs the diffs name, but the object store does:
    they go into the scratch index in place of HEAD's."""
    repo, patches = three_patches(tmp_path)
    (repo / "lib/calc.c").write_text("int unrelated;\n")
    git(repo, "commit", "-q", "-am", "calc.c replaced")
    # history rewritten: the base commit's blobs stay in the store, unreachable
    git(repo, "checkout", "-q", "--orphan", "rewritten")
    git(repo, "commit", "-q", "-m", "rewritten history")
    git(repo, "branch", "-q", "-D", "main")
    series = read_series(str(sorted(patches.iterdir())[0]), cwd=str(repo))
    view = open_tree(CheckOptions(source="x", tree=str(repo)), series)
    assert view.base_reason == "the blobs the diffs name, on top of HEAD"
    assert view.failed == {}
    assert view.text("lib/calc.c", 0) == CALC
    assert view.text("lib/calc.c", 1) == CALC.replace(", int unused", "").replace("2, 0)", "2)")
    view.close()
