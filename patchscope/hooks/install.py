"""Install (and uninstall) patchscope as a git hook or as b4's per-patch check.

What is installed calls the ``patchscope`` console script found when it was
installed, by its absolute path: the command works whatever PATH holds when
git or b4 runs it, and b4 labels each finding after the program's name,
``patchscope:``.  If that script disappears (its venv removed), the hook says
so in one line and lets the send or push through: the submit path never
blocks on a tool problem.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from patchscope.errors import UsageError

MARKER = "# Installed by patchscope"

KINDS = ("sendemail-validate", "pre-push", "b4")

_PURPOSE = {
    "sendemail-validate": "checks the patches before `git send-email` sends them",
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


def entry_point() -> Path:
    """The ``patchscope`` console script of this installation, as an absolute path.

    The script running now if it is one, else the one beside this Python
    (a venv's bin/), else the first on PATH.
    """
    running = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    candidates = []
    if running is not None and running.name == "patchscope":
        candidates.append(running)
    candidates.append(Path(sys.executable).parent / "patchscope")
    found = shutil.which("patchscope")
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path.absolute()
    raise UsageError(
        "the patchscope command is not installed (only the Python package is): "
        "install it with pip or pipx, then run the hook install again"
    )


def command_line(*args: str) -> str:
    """The shell words that run the installed patchscope, whatever PATH holds then."""
    return " ".join(shlex.quote(a) for a in (str(entry_point()), *args))


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


def hook_script(kind: str, program: Path) -> str:
    quoted = shlex.quote(str(program))
    return (
        "#!/bin/sh\n"
        f"{MARKER} (patchscope hook install --kind {kind}).\n"
        f"# It {_PURPOSE[kind]}; `patchscope hook uninstall --kind {kind}` removes it.\n"
        f"patchscope={quoted}\n"
        'if [ ! -x "$patchscope" ]; then\n'
        f'\techo "patchscope: $patchscope is gone, so the {kind} check is skipped; '
        f"reinstall patchscope and run 'patchscope hook install --kind {kind}', "
        'or delete $0" >&2\n'
        "\texit 0\n"
        "fi\n"
        f'exec "$patchscope" hook run {kind} "$@"\n'
    )


def _ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(errors="replace")
    except OSError as err:
        raise UsageError(f"{path}: cannot read the existing hook: {err.strerror}") from None


def install(kind: str, tree: Path) -> str:
    """Install hook *kind* in the repository at *tree*; return what was done.

    An existing hook that patchscope did not write is never overwritten: the
    user is told how to call patchscope from it instead.
    """
    tree = tree.resolve()
    program = entry_point()
    if kind == "b4":
        return install_b4(tree, program)
    directory = hooks_dir(tree)
    path = directory / kind
    if path.exists() and not _ours(path):
        raise UsageError(
            f"{path}: a {kind} hook is already there and patchscope did not write it; "
            f'add this line to it instead: {command_line("hook", "run", kind)} "$@"'
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(hook_script(kind, program))
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    except OSError as err:
        raise UsageError(f"{path}: cannot write the hook: {err.strerror}") from None
    return f"installed {path} (runs {program})"


def uninstall(kind: str, tree: Path) -> str:
    """Remove what :func:`install` wrote for *kind*; leave anything else alone."""
    tree = tree.resolve()
    if kind == "b4":
        return uninstall_b4(tree)
    path = hooks_dir(tree) / kind
    if not path.exists():
        return f"no {kind} hook in {path.parent}"
    if not _ours(path):
        raise UsageError(f"{path}: patchscope did not write this hook; it is left alone")
    try:
        path.unlink()
    except OSError as err:
        raise UsageError(f"{path}: cannot remove the hook: {err.strerror}") from None
    return f"removed {path}"


# ------------------------------------------------------------------ b4

B4_KEYS = ("prep-perpatch-check-cmd", "am-perpatch-check-cmd")
B4_REVIEW_KEY = "review-perpatch-check-cmd"
_B4_BUILTIN_CHECKPATCH = "_builtin_checkpatch"


def b4_wrapper_path(tree: Path) -> Path:
    """The script b4 runs: named ``patchscope``, so b4 labels lines ``patchscope:``.

    It lives in the repository's common git directory (shared by its
    worktrees), where no commit or status sees it.
    """
    common = Path(_git(tree, "rev-parse", "--path-format=absolute", "--git-common-dir"))
    return common / "patchscope" / "patchscope"


def b4_wrapper(program: Path) -> str:
    """b4 runs its checks with no shell and dies on a missing program, so the
    check goes through this script: if the installed patchscope is gone it
    prints one warning (a JSON result for ``b4 review``) and lets b4 go on."""
    quoted = shlex.quote(str(program))
    gone = (
        "the patchscope command this b4 check was installed with is gone, so the check "
        "is skipped; reinstall patchscope and run 'patchscope hook install --kind b4'"
    )
    return (
        "#!/bin/sh\n"
        f"{MARKER} (patchscope hook install --kind b4).\n"
        "# b4 runs it on each patch; `patchscope hook uninstall --kind b4` removes it.\n"
        f"patchscope={quoted}\n"
        'if [ ! -x "$patchscope" ]; then\n'
        '\tcase " $* " in\n'
        '\t*" b4-json "*)\n'
        '\t\tprintf \'[{"tool": "patchscope", "status": "warn", "summary": "%s", '
        '"url": "", "details": ""}]\\n\' '
        f'"{gone}" ;;\n'
        f'\t*) echo "WARNING: {gone} ($patchscope)" ;;\n'
        "\tesac\n"
        "\texit 0\n"
        "fi\n"
        'exec "$patchscope" "$@"\n'
    )


def _b4_commands(program: Path) -> dict[str, str]:
    """Per b4 key, the command patchscope adds (b4 runs it in the top level)."""
    base = shlex.quote(str(program)) + " check - --tree ."
    lines = base + " --format b4"
    return {**dict.fromkeys(B4_KEYS, lines), B4_REVIEW_KEY: base + " --format b4-json"}


def _checkpatch_default(top: Path, key: str) -> str | None:
    """What b4 runs for *key* while it is unset, where the tree has checkpatch."""
    checkpatch = top / "scripts" / "checkpatch.pl"
    if not os.access(checkpatch, os.X_OK):
        return None
    if key == B4_REVIEW_KEY:
        return _B4_BUILTIN_CHECKPATCH
    return f"{checkpatch} -q --terse --no-summary --mailback --showfile"


def _b4_values(top: Path, key: str) -> list[str]:
    try:
        return _git(top, "config", "--local", "--get-all", f"b4.{key}").splitlines()
    except UsageError:
        return []


def install_b4(tree: Path, program: Path) -> str:
    """Make ``b4 prep --check``, ``b4 am --check`` and ``b4 review`` run patchscope.

    b4 feeds one patch on stdin from the repository's top level.  prep and am
    read finding lines from stdout (``--format b4``); b4 review reads its
    JSON check protocol (``--format b4-json``).  The keys are multi-valued,
    and b4 runs checkpatch only while a key is unset, so checkpatch is added
    first where the tree has it, to keep it running.
    """
    top = Path(_git(tree, "rev-parse", "--show-toplevel"))
    wrapper = b4_wrapper_path(tree)
    if wrapper.exists() and not _ours(wrapper):
        raise UsageError(f"{wrapper}: patchscope did not write this file; it is left alone")
    try:
        wrapper.parent.mkdir(exist_ok=True)
        wrapper.write_text(b4_wrapper(program))
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    except OSError as err:
        raise UsageError(f"{wrapper}: cannot write b4's check script: {err.strerror}") from None
    done = []
    for key, ours in _b4_commands(wrapper).items():
        current = _b4_values(top, key)
        if ours in current:
            continue
        # an older install (another venv, or python -m) is replaced, not doubled
        for stale in [v for v in current if _is_patchscope_command(v)]:
            _git(top, "config", "--local", "--fixed-value", "--unset", f"b4.{key}", stale)
            current.remove(stale)
        default = _checkpatch_default(top, key)
        if not current and default:
            _git(top, "config", "--local", "--add", f"b4.{key}", default)
        _git(top, "config", "--local", "--add", f"b4.{key}", ours)
        done.append(key)
    if not done:
        return f"b4 already runs patchscope in {top} (through {wrapper}, which runs {program})"
    return (
        f"added to {', '.join('b4.' + k for k in done)} in {top}: {wrapper}, "
        f"which runs {program}"
    )


def _is_patchscope_command(value: str) -> bool:
    words = value.split()
    return bool(words) and (
        Path(words[0].strip("'\"")).name == "patchscope" or words[1:3] == ["-m", "patchscope"]
    )


def uninstall_b4(tree: Path) -> str:
    """Remove patchscope's b4 commands, and the checkpatch default added with them."""
    top = Path(_git(tree, "rev-parse", "--show-toplevel"))
    done = []
    for key in (*B4_KEYS, B4_REVIEW_KEY):
        current = _b4_values(top, key)
        ours = [v for v in current if _is_patchscope_command(v)]
        if not ours:
            continue
        for value in ours:
            _git(top, "config", "--local", "--fixed-value", "--unset", f"b4.{key}", value)
        rest = [v for v in current if v not in ours]
        # b4 runs checkpatch by itself once the key is unset again
        if rest and rest == [_checkpatch_default(top, key)]:
            _git(top, "config", "--local", "--unset-all", f"b4.{key}")
        done.append(key)
    wrapper = b4_wrapper_path(tree)
    if wrapper.exists() and _ours(wrapper):
        try:
            wrapper.unlink()
            wrapper.parent.rmdir()
        except OSError:
            pass  # a directory we did not fill alone stays
    if not done:
        return f"b4 does not run patchscope in {top}"
    return f"removed patchscope from {', '.join('b4.' + k for k in done)} in {top}"
