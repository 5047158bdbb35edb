"""The submit path for real: git send-email --dry-run, git push, pre-commit, b4.

Each test builds a kernel-like repository from fixtures/trees/mm, commits a
patch onto it with ``git am`` (the seed patch, whose claim holds, or a mutant
whose claim is refuted), installs the hook with the real console script and
lets the real tool run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.csource.kernel_tree import FIXTURES, GIT_ENV, SEED_PATCH, git

MUTANT = FIXTURES / "equivalence" / "mutant-caller-limit.patch"


def run(
    cwd: Path, *argv: str, stdin: str | None = None, dated: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run argv with the fixture identity; ``dated=False`` lets commits carry today's date."""
    env = dict(os.environ)
    env.update(GIT_ENV)
    if not dated:
        env.pop("GIT_AUTHOR_DATE")
        env.pop("GIT_COMMITTER_DATE")
    env.pop("GIT_SENDEMAIL_FILE_COUNTER", None)
    env.pop("GIT_SENDEMAIL_FILE_TOTAL", None)
    return subprocess.run(
        list(argv), cwd=cwd, env=env, input=stdin, capture_output=True, text=True, check=False
    )


def patchscope(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(cwd, sys.executable, "-m", "patchscope", *args)


@pytest.fixture
def repo(kernel_tree: Callable[..., Path]) -> Path:
    return kernel_tree()


def commit_refuted_change(repo: Path, dated: bool = True) -> None:
    """A patch whose claim is refuted on its own: unmap_region() passes a
    search limit past its ceiling (the mutant of the seed).

    A refuted claim must be shown wrong by the patch itself: a later commit
    that only edits an argument changes no signature, so alone it is
    unproved, a warning that never blocks.
    """
    done = run(repo, "git", "am", "-q", str(MUTANT), dated=dated)
    assert done.returncode == 0, done.stderr


def commit_notes(repo: Path) -> None:
    """A harmless commit that claims nothing (no C, no NFC claim)."""
    (repo / "notes.txt").write_text("what changed\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-q", "-m", "notes: say what changed")


def tracked_state(repo: Path) -> str:
    return git(repo, "status", "--porcelain", "--ignored") + git(repo, "rev-parse", "HEAD")


# ---------------------------------------------------------------- install


def test_install_writes_an_executable_marked_hook_and_is_idempotent(repo: Path) -> None:
    first = patchscope(repo, "hook", "install", "--kind", "sendemail-validate")
    assert first.returncode == 0, first.stderr
    hook = repo / ".git" / "hooks" / "sendemail-validate"
    assert os.access(hook, os.X_OK)
    assert "Installed by patchscope" in hook.read_text()
    again = patchscope(repo, "hook", "install", "--kind", "sendemail-validate")
    assert again.returncode == 0, again.stderr


def test_install_never_overwrites_a_foreign_hook(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\necho mine\n")
    done = patchscope(repo, "hook", "install", "--kind", "pre-push")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "pre-push" in done.stderr and "hook run pre-push" in done.stderr
    assert hook.read_text() == "#!/bin/sh\necho mine\n"


def test_install_follows_core_hooks_path(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", "githooks")
    assert patchscope(repo, "hook", "install", "--kind", "pre-push").returncode == 0
    assert (repo / "githooks" / "pre-push").is_file()
    assert not (repo / ".git" / "hooks" / "pre-push").exists()


def test_install_outside_a_repository_is_one_line_exit_2(tmp_path: Path) -> None:
    done = patchscope(tmp_path, "hook", "install")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and str(tmp_path) in done.stderr


# ---------------------------------------------------------------- git send-email


def _send_email_installed() -> bool:
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True)
    return Path(exec_path.stdout.strip(), "git-send-email").exists()


needs_send_email = pytest.mark.skipif(
    not _send_email_installed() and os.environ.get("CI") != "true",
    reason="git send-email is not installed (apt-get install git-email)",
)


def send_email_dry_run(repo: Path) -> subprocess.CompletedProcess[str]:
    return run(
        repo,
        "git",
        "send-email",
        "--dry-run",
        "--to=linux-mm@example.org",
        "--confirm=never",
        "--suppress-cc=all",
        "--from=Fixture Author <fixture@example.org>",
        "-1",
    )


@needs_send_email
def test_send_email_passes_a_patch_whose_claim_holds_quietly(repo: Path) -> None:
    git(repo, "am", "-q", str(SEED_PATCH))
    assert patchscope(repo, "hook", "install").returncode == 0
    before = tracked_state(repo)
    done = send_email_dry_run(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "patchscope" not in done.stderr and "proved" not in done.stderr  # quiet
    assert "Dry-OK" in done.stdout or "Dry-Sent" in done.stdout
    assert tracked_state(repo) == before
    # asked for: the report every time
    git(repo, "config", "patchscope.verbose", "true")
    done = send_email_dry_run(repo)
    assert done.returncode == 0 and "proved" in done.stderr


def send_series_with_cover_letter(repo: Path, count: int) -> subprocess.CompletedProcess[str]:
    """git format-patch --cover-letter, then git send-email --dry-run of the files."""
    out = repo.parent / "outgoing"
    git(repo, "format-patch", "-q", "--cover-letter", f"-{count}", "-o", str(out))
    files = sorted(str(p) for p in out.iterdir())
    cover = Path(files[0])
    assert cover.name.startswith("0000-cover-letter")
    # as the author would: a subject and a blurb in place of git's template
    cover.write_text(cover.read_text().replace("*** SUBJECT HERE ***", "mm: tree limits")
                     .replace("*** BLURB HERE ***", "Pass the tree limit down."))
    return run(repo, "git", "send-email", "--dry-run", "--to=linux-mm@example.org",
               "--confirm=never", "--suppress-cc=all",
               "--from=Fixture Author <fixture@example.org>", *files)


@needs_send_email
def test_send_email_with_a_cover_letter_passes_a_good_series_silently(repo: Path) -> None:
    git(repo, "am", "-q", str(SEED_PATCH))
    assert patchscope(repo, "hook", "install").returncode == 0
    done = send_series_with_cover_letter(repo, 1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "patchscope" not in done.stderr, done.stderr
    assert done.stdout.count("Dry-OK") + done.stdout.count("Dry-Sent") == 2  # cover + patch


@needs_send_email
def test_send_email_with_a_cover_letter_stops_a_refuted_series(repo: Path) -> None:
    commit_notes(repo)
    commit_refuted_change(repo)
    assert patchscope(repo, "hook", "install").returncode == 0
    done = send_series_with_cover_letter(repo, 2)
    assert done.returncode != 0
    assert "unmap_region" in done.stderr and "error" in done.stderr
    assert "[2/2]" in done.stderr
    assert "Dry-OK" not in done.stdout and "Dry-Sent" not in done.stdout


@needs_send_email
def test_send_email_stops_a_patch_whose_claim_is_refuted(repo: Path) -> None:
    git(repo, "am", "-q", str(MUTANT))
    assert patchscope(repo, "hook", "install").returncode == 0
    done = send_email_dry_run(repo)
    assert done.returncode != 0
    assert "sendemail-validate" in done.stderr
    assert "unmap_region" in done.stderr and "error" in done.stderr
    assert "Dry-OK" not in done.stdout and "Dry-Sent" not in done.stdout


def test_counted_send_checks_the_whole_series_at_its_last_patch(repo: Path) -> None:
    """Newer git's GIT_SENDEMAIL_FILE_COUNTER/TOTAL, driven by hand (git 2.39 lacks them)."""
    commit_notes(repo)
    commit_refuted_change(repo)
    out = repo.parent / "outgoing"
    git(repo, "format-patch", "-q", "--cover-letter", "-2", "-o", str(out))
    files = sorted(out.iterdir())
    assert len(files) == 3  # the cover letter is collected too
    codes = []
    for number, path in enumerate(files, 1):
        env = dict(os.environ)
        env.update(
            {"GIT_SENDEMAIL_FILE_COUNTER": str(number), "GIT_SENDEMAIL_FILE_TOTAL": str(len(files))}
        )
        done = subprocess.run(
            [sys.executable, "-m", "patchscope", "hook", "run", "sendemail-validate", str(path)],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        codes.append((done.returncode, done.stderr))
    assert codes[0] == (0, "")  # collected, not yet checked
    last_code, last_out = codes[-1]
    assert last_code == 1
    assert "[1/2]" in last_out and "[2/2]" in last_out


# ---------------------------------------------------------------- git push


def pushable(repo: Path, tmp: Path) -> Path:
    remote = tmp / "remote.git"
    git(tmp, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    return remote


def test_pre_push_rejects_a_refuted_claim_and_passes_a_proved_one(
    repo: Path, tmp_path: Path
) -> None:
    remote = pushable(repo, tmp_path)
    assert patchscope(repo, "hook", "install", "--kind", "pre-push").returncode == 0
    commit_refuted_change(repo)
    bad = run(repo, "git", "push", "origin", "main")
    assert bad.returncode != 0
    assert "unmap_region" in bad.stderr
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD~1")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    git(repo, "am", "-q", str(SEED_PATCH))
    good = run(repo, "git", "push", "origin", "main")
    assert good.returncode == 0, good.stderr
    assert "patchscope" not in good.stderr  # quiet when all is well
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")


def clone_and_push(remote: Path, where: Path, change: Callable[[Path], None]) -> str:
    """Someone else pushes to *remote*; return the new tip (not fetched here)."""
    git(where.parent, "clone", "-q", "-b", "main", str(remote), str(where))
    change(where)
    git(where, "push", "-q", "origin", "main")
    return git(where, "rev-parse", "HEAD").strip()


def test_pre_push_force_push_over_an_unknown_tip_checks_what_is_new(
    repo: Path, tmp_path: Path
) -> None:
    remote = pushable(repo, tmp_path)
    theirs = clone_and_push(remote, tmp_path / "other", commit_notes)
    assert run(repo, "git", "cat-file", "-e", theirs).returncode != 0  # not in our store
    assert patchscope(repo, "hook", "install", "--kind", "pre-push").returncode == 0
    commit_refuted_change(repo)
    bad = run(repo, "git", "push", "--force", "origin", "main")
    assert bad.returncode != 0
    assert "unmap_region" in bad.stderr and "Invalid revision range" not in bad.stderr
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    git(repo, "am", "-q", str(SEED_PATCH))
    good = run(repo, "git", "push", "--force", "origin", "main")
    assert good.returncode == 0, good.stderr
    assert "patchscope" not in good.stderr
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")


def test_pre_push_does_not_recheck_what_a_merge_brings_from_the_remote(
    repo: Path, tmp_path: Path
) -> None:
    remote = pushable(repo, tmp_path)

    clone_and_push(remote, tmp_path / "other", commit_refuted_change)  # pushed unchecked
    git(repo, "fetch", "-q", "origin")
    commit_notes(repo)
    git(repo, "merge", "-q", "--no-edit", "origin/main")
    assert patchscope(repo, "hook", "install", "--kind", "pre-push").returncode == 0
    # a new branch: only the notes commit is new to the remote, not the merged ones
    done = run(repo, "git", "push", "origin", "main:topic")
    assert done.returncode == 0, done.stderr
    assert "unmap_region" not in done.stderr


def test_a_vanished_patchscope_never_blocks_a_push(repo: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    installed = shutil.which("patchscope")
    assert installed, "the patchscope console script is installed with the package"
    shutil.copy2(installed, bin_dir / "patchscope")
    pushable(repo, tmp_path)
    done = run(repo, str(bin_dir / "patchscope"), "hook", "install", "--kind", "pre-push")
    assert done.returncode == 0, done.stderr
    hook = (repo / ".git" / "hooks" / "pre-push").read_text()
    assert str(bin_dir / "patchscope") in hook and "-m patchscope" not in hook
    (bin_dir / "patchscope").unlink()
    commit_refuted_change(repo)
    push = run(repo, "git", "push", "origin", "main")
    assert push.returncode == 0, push.stderr  # a tool problem lets the push through
    assert f"patchscope: {bin_dir / 'patchscope'} is gone" in push.stderr
    assert "pre-push check is skipped" in push.stderr


def test_uninstall_removes_what_install_wrote_and_nothing_else(repo: Path) -> None:
    config_before = git(repo, "config", "--local", "--list")
    for kind in ("sendemail-validate", "pre-push", "b4"):
        assert patchscope(repo, "hook", "install", "--kind", kind).returncode == 0
    assert "b4.prep-perpatch-check-cmd" in git(repo, "config", "--local", "--list")
    for kind in ("sendemail-validate", "pre-push", "b4"):
        done = patchscope(repo, "hook", "uninstall", "--kind", kind)
        assert done.returncode == 0, done.stderr
    assert not (repo / ".git" / "hooks" / "sendemail-validate").exists()
    assert not (repo / ".git" / "hooks" / "pre-push").exists()
    assert git(repo, "config", "--local", "--list") == config_before
    foreign = repo / ".git" / "hooks" / "pre-push"
    foreign.write_text("#!/bin/sh\necho mine\n")
    done = patchscope(repo, "hook", "uninstall", "--kind", "pre-push")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert foreign.read_text() == "#!/bin/sh\necho mine\n"


def test_pre_commit_runs_the_hook_on_push(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pre_commit = shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    pushable(repo, tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: patchscope\n    name: patchscope\n"
        f"    entry: {sys.executable} -m patchscope hook run pre-push\n"
        "    language: system\n    stages: [pre-push]\n    pass_filenames: false\n"
        "    always_run: true\n"
    )
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "pre-commit config")
    git(repo, "push", "-q", "origin", "main")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-cache"))
    assert run(repo, pre_commit, "install", "--hook-type", "pre-push").returncode == 0
    commit_refuted_change(repo)
    bad = run(repo, "git", "push", "origin", "main")
    assert bad.returncode != 0
    assert "patchscope" in bad.stdout + bad.stderr
    assert "unmap_region" in bad.stdout + bad.stderr


# ---------------------------------------------------------------- b4


def test_b4_prep_check_reports_patchscope_findings(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("b4") is None:
        pytest.skip("b4 is not installed (pip install b4)")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    git(repo, "config", "user.name", "Fixture Author")
    git(repo, "config", "user.email", "fixture@example.org")
    # b4 looks for its cover letter commit among those of the last year only
    prep = run(repo, "b4", "prep", "-n", "tree-limit", "-f", "main", dated=False)
    assert prep.returncode == 0, prep.stderr
    commit_refuted_change(repo, dated=False)
    installed = patchscope(repo, "hook", "install", "--kind", "b4")
    assert installed.returncode == 0, installed.stderr
    done = run(repo, "b4", "prep", "--check", "--no-cache")
    report = done.stdout + done.stderr
    assert "patchscope: ERROR:" in report, report  # b4 labels lines by the program
    assert "python3:" not in report and "unmap_region" in report


def test_a_vanished_patchscope_never_breaks_b4_prep_check(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("b4") is None:
        pytest.skip("b4 is not installed (pip install b4)")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    installed = shutil.which("patchscope")
    assert installed, "the patchscope console script is installed with the package"
    shutil.copy2(installed, bin_dir / "patchscope")
    git(repo, "config", "user.name", "Fixture Author")
    git(repo, "config", "user.email", "fixture@example.org")
    prep = run(repo, "b4", "prep", "-n", "tree-limit", "-f", "main", dated=False)
    assert prep.returncode == 0, prep.stderr
    commit_refuted_change(repo, dated=False)
    done = run(repo, str(bin_dir / "patchscope"), "hook", "install", "--kind", "b4")
    assert done.returncode == 0, done.stderr
    (bin_dir / "patchscope").unlink()
    check = run(repo, "b4", "prep", "--check", "--no-cache")
    report = check.stdout + check.stderr
    assert check.returncode == 0 and "Traceback" not in report, report
    (line,) = [x for x in report.splitlines() if "patchscope:" in x]
    assert "patchscope: WARNING: the patchscope command" in line and "is gone" in line, report
    assert str(bin_dir / "patchscope") in line and "ERROR" not in report


def test_a_vanished_patchscope_is_a_warning_in_b4_review(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b4 review runs the wrapper through its JSON protocol: one 'warn' result."""
    import email
    import email.policy

    checks = pytest.importorskip("b4.review.checks")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    installed = shutil.which("patchscope")
    assert installed, "the patchscope console script is installed with the package"
    shutil.copy2(installed, bin_dir / "patchscope")
    done = run(repo, str(bin_dir / "patchscope"), "hook", "install", "--kind", "b4")
    assert done.returncode == 0, done.stderr
    command = git(repo, "config", "--local", "--get", "b4.review-perpatch-check-cmd")
    (bin_dir / "patchscope").unlink()
    monkeypatch.chdir(repo)
    msg = email.message_from_bytes(SEED_PATCH.read_bytes(), policy=email.policy.default)
    results = checks.run_perpatch_checks([("<seed@x>", msg)], [command], str(repo))
    (result,) = results["<seed@x>"]
    assert result["tool"] == "patchscope" and result["status"] == "warn", result
    assert "is gone" in result["summary"], result
    uninstalled = patchscope(repo, "hook", "uninstall", "--kind", "b4")
    assert uninstalled.returncode == 0, uninstalled.stderr
    assert not (repo / ".git" / "patchscope").exists()
