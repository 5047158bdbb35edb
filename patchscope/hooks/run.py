"""What the installed hooks run: check the patches about to leave.

git 2.39's ``git send-email`` runs the sendemail-validate hook once per patch
with only the file as ``$1``; newer git also sets GIT_SENDEMAIL_FILE_COUNTER
and GIT_SENDEMAIL_FILE_TOTAL.  With the counter, the patches are collected
and the whole series is checked at the last one; without it, each patch is
checked alone, in tree mode, since the commits it came from are usually in
the local tree.  The pre-push hook checks the commits that the push would
add to the remote.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from patchscope.core import CheckOptions
from patchscope.errors import EXIT_OK, UsageError

ZERO_SHA = "0" * 40


def _git(top: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(top), *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise UsageError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()


def _toplevel() -> Path:
    try:
        return Path(_git(Path.cwd(), "rev-parse", "--show-toplevel"))
    except UsageError:
        raise UsageError(f"{Path.cwd()}: the hook runs outside a git work tree") from None


def check(source: str, top: Path, base: str | None = None) -> int:
    """Run the whole check of *source* in tree mode; print text; return the exit code."""
    from patchscope.commands.check import check_series, exit_code
    from patchscope.render import render

    options = CheckOptions(
        source=source,
        tree=str(top),
        base=base,
        output_format="text",
        color=sys.stderr.isatty() and "NO_COLOR" not in os.environ,
    )
    series = check_series(options)
    # git shows a hook's output to the user; stderr keeps stdout free for git.
    sys.stderr.write(render(series, options))
    return exit_code(series)


def _collect_dir(top: Path) -> Path:
    key = hashlib.sha1(str(top).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"patchscope-sendemail-{os.getuid()}-{key}"


def sendemail_validate(args: list[str]) -> int:
    if len(args) != 1:
        raise UsageError("sendemail-validate: expected one patch file (git passes it as $1)")
    patch = Path(args[0])
    top = _toplevel()
    counter = os.environ.get("GIT_SENDEMAIL_FILE_COUNTER")
    total = os.environ.get("GIT_SENDEMAIL_FILE_TOTAL")
    if not (counter and total and counter.isdigit() and total.isdigit()):
        return check(str(patch), top)
    number, count = int(counter), int(total)
    collect = _collect_dir(top)
    if number == 1:
        shutil.rmtree(collect, ignore_errors=True)
    collect.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        shutil.copyfile(patch, collect / f"{number:05d}.patch")
    except OSError as err:
        raise UsageError(f"{patch}: cannot read the patch: {err.strerror}") from None
    if number < count:
        return EXIT_OK
    try:
        return check(str(collect), top)
    finally:
        shutil.rmtree(collect, ignore_errors=True)


def _pushed_ranges(lines: Iterable[str], remote: str, top: Path) -> list[tuple[str, str]]:
    """(base, tip) per pushed ref: what the push adds that the remote lacks."""
    ranges = []
    for line in lines:
        words = line.split()
        if len(words) != 4:
            continue
        _local_ref, local_sha, _remote_ref, remote_sha = words
        if local_sha == ZERO_SHA:  # a deletion pushes no commit
            continue
        if remote_sha != ZERO_SHA:
            ranges.append((remote_sha, local_sha))
            continue
        new = _git(top, "rev-list", "--reverse", local_sha, "--not", f"--remotes={remote}")
        if not new:
            continue
        first = new.splitlines()[0]
        parents = _git(top, "rev-list", "--parents", "-n", "1", first).split()[1:]
        if parents:
            ranges.append((parents[0], local_sha))
    return ranges


def pre_push(args: list[str], stdin: Iterable[str]) -> int:
    """Check what a push adds; pre-commit passes the range in its environment."""
    top = _toplevel()
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        remote = os.environ.get("PRE_COMMIT_REMOTE_NAME", "origin")
        ranges = _pushed_ranges([f"HEAD {to_ref} ref {from_ref}"], remote, top)
    else:
        remote = args[0] if args else "origin"
        ranges = _pushed_ranges(stdin, remote, top)
    worst = EXIT_OK
    for base, tip in ranges:
        worst = max(worst, check(f"{base}..{tip}", top, base=base))
    return worst


def run(kind: str, args: list[str]) -> int:
    if kind == "sendemail-validate":
        return sendemail_validate(args)
    if kind == "pre-push":
        return pre_push(args, sys.stdin)
    raise UsageError(f"no hook called {kind!r}")
