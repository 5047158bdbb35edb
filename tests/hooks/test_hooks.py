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
    """On top of the seed: vms_clear_ptes() passes a search limit past its ceiling."""
    vma_c = repo / "mm" / "vma.c"
    text = vma_c.read_text()
    assert "vms->unmap_end, vms->unmap_end, mm_wr_locked" in text
    vma_c.write_text(
        text.replace(
            "vms->unmap_end, vms->unmap_end, mm_wr_locked",
            "vms->unmap_end, vms->unmap_end + PMD_SIZE, mm_wr_locked",
        )
    )
    message = (
        "mm/vma: Widen the tree search of vms_clear_ptes()\n\n"
        "No functional change intended.\n\nSigned-off-by: Fixture Author <fixture@example.org>"
    )
    done = run(repo, "git", "commit", "-q", "-a", "-m", message, dated=dated)
    assert done.returncode == 0, done.stderr


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
def test_send_email_passes_a_patch_whose_claim_holds(repo: Path) -> None:
    git(repo, "am", "-q", str(SEED_PATCH))
    assert patchscope(repo, "hook", "install").returncode == 0
    before = tracked_state(repo)
    done = send_email_dry_run(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "proved" in done.stderr
    assert "Dry-OK" in done.stdout or "Dry-Sent" in done.stdout
    assert tracked_state(repo) == before


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
    git(repo, "am", "-q", str(SEED_PATCH))
    commit_refuted_change(repo)
    out = repo.parent / "outgoing"
    git(repo, "format-patch", "-q", "-2", "-o", str(out))
    files = sorted(out.iterdir())
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
    git(repo, "am", "-q", str(SEED_PATCH))
    good = run(repo, "git", "push", "origin", "main")
    assert good.returncode == 0, good.stderr
    assert "proved" in good.stderr
    commit_refuted_change(repo)
    bad = run(repo, "git", "push", "origin", "main")
    assert bad.returncode != 0
    assert "vms_clear_ptes" in bad.stderr
    # the remote still has the good commit only
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD~1")


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
    git(repo, "am", "-q", str(SEED_PATCH))
    commit_refuted_change(repo)
    bad = run(repo, "git", "push", "origin", "main")
    assert bad.returncode != 0
    assert "patchscope" in bad.stdout + bad.stderr
    assert "vms_clear_ptes" in bad.stdout + bad.stderr


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
    assert run(repo, "git", "am", "-q", str(SEED_PATCH), dated=False).returncode == 0
    commit_refuted_change(repo, dated=False)
    installed = patchscope(repo, "hook", "install", "--kind", "b4")
    assert installed.returncode == 0, installed.stderr
    done = run(repo, "b4", "prep", "--check", "--no-cache")
    report = done.stdout + done.stderr
    assert "patchscope" in report or "python" in report
    assert "ERROR:" in report and "vms_clear_ptes" in report
