"""What the installed hooks run: check the patches about to leave.

git 2.39's ``git send-email`` runs the sendemail-validate hook once per file
with only the file as ``$1``; newer git also sets GIT_SENDEMAIL_FILE_COUNTER
and GIT_SENDEMAIL_FILE_TOTAL.  With the counter, the files (cover letter
included) are collected and the whole series is checked at the last one;
without it, each patch is checked alone, in tree mode, since the commits it
came from are usually in the local tree, and a message without a diff (the
cover letter) passes silently.  Alone, a later patch cannot show what an
earlier one changed, so when the patch's directory holds its whole series
(as ``git send-email -N`` and ``git format-patch -o DIR`` leave it), the
series is checked whole at its last patch instead.  The pre-push hook checks the commits that the
push adds and the remote does not have, fetching nothing.

A hook blocks only on what is shown wrong (exit 1, the report on stderr).
On success it prints nothing (git config ``patchscope.verbose true``: the
report every time).  A tool problem (bad input, an internal error) is one
line on stderr and lets the send or push through.
"""

from __future__ import annotations

import email.policy
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from email.parser import BytesHeaderParser
from pathlib import Path

from patchscope import policy
from patchscope.core import CheckOptions, SubjectTag
from patchscope.errors import EXIT_FINDINGS, EXIT_OK, PatchscopeError, UsageError
from patchscope.series.subject import parse_subject

ZERO_SHA = "0" * 40

# More new commits than this are not a series being pushed (a new remote, a
# mirror): say so and check none rather than the whole history.
MAX_PUSHED_COMMITS = 200

_DIFF_START = re.compile(rb"^(diff --git |Index: |--- \S)", re.MULTILINE)


def _git(top: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["git", "-C", str(top), *args], capture_output=True, text=True, check=False
    )
    if done.returncode and check:
        raise UsageError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip() if not done.returncode else ""


def _toplevel() -> Path:
    try:
        return Path(_git(Path.cwd(), "rev-parse", "--show-toplevel"))
    except UsageError:
        raise UsageError(f"{Path.cwd()}: the hook runs outside a git work tree") from None


def _verbose(top: Path) -> bool:
    return _git(top, "config", "--type=bool", "--get", "patchscope.verbose",
                check=False) == "true"


def check(source: str, top: Path, base: str | None = None) -> int:
    """Check *source* in tree mode; the report on stderr when it blocks (or asked)."""
    from patchscope.commands.check import check_series, exit_code
    from patchscope.render import render

    gate = policy.from_config(str(top))
    options = CheckOptions(
        source=source,
        tree=str(top),
        base=base,
        output_format="text",
        color=sys.stderr.isatty() and not os.environ.get("NO_COLOR"),
        width=shutil.get_terminal_size().columns if sys.stderr.isatty() else None,
        strict=gate.strict,
        ignore=gate.ignore,
    )
    series = check_series(options)
    code = exit_code(series)
    if code != EXIT_OK or _verbose(top):
        # git shows a hook's output to the user; stderr keeps stdout free for git.
        sys.stderr.write(render(series, options))
    return code


