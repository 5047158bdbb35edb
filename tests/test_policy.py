"""The gate policy: what decides the exit status, --strict, --ignore, git config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from patchscope.core import Basis, Finding, NfcResult, Patch, Series, Severity, VerdictKind
from patchscope.errors import UsageError
from patchscope.policy import Policy, apply_policy, combine, exit_code, parse_checks
from tests.csource.kernel_tree import GIT_ENV, SEED_MBOX, git


def _series(*findings: Finding, verdict: VerdictKind = VerdictKind.PROVED) -> Series:
    patch = Patch(1, 1, 1, "s", "[PATCH] s", "A <a@example.org>", "<m@x>", None, "", "",
                  claims_nfc=True, findings=list(findings),
                  nfc=NfcResult(verdict, ["everything proved"], Basis.PROOF))
    return Series("x", "s", 1, 1, None, None, patches=[patch])


def _unproved() -> Finding:
    return Finding("nfc-unproved", Severity.WARNING, "not decided", "lib/a.c", 3, 1)


def test_an_unproved_claim_is_a_warning_unless_strict() -> None:
    series = _series(_unproved(), verdict=VerdictKind.UNKNOWN)
    apply_policy(series, Policy())
    assert series.all_findings()[0].severity is Severity.WARNING and exit_code(series) == 0
    series = _series(_unproved(), verdict=VerdictKind.UNKNOWN)
    apply_policy(series, Policy(strict=True))
    assert series.all_findings()[0].severity is Severity.ERROR and exit_code(series) == 1


@pytest.mark.parametrize("check", ["nfc-refuted", "assertion-reachable", "caller-not-updated"])
def test_what_is_shown_wrong_decides_the_exit_status(check: str) -> None:
    series = _series(Finding(check, Severity.ERROR, "wrong", "lib/a.c", 3, 1))
    apply_policy(series, Policy())
    assert exit_code(series) == 1


@pytest.mark.parametrize("check", ["internal-error", "engine-disagreement"])
def test_an_internal_error_is_exit_3_and_cannot_be_ignored(check: str) -> None:
    series = _series(Finding(check, Severity.WARNING, "boom", None, None, 1))
    apply_policy(series, Policy())
    assert exit_code(series) == 3
    assert series.all_findings()[0].severity is Severity.ERROR
    with pytest.raises(UsageError, match="cannot be ignored"):
        parse_checks([check], "--ignore")


def test_a_forgotten_caller_makes_a_proved_patch_unknown_even_when_ignored() -> None:
    stale = Finding("caller-not-updated", Severity.ERROR, "f() calls g() with 2 argument(s)",
                    "lib/b.c", 9, 1)
    series = _series(stale)
    apply_policy(series, Policy(ignore=frozenset({"caller-not-updated"})))
    nfc = series.patches[0].nfc
    assert nfc is not None and nfc.verdict is VerdictKind.UNKNOWN
    assert nfc.reasons[0].startswith("caller-not-updated (so not proved): f() calls g()")
    # ignored: out of the report and of the exit status, but the proof stays incomplete
    assert series.all_findings() == [] and exit_code(series) == 0


def test_ignore_takes_lists_and_rejects_what_is_not_a_check_id() -> None:
    assert parse_checks(["nfc-sampled,prototype-name-mismatch", " series-missing "], "x") == {
        "nfc-sampled", "prototype-name-mismatch", "series-missing"}
    with pytest.raises(UsageError, match="'Bad/Name' is not a check id"):
        parse_checks(["Bad/Name"], "--ignore")
    both = combine(Policy(ignore=frozenset({"a"})), False, ["b"])
    assert both == Policy(strict=False, ignore=frozenset({"a", "b"}))


# ------------------------------------------------------------------ end to end

BEFORE = "int twice(int x)\n{\n\treturn x + x;\n}\n"


def _repo_with_unproved_patch(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    (repo / "lib").mkdir(parents=True)
    (repo / "lib" / "a.c").write_text(BEFORE)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "lib" / "a.c").write_text(BEFORE.replace("x + x", "2 * x"))
    git(repo, "commit", "-q", "-a", "-m", "lib: multiply\n\nNo functional change.")
    out = tmp_path / "one.patch"
    out.write_text(git(repo, "format-patch", "-1", "--stdout"))
    return repo, out


def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV}  # no user or system git config leaks in
    return subprocess.run([sys.executable, "-m", "patchscope", "check", *args],
                          capture_output=True, text=True, cwd=cwd, env=env)


def test_git_config_sets_strict_and_ignore_per_repository(tmp_path: Path) -> None:
    repo, patch = _repo_with_unproved_patch(tmp_path)
    done = _check(repo, str(patch))
    assert done.returncode == 0, done.stderr
    assert "warning: nfc-unproved" in done.stdout
    assert _check(repo, str(patch), "--strict").returncode == 1
    git(repo, "config", "patchscope.strict", "true")
    assert _check(repo, str(patch)).returncode == 1
    git(repo, "config", "--add", "patchscope.ignore", "nfc-unproved")
    done = _check(repo, str(patch))
    assert done.returncode == 0 and "nfc-unproved" not in done.stdout
    git(repo, "config", "patchscope.strict", "maybe")
    done = _check(repo, str(patch))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "patchscope.strict" in done.stderr


def test_ignore_on_the_command_line(tmp_path: Path) -> None:
    _, patch = _repo_with_unproved_patch(tmp_path)
    done = _check(tmp_path, str(patch), "--strict", "--ignore", "nfc-unproved",
                  "--format", "json")
    assert done.returncode == 0, done.stderr
    assert not json.loads(done.stdout)["patches"][0]["findings"]
    done = _check(tmp_path, str(patch), "--ignore", "internal-error")
    assert done.returncode == 2 and "cannot be ignored" in done.stderr


def test_verdict_and_exit_status_agree_on_a_forgotten_caller(
        kernel_tree: Callable[..., Path]) -> None:
    tree = kernel_tree("mm-extra-caller")
    done = _check(tree, str(SEED_MBOX), "--tree", ".", "--format", "json",
                  "--scenarios", "0")
    assert done.returncode == 1, done.stderr
    (patch,) = json.loads(done.stdout)["patches"]
    assert [f["check"] for f in patch["findings"] if f["severity"] == "error"] == [
        "caller-not-updated"]
    assert patch["nfc"]["verdict"] == "unknown"
    assert "caller-not-updated" in patch["nfc"]["reasons"][0]
