"""CLI-level behaviour of the real ``patchscope`` console script: exit codes and stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERIES = ROOT / "fixtures" / "series"
BAD = SERIES / "malformed"
EXE = shutil.which("patchscope") or "patchscope"


def run(*args: str, stdin: bytes | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, cwd=cwd, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("empty.mbox", "empty input"),
        ("binary-garbage.mbox", "binary data"),
        ("no-patches.mbox", "holds no patch"),
        ("hunk-counts.patch", "malformed diff"),
        ("truncated.mbox.gz", "corrupt compressed data"),
        ("does-not-exist.mbox", "no such file or directory"),
    ],
)
def test_bad_input_exit_2_one_line(name: str, problem: str) -> None:
    source = f"fixtures/series/malformed/{name}"
    proc = run("check", source, "--format", "json")
    assert proc.returncode == 2
    assert proc.stdout == b""
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and err.endswith("\n")
    assert err.startswith(f"patchscope: {source}: ") and problem in err
    assert "Traceback" not in err


def test_an_html_path_that_cannot_be_written_fails_first(tmp_path: Path) -> None:
    # checked before the analysis: with a bad source as well, the path is named
    target = tmp_path / "missing" / "r.html"
    proc = run("check", "fixtures/series/malformed/does-not-exist.mbox", "--html", str(target))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and proc.stdout == b""
    assert err == f"patchscope: --html {target}: {target.parent} does not exist\n"


def test_stdin_and_empty_stdin() -> None:
    data = (SERIES / "synthetic.mbox").read_bytes()
    proc = run("check", "-", "--format", "json", stdin=data)
    assert proc.returncode in (0, 1), proc.stderr
    assert [p["index"] for p in json.loads(proc.stdout)["patches"]] == [1, 2, 3]
    empty = run("check", "-", "--format", "json", stdin=b"")
    assert empty.returncode == 2
    assert empty.stderr.decode() == "patchscope: <stdin>: empty input, no patch to read\n"


def test_one_bad_patch_in_a_series_is_a_finding() -> None:
    proc = run("check", str(BAD / "one-malformed.mbox"), "--format", "json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert [p["index"] for p in doc["patches"]] == [1, 2, 3]
    assert "diff-malformed" in [f["check"] for f in doc["patches"][1]["findings"]]


def test_b4_format_prints_findings_only_and_nothing_on_stderr() -> None:
    proc = run("check", str(BAD / "dotdot-path.patch"), "--format", "b4")
    assert proc.returncode == 1
    assert proc.stderr == b""
    lines = proc.stdout.decode().splitlines()
    assert any(line.startswith("ERROR: ") and "diff-unsafe-path" in line for line in lines)
    assert all(line.startswith(("ERROR: ", "WARNING: ")) for line in lines)
    proc = run("check", str(BAD / "dotdot-path.patch"), "--format", "b4-json")
    assert proc.stderr == b"" and isinstance(json.loads(proc.stdout), list)


def test_range_outside_a_repository(tmp_path: Path) -> None:
    proc = run("check", "HEAD~1..HEAD", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "not in a git repository" in err


def test_revision_range_in_the_current_repository(tmp_path: Path) -> None:
    from tests.series.helpers import make_repo

    repo = make_repo(tmp_path)
    proc = run("check", "HEAD~2..HEAD", "--format", "json", cwd=Path(repo.working_tree_dir or ""))
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    assert [p["subject"] for p in doc["patches"]] == ["mm: rename b", "mm: add b.c"]
    assert doc["patches"][0]["claims_nfc"] is True


def test_a_range_inside_a_checkout_implies_tree_mode(tmp_path: Path) -> None:
    from tests.series.helpers import make_repo

    work = Path(make_repo(tmp_path).working_tree_dir or "")
    proc = run("check", "HEAD~2..HEAD", cwd=work / "mm")  # from a subdirectory too
    assert proc.returncode in (0, 1), proc.stderr
    mode = proc.stdout.decode().splitlines()[0]
    assert mode.startswith(f"mode: tree-whole, --tree {work.resolve()} (implied: "), mode
    # a file is a file, never a revision: mbox mode
    patch = subprocess.run(["git", "format-patch", "-1", "--stdout"], cwd=work,
                           capture_output=True, check=True).stdout
    (work / "one.patch").write_bytes(patch)
    proc = run("check", "one.patch", cwd=work)
    assert proc.stdout.decode().startswith("mode: mbox: hunks only"), proc.stdout


def test_a_single_revision_is_that_commit(tmp_path: Path) -> None:
    from tests.series.helpers import make_repo

    work = Path(make_repo(tmp_path).working_tree_dir or "")
    proc = run("check", "HEAD~1", "--format", "json", cwd=work)
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    assert [p["subject"] for p in doc["patches"]] == ["mm: rename b"]  # not HEAD~1..HEAD
    proc = run("check", "no-such-rev", cwd=work)
    assert proc.returncode == 2 and proc.stderr.decode().count("\n") == 1
    assert b"nor a revision" in proc.stderr


def test_several_sources_form_one_series_in_order(tmp_path: Path) -> None:
    from tests.series.helpers import make_repo

    work = Path(make_repo(tmp_path).working_tree_dir or "")
    names = []
    for rev in ("HEAD", "HEAD~1"):  # given newest first: the order of the arguments holds
        out = tmp_path / f"{rev.replace('~', '-')}.patch"
        out.write_bytes(subprocess.run(["git", "format-patch", "-1", "--stdout", rev],
                                       cwd=work, capture_output=True, check=True).stdout)
        names.append(str(out))
    proc = run("check", *names, "--format", "json", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    assert [(p["index"], p["subject"]) for p in doc["patches"]] == [
        (1, "mm: add b.c"), (2, "mm: rename b")]
    assert doc["series"]["total"] == 2
