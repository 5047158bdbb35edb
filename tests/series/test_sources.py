from __future__ import annotations

import gzip
import io
import subprocess
import sys
from pathlib import Path

import git
import pytest

from patchscope.errors import InputError
from patchscope.series import read_series
from tests.series.helpers import FIXTURES, make_repo, patch_mail, write


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / "synthetic.mbox").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    series = read_series("-", cwd=".")
    assert [p.index for p in series.patches] == [1, 2, 3]


def test_bare_diff_and_compressed(tmp_path: Path) -> None:
    bare = tmp_path / "fix.diff"
    bare.write_text("diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n")
    series = read_series(str(bare), cwd=str(tmp_path))
    assert series.patches[0].subject == "fix.diff"
    gz = tmp_path / "s.mbox.gz"
    gz.write_bytes(gzip.compress((FIXTURES / "synthetic.mbox").read_bytes()))
    assert len(read_series(str(gz), cwd=str(tmp_path)).patches) == 3


def test_untagged_patches_numbered_in_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "two.mbox",
        patch_mail("[PATCH] first", "first\n"),
        patch_mail("[PATCH] second", "second\n"),
    )
    series = read_series(path, cwd=str(tmp_path))
    assert [(p.index, p.total, p.subject) for p in series.patches] == [
        (1, 2, "first"),
        (2, 2, "second"),
    ]


def test_only_newest_version_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "v.mbox",
        patch_mail("[PATCH 1/1] old", "old\n"),
        patch_mail("[PATCH v2 1/1] new", "new\n"),
    )
    series = read_series(path, cwd=str(tmp_path))
    assert [p.subject for p in series.patches] == ["new"]
    assert series.findings[0].check == "series-versions"


def _state(repo: git.Repo) -> tuple[str, str, str]:
    status = subprocess.run(
        ["git", "-C", str(repo.working_tree_dir), "status", "--porcelain=v1", "--ignored"],
        capture_output=True, text=True, check=True,
    ).stdout
    index = Path(repo.git_dir, "index").read_bytes()
    return repo.head.commit.hexsha, status, index.hex()


def test_git_range(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (Path(repo.working_tree_dir or "") / "untracked.txt").write_text("mine\n")
    before = _state(repo)
    series = read_series("HEAD~2..HEAD", cwd=str(repo.working_tree_dir))
    assert _state(repo) == before
    assert [(p.index, p.total, p.subject) for p in series.patches] == [
        (1, 2, "mm: rename b"),
        (2, 2, "mm: add b.c"),
    ]
    first, second = series.patches
    assert first.claims_nfc and first.author == "Zoë Ångström <zoe@example.org>"
    assert "From the start this was wrong." in first.body
    assert [(f.path, f.added, f.removed) for f in first.files] == [("mm/a.c", 1, 1)]
    assert second.files[0].is_new


def test_git_range_errors(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    cwd = str(repo.working_tree_dir)
    with pytest.raises(InputError, match="git cannot read it as a range"):
        read_series("nosuch..HEAD", cwd=cwd)
    with pytest.raises(InputError, match="holds no commits"):
        read_series("HEAD..HEAD", cwd=cwd)
    with pytest.raises(InputError, match="not in a git repository"):
        read_series("HEAD~1..HEAD", cwd=str(tmp_path))


def test_missing_and_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_series(str(tmp_path / "nope.mbox"), cwd=str(tmp_path))
    assert str(err.value) == f"{tmp_path / 'nope.mbox'}: no such file or directory"
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.md").write_text("x")
    with pytest.raises(InputError, match="directory holds no"):
        read_series(str(tmp_path / "d"), cwd=str(tmp_path))
