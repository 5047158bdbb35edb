"""Install patchscope as a git hook or as b4's per-patch check."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from patchscope.errors import UsageError

MARKER = "# Installed by patchscope"

KINDS = ("sendemail-validate", "pre-push", "b4")

_PURPOSE = {
    "sendemail-validate": "checks each patch before `git send-email` sends it",
    "pre-push": "checks the commits being pushed before `git push` sends them",
}


def _git(tree: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(tree), *args], capture_output=True, text=True, check=True
        )
    except FileNotFoundError:
        raise UsageError("git is not installed") from None
    except subprocess.CalledProcessError as err:
        problem = (err.stderr or "").strip().splitlines()
        raise UsageError(f"{tree}: {problem[-1] if problem else 'git failed'}") from None
    return done.stdout.strip()


def command_line(*args: str) -> str:
    """The shell words that run this very patchscope, whatever PATH holds then."""
    return " ".join(shlex.quote(a) for a in (sys.executable, "-m", "patchscope", *args))


def hooks_dir(tree: Path) -> Path:
    """Where git looks for hooks in *tree*: core.hooksPath if set, else $GIT_DIR/hooks."""
    top = Path(_git(tree, "rev-parse", "--show-toplevel"))
    try:
        configured = _git(tree, "config", "--get", "core.hooksPath")
    except UsageError:
        configured = ""
    if configured:
        path = Path(os.path.expanduser(configured))
        return path if path.is_absolute() else top / path
    return Path(_git(tree, "rev-parse", "--absolute-git-dir")) / "hooks"


def hook_script(kind: str) -> str:
    return (
        "#!/bin/sh\n"
        f"{MARKER} (patchscope hook install --kind {kind}).\n"
        f"# It {_PURPOSE[kind]}; remove this file to stop it.\n"
        f'exec {command_line("hook", "run", kind)} "$@"\n'
    )


def install(kind: str, tree: Path) -> str:
    """Install hook *kind* in the repository at *tree*; return what was done.

    An existing hook that patchscope did not write is never overwritten: the
    user is told how to call patchscope from it instead.
    """
    tree = tree.resolve()
    if kind == "b4":
        return install_b4(tree)
    directory = hooks_dir(tree)
    path = directory / kind
    if path.exists():
        try:
            current = path.read_text(errors="replace")
        except OSError as err:
            raise UsageError(f"{path}: cannot read the existing hook: {err.strerror}") from None
        if MARKER not in current:
            raise UsageError(
                f"{path}: a {kind} hook is already there and patchscope did not write it; "
                f'add this line to it instead: {command_line("hook", "run", kind)} "$@"'
            )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # beside the hook, then renamed over it: git never runs half a hook
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(hook_script(kind))
            os.chmod(tmp, 0o755 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise UsageError(f"{path}: cannot write the hook: {err.strerror}") from None
    return f"installed {path}"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


B4_KEYS = ("prep-perpatch-check-cmd", "am-perpatch-check-cmd")


def install_b4(tree: Path) -> str:
    """Make ``b4 prep --check`` and ``b4 am --check`` run patchscope on each patch.

    b4 feeds one patch on stdin from the repository's top level and reads
    findings from stdout: ``--format b4`` prints nothing else.  The keys are
    multi-valued, and b4 runs checkpatch only while a key is unset, so
    checkpatch is added first where the tree has it, to keep it running.
    """
    top = Path(_git(tree, "rev-parse", "--show-toplevel"))
    ours = command_line("check", "-", "--tree", ".", "--format", "b4")
    checkpatch = top / "scripts" / "checkpatch.pl"
    done = []
    for key in B4_KEYS:
        try:
            current = _git(top, "config", "--local", "--get-all", f"b4.{key}").splitlines()
        except UsageError:
            current = []
        if ours in current:
            continue
        if not current and os.access(checkpatch, os.X_OK):
            default = f"{checkpatch} -q --terse --no-summary --mailback --showfile"
            _git(top, "config", "--local", "--add", f"b4.{key}", default)
        _git(top, "config", "--local", "--add", f"b4.{key}", ours)
        done.append(key)
    if not done:
        return f"b4 already runs patchscope in {top}"
    return f"added to {', '.join('b4.' + k for k in done)} in {top}: {ours}"
