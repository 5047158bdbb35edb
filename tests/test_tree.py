"""Tree mode's view of a git checkout: base choice, in-memory apply, read-only."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from patchscope.core import CheckOptions, Series
from patchscope.errors import TreeError
from patchscope.gitapply import Placement
from patchscope.series import read_series
from patchscope.tree import TreeView, open_tree
from tests.csource.kernel_tree import SEED_MBOX, SEED_PATCH, analyse, apply_mail, git

FILES = [
    "mm/internal.h",
    "mm/memory.c",
    "mm/mmap.c",
    "mm/vma.c",
    "tools/testing/vma/vma_internal.h",
]


def snapshot(repo: Path) -> dict[str, str]:
    """Hash of every file under *repo*, .git (index, refs, HEAD, objects) included."""
    out = {}
    for dirpath, _dirs, files in os.walk(repo):
        for name in files:
            path = Path(dirpath) / name
            out[str(path.relative_to(repo))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def open_seed(
    repo: Path, source: Path = SEED_MBOX, base: str | None = None
) -> tuple[Series, TreeView]:
    series = read_series(str(source), cwd=str(repo))
    return series, open_tree(CheckOptions(source=str(source), tree=str(repo), base=base), series)


def test_in_memory_apply_equals_git_am(kernel_tree: Callable[..., Path], tmp_path: Path) -> None:
    repo = kernel_tree()
    series, view = open_seed(repo)
    reference = kernel_tree("mm-extra-caller")  # any second copy of the base
    apply_mail(reference, SEED_PATCH)
    index = series.patches[0].index
    for path in FILES:
        assert view.text(path, index) == (reference / path).read_text()
        assert view.text(path, index - 1) == (repo / path).read_text()
    assert view.base_reason == "HEAD"  # the kernel's blob ids are not in the fixture repo
    assert view.failed == {}
    view.close()


def test_user_repository_is_byte_for_byte_unchanged(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree("mm-extra-caller")
    (repo / "mm/mmap.c").write_text((repo / "mm/mmap.c").read_text() + "/* local edit */\n")
    git(repo, "add", "mm/mmap.c")  # a staged change: the index must survive too
    (repo / "untracked.c").write_text("int x;\n")
    before = snapshot(repo)
    series = analyse(SEED_MBOX, repo)
    assert series.patches[0].call_sites  # the run did real work
    assert snapshot(repo) == before


def test_base_option_wins(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "NOTES").write_text("later\n")
    git(repo, "add", "NOTES")
    git(repo, "commit", "-q", "-m", "later")
    _series, view = open_seed(repo, base="HEAD~1")
    assert view.base_sha == first and view.base_reason == "--base HEAD~1"
    with pytest.raises(TreeError):
        open_seed(repo, base="no-such-rev")


def test_base_commit_from_the_series(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "NOTES").write_text("later\n")
    git(repo, "add", "NOTES")
    git(repo, "commit", "-q", "-m", "later")
    series: Series = read_series(str(SEED_MBOX), cwd=str(repo))
    series.base_commit = first
    view = open_tree(CheckOptions(source="x", tree=str(repo)), series)
    assert view.base_sha == first and view.base_reason.startswith("base-commit")


def test_base_from_blob_ids(kernel_tree: Callable[..., Path], tmp_path: Path) -> None:
    repo = kernel_tree()
    base = git(repo, "rev-parse", "HEAD").strip()
    apply_mail(repo, SEED_PATCH)
    git(repo, "format-patch", "-q", "-1", "-o", str(tmp_path / "out"))
    (patch_file,) = (tmp_path / "out").iterdir()
    # move on: HEAD no longer holds the blobs the patch was made against
    (repo / "mm/vma.c").write_text((repo / "mm/vma.c").read_text() + "/* later */\n")
    git(repo, "commit", "-q", "-am", "later")
    series, view = open_seed(repo, patch_file)
    assert view.base_sha == base
    assert "blobs" in view.base_reason
    assert view.failed == {}


def test_a_patch_that_does_not_apply_is_a_finding(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    apply_mail(repo, SEED_PATCH)  # already applied: the context no longer matches
    series = analyse(SEED_MBOX, repo)
    (patch,) = series.patches
    refused = [f for f in patch.findings if f.check == "patch-does-not-apply"]
    assert sorted(f.file or "" for f in refused) == sorted(FILES)  # git names each file
    assert all("hunk 1 (@@" in f.message for f in refused)
    assert patch.mode == "mbox"
    assert len(patch.call_sites) == 3  # analysed from the mail instead


def test_not_a_git_checkout(tmp_path: Path) -> None:
    series = read_series(str(SEED_MBOX), cwd=str(tmp_path))
    with pytest.raises(TreeError, match="not a git checkout"):
        open_tree(CheckOptions(source="x", tree=str(tmp_path)), series)


def drop_padding(repo: Path, path: str, count: int) -> None:
    """Commit *repo* with *count* lines of the fixture padding of *path* removed."""
    lines = (repo / path).read_text().split("\n")
    first = lines.index(" *", 10)
    assert lines[first : first + count] == [" *"] * count
    del lines[first : first + count]
    (repo / path).write_text("\n".join(lines))
    git(repo, "commit", "-q", "-am", f"{path}: shorter")


def test_git_applies_a_hunk_far_from_its_line(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    drop_padding(repo, "mm/mmap.c", 40)
    series, view = open_seed(repo)
    index = series.patches[0].index
    reference = kernel_tree()
    drop_padding(reference, "mm/mmap.c", 40)
    apply_mail(reference, SEED_PATCH)
    assert view.failed == {}
    for path in FILES:
        assert view.text(path, index) == (reference / path).read_text()
    # @@ -1311,7 +1311,7 @@ landed 40 lines up; the others where they say
    assert view.placements(index, "mm/mmap.c") == [Placement(1271, 1271)]
    vma = next(f for f in series.patches[0].files if f.path == "mm/vma.c")
    assert view.placements(index, "mm/vma.c") == [
        Placement(h.old_start, h.new_start) for h in vma.hunks
    ]
    view.close()


def test_a_refused_hunk_is_named_with_gits_reason(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    mmap = repo / "mm/mmap.c"
    mmap.write_text(mmap.read_text().replace("USER_PGTABLES_CEILING, true);", "0, true);"))
    git(repo, "commit", "-q", "-am", "mm: another ceiling")
    series = analyse(SEED_MBOX, repo)
    (patch,) = series.patches
    (refused,) = [f for f in patch.findings if f.check == "patch-does-not-apply"]
    assert refused.file == "mm/mmap.c" and refused.line == 1311
    assert "mm/mmap.c, hunk 1 (@@ -1311,7 +1311,7 @@) does not apply" in refused.message
    assert "git apply: patch failed: mm/mmap.c:1311" in refused.message
    assert patch.mode == "mbox" and len(patch.call_sites) == 3  # the mail's analysis instead


def test_new_renamed_and_deleted_files(tmp_path: Path) -> None:
    from tests.csource.synth import make_series

    calc = "int scale(int value, int factor, int unused)\n{\n\treturn value * factor;\n}\n"
    other = "int use_two(int y)\n{\n\treturn scale(y, 3, 1);\n}\n"
    repo, patches = make_series(
        tmp_path,
        {"lib/calc.c": calc, "lib/other.c": other, "lib/gone.c": "int gone;\n"},
        [
            (
                "lib: scale() without unused; move and add callers",
                {
                    "lib/calc.c": calc.replace(", int unused", ""),
                    "lib/other.c": None,
                    "lib/moved.c": other.replace("3, 1", "3"),
                    "lib/gone.c": None,
                    "lib/new.c": "int use_new(int z)\n{\n\treturn scale(z, 4);\n}\n",
                },
            )
        ],
    )
    series = read_series(str(patches), cwd=str(repo))
    view = open_tree(CheckOptions(source=str(patches), tree=str(repo)), series)
    assert view.failed == {}
    assert view.text("lib/gone.c", 1) is None and view.text("lib/gone.c", 0) == "int gone;\n"
    assert view.text("lib/new.c", 0) is None
    assert view.text("lib/new.c", 1) == "int use_new(int z)\n{\n\treturn scale(z, 4);\n}\n"
    (patch,) = analyse(patches, repo).patches
    sites = {(c.file, c.caller): c for c in patch.call_sites}
    assert sites[("lib/new.c", "use_new")].old_args is None
    assert not [f for f in patch.findings if f.severity == "error"]


def test_cli_run_leaves_the_repository_alone(kernel_tree: Callable[..., Path]) -> None:
    import subprocess
    import sys

    repo = kernel_tree("mm-extra-caller")
    before = snapshot(repo)
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(SEED_MBOX), "--tree", str(repo)],
        capture_output=True,
        text=True,
        cwd=repo,
    )
    assert done.returncode == 1 and "caller-not-updated" in done.stdout
    assert snapshot(repo) == before


def test_a_subdirectory_names_its_checkout(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    series = read_series(str(SEED_MBOX), cwd=str(repo))
    view = open_tree(CheckOptions(source="x", tree=str(repo / "mm")), series)
    assert Path(view.root) == repo.resolve() and view.failed == {}


def test_unknown_base_commit_falls_back_with_a_note(kernel_tree: Callable[..., Path]) -> None:
    repo = kernel_tree()
    series = read_series(str(SEED_MBOX), cwd=str(repo))
    series.base_commit = "0123456789abcdef0123456789abcdef01234567"
    view = open_tree(CheckOptions(source="x", tree=str(repo)), series)
    assert view.base_reason == "HEAD"
    assert [f.check for f in view.findings] == ["base-commit-unknown"]