def has_diff(path: Path) -> bool:
    """Whether the message at *path* holds a diff (a cover letter does not)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UsageError(f"{path}: cannot read the patch: {err.strerror}") from None
    return _DIFF_START.search(data) is not None


def _collect_dir(top: Path) -> Path:
    key = hashlib.sha1(str(top).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"patchscope-sendemail-{os.getuid()}-{key}"


def _tag(path: Path) -> SubjectTag | None:
    """What the Subject of the mail at *path* says (``[PATCH v2 3/5]``)."""
    try:
        with path.open("rb") as f:
            head = BytesHeaderParser(policy=email.policy.default).parse(f)
    except (OSError, ValueError):
        return None
    subject = head.get("Subject")
    return parse_subject(" ".join(str(subject).split())) if subject else None


def series_files(patch: Path) -> tuple[int, int, list[Path]] | None:
    """(M, T, files) when *patch*'s directory holds its whole series 1..T (and cover).

    git 2.39 runs the hook once per file and says neither which file of how
    many it is nor which come next; ``git send-email -N`` and ``git
    format-patch -o DIR`` both leave the whole series in one directory.
    """
    tag = _tag(patch)
    if tag is None or tag.index is None or not tag.total or tag.total < 2:
        return None
    found: dict[int, Path] = {}
    for sibling in patch.parent.iterdir():
        other = _tag(sibling) if sibling.is_file() else None
        if (other is not None and other.index is not None and other.total == tag.total
                and other.version == tag.version and other.prefixes == tag.prefixes):
            found.setdefault(other.index, sibling)
    if not set(range(1, tag.total + 1)) <= set(found):
        return None
    return tag.index, tag.total, [found[i] for i in sorted(found)]


def _check_files(files: list[Path], top: Path) -> int:
    with tempfile.TemporaryDirectory(prefix="patchscope-series-") as tmp:
        for number, path in enumerate(files):
            shutil.copyfile(path, Path(tmp) / f"{number:05d}.patch")
        return check(tmp, top)


def sendemail_validate(args: list[str]) -> int:
    if len(args) != 1:
        raise UsageError("sendemail-validate: expected one patch file (git passes it as $1)")
    patch = Path(args[0])
    top = _toplevel()
    counter = os.environ.get("GIT_SENDEMAIL_FILE_COUNTER")
    total = os.environ.get("GIT_SENDEMAIL_FILE_TOTAL")
    if not (counter and total and counter.isdigit() and total.isdigit()):
        if not has_diff(patch):
            return EXIT_OK  # a cover letter alone: nothing to check
        whole = series_files(patch)
        if whole is None:
            return check(str(patch), top)  # each patch alone
        # send-email validates every file before it sends any: checking the
        # series at its last patch still stops the whole send
        number, count, files = whole
        return EXIT_OK if number < count else _check_files(files, top)
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
        if not any(has_diff(p) for p in collect.iterdir()):
            return EXIT_OK
        return check(str(collect), top)
    finally:
        shutil.rmtree(collect, ignore_errors=True)


def _known_commit(top: Path, sha: str) -> bool:
    done = subprocess.run(["git", "-C", str(top), "cat-file", "-e", f"{sha}^{{commit}}"],
                          capture_output=True, check=False)
    return done.returncode == 0


def new_commits(top: Path, local_sha: str, remote_sha: str, remote: str) -> list[str]:
    """The commits *local_sha* adds that the remote has not, oldest first.

    What the remote has is what its remote-tracking refs hold, plus the
    pushed ref's remote tip when that commit is here; a tip that is not in
    the object store (someone else's push, never fetched) is simply not
    known, and what is new is checked.  Nothing is fetched.
    """
    exclude = [f"--remotes={remote}"]
    if remote_sha != ZERO_SHA and _known_commit(top, remote_sha):
        exclude.append(remote_sha)
    out = _git(top, "rev-list", "--reverse", "--topo-order", local_sha, "--not", *exclude)
    return out.split()


def _parents(top: Path, sha: str) -> list[str]:
    return _git(top, "rev-list", "--parents", "-n", "1", sha).split()[1:]


def pushed_ranges(top: Path, commits: list[str]) -> list[tuple[str, str]]:
    """(base, tip) ranges that hold exactly *commits* and no other.

    A linear run of commits is one range, checked as one series; with a
    merge among them each commit other than the merges is checked alone,
    so that nothing the remote already has comes back through a merge.
    """
    parents = {sha: _parents(top, sha) for sha in commits}
    linear = all(len(parents[c]) == 1 for c in commits) and all(
        parents[c] == [prev] for prev, c in zip(commits, commits[1:], strict=False))
    if linear and commits:
        return [(parents[commits[0]][0], commits[-1])]
    return [(parents[c][0], c) for c in commits if len(parents[c]) == 1]


def pre_push(args: list[str], stdin: Iterable[str]) -> int:
    """Check what a push adds; pre-commit passes the range in its environment."""
    top = _toplevel()
    from_ref = os.environ.get("PRE_COMMIT_FROM_REF")
    to_ref = os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        remote = os.environ.get("PRE_COMMIT_REMOTE_NAME", "origin")
        updates = [(to_ref, from_ref)]
    else:
        remote = args[0] if args else "origin"
        updates = []
        for line in stdin:
            words = line.split()
            if len(words) == 4 and words[1] != ZERO_SHA:  # a deletion pushes no commit
                updates.append((words[1], words[3]))
    worst = EXIT_OK
    for local_sha, remote_sha in updates:
        commits = new_commits(top, local_sha, remote_sha, remote)
        if len(commits) > MAX_PUSHED_COMMITS:
            print(f"patchscope: {len(commits)} commits are new to {remote}, more than a "
                  f"series; none is checked (run patchscope check BASE..{local_sha[:12]})",
                  file=sys.stderr)
            continue
        for base, tip in pushed_ranges(top, commits):
            worst = max(worst, check(f"{base}..{tip}", top, base=base))
    return worst


def run(kind: str, args: list[str]) -> int:
    """Run hook *kind*; only what is shown wrong (exit 1) blocks."""
    try:
        if kind == "sendemail-validate":
            code = sendemail_validate(args)
        elif kind == "pre-push":
            code = pre_push(args, sys.stdin)
        else:
            raise UsageError(f"no hook called {kind!r}")
    except PatchscopeError as err:
        print(f"patchscope: {err} (the {kind} check is skipped)", file=sys.stderr)
        return EXIT_OK
    except Exception as err:  # noqa: BLE001 - a tool problem never blocks a send
        if os.environ.get("PATCHSCOPE_DEBUG"):
            raise
        print(f"patchscope: internal error: {type(err).__name__}: {err} "
              f"(the {kind} check is skipped; set PATCHSCOPE_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return EXIT_OK
    if code not in (EXIT_OK, EXIT_FINDINGS):
        print(f"patchscope: internal error (exit {code}), see above; the {kind} check "
              "does not block", file=sys.stderr)
        return EXIT_OK
    return code
