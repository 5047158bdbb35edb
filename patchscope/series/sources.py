"""Where a series comes from: files, directories, stdin, or a git range.

Everything ends up as raw messages (bytes), yielded one at a time: a plain
mailbox file is split as it is read (:func:`patchscope.series.mbox.iter_mbox`),
never held whole; compressed files, stdin and git's output are read whole
first.  Nothing here decodes mail.  Errors name the input and the problem in
one line (InputError).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import BinaryIO

from patchscope.errors import InputError
from patchscope.series.mbox import iter_mbox, lines_of, looks_like_mbox, split_mbox

_PATCH_SUFFIXES = (".patch", ".eml", ".mbox", ".mbx", ".diff", ".txt", ".gz")
_RANGE = re.compile(r"^[^\s-][^\s]*\.\.\.?[^\s]*$|^[^\s-][^\s]*\.\.$")
_BARE_DIFF = ("diff --git ", "Index: ", "--- ")
_MAX_CONTROL_RATIO = 0.05
_HEAD = 65536  # what the text check reads
_COMPRESSED = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def _decompress(label: str, data: bytes) -> bytes:
    try:
        if data[:2] == b"\x1f\x8b":
            return gzip.decompress(data)
        if data[:3] == b"BZh":
            return bz2.decompress(data)
        if data[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(data)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as err:
        raise InputError(label, f"corrupt compressed data ({err})") from None
    return data


def _check_text(label: str, data: bytes) -> None:
    if not data.strip():
        raise InputError(label, "empty input, no patch to read")
    _check_head(label, data[:_HEAD])


def _check_head(label: str, head: bytes) -> None:
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or control > _MAX_CONTROL_RATIO * len(head):
        raise InputError(label, "binary data, not a mailbox or patch")


def split_messages(label: str, data: bytes) -> list[bytes]:
    """Raw messages of one file's contents (mbox, one mail, or a bare diff)."""
    data = _decompress(label, data)
    _check_text(label, data)
    data = data.replace(b"\r\n", b"\n").lstrip(b"\n")
    if looks_like_mbox(data):
        return split_mbox(data)
    if data.startswith(tuple(p.encode() for p in _BARE_DIFF)):
        # A diff with no mail around it: make one, titled after the file.
        title = os.path.basename(label) or "stdin"
        return [f"Subject: {title}\n\n".encode() + data]
    return [data]


def _open(label: str, path: str) -> BinaryIO:
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by _stream_file
    except PermissionError:
        raise InputError(label, "permission denied") from None
    except IsADirectoryError:
        raise InputError(label, "is a directory") from None
    except OSError as err:
        raise InputError(label, f"cannot read: {err.strerror or err}") from None


def _blank(f: BinaryIO, head: bytes) -> bool:
    """Whether the file holds only whitespace (read on past *head* only while it does)."""
    while head:
        if head.strip():
            return False
        head = f.read(_HEAD)
    return True


def _stream_file(label: str, f: BinaryIO, skip_empty: bool = False) -> Iterator[bytes]:
    """The raw messages of an open file, as :func:`split_messages` gives them; a
    plain mailbox is split while it is read."""
    with f:
        try:
            head = f.read(_HEAD)
            if head.startswith(_COMPRESSED) or not looks_like_mbox(
                    head.replace(b"\r\n", b"\n").lstrip(b"\n")):
                data = head + f.read()  # one mail, a bare diff, or compressed
                if not (skip_empty and not data.strip()):
                    yield from split_messages(label, data)
                return
            if _blank(f, head):
                if skip_empty:
                    return
                raise InputError(label, "empty input, no patch to read")
            _check_head(label, head)
            f.seek(0)
            yield from iter_mbox(lines_of(f))
        except OSError as err:
            raise InputError(label, f"cannot read: {err.strerror or err}") from None


def _read_directory(label: str, path: str) -> Iterator[bytes]:
    try:
        names = sorted(os.listdir(path))
    except OSError as err:
        raise InputError(label, f"cannot list directory: {err.strerror or err}") from None
    files = [
        n
        for n in names
        if n.endswith(_PATCH_SUFFIXES)
        and not n.startswith(".")
        and os.path.isfile(os.path.join(path, n))
    ]
    if not files:
        raise InputError(label, "directory holds no .patch, .eml or .mbox files")
    return chain.from_iterable(
        _stream_file(os.path.join(label, name), _open(os.path.join(label, name),
                                                      os.path.join(path, name)), skip_empty=True)
        for name in files)


def looks_like_range(source: str) -> bool:
    """``A..B``, ``A...B`` or ``A..``: something git may resolve to commits."""
    return bool(_RANGE.match(source))


def _git_out(cwd: str, *args: str) -> str | None:
    """stdout of a read-only git command in *cwd*, None when it fails."""
    try:
        done = subprocess.run(["git", "-C", cwd, *args], capture_output=True, text=True,
                              check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def is_revision(source: str, cwd: str) -> bool:
    """A single revision (``HEAD~1``, a sha, a tag) of the repository at *cwd*."""
    if not source or source.startswith("-") or os.path.exists(source):
        return False
    return _git_out(cwd, "rev-parse", "--verify", "--quiet", "--end-of-options",
                    f"{source}^{{commit}}") is not None


def revision_toplevel(sources: list[str], cwd: str) -> str | None:
    """The checkout at *cwd* when every source is a revision range or a revision in it."""
    if not sources or any(os.path.exists(s) or s == "-" for s in sources):
        return None
    if not all(looks_like_range(s) or is_revision(s, cwd) for s in sources):
        return None
    top = _git_out(cwd, "rev-parse", "--show-toplevel")
    return top or None


def _read_range(source: str, cwd: str, single: bool = False) -> list[bytes]:
    """The commits of range *source*, or (*single*) the one commit it names."""
    import git  # GitPython; imported late, it is slow to import

    try:
        repo = git.Repo(cwd, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InputError(
            source, f"no such file, and {cwd} is not in a git repository for a revision range"
        ) from None
    try:
        # format-patch only reads objects: the worktree, index and refs stay as they are.
        out = repo.git.execute(
            [
                "git",
                "-c",
                "format.coverLetter=false",
                "format-patch",
                "--stdout",
                "--no-cover-letter",
                *(["-1"] if single else []),
                "--end-of-options",
                source,
            ],
            stdout_as_string=False,
        )
    except git.GitCommandError as err:
        stderr = str(err.stderr or "").strip().splitlines()
        reason = stderr[-1].strip().removeprefix("stderr: ").strip("'") if stderr else "failed"
        raise InputError(
            source, f"not a file, and git cannot read it as a range: {reason}"
        ) from None
    finally:
        repo.close()
    assert isinstance(out, bytes)
    if not out.strip():
        raise InputError(source, "revision range holds no commits")
    return split_mbox(out.replace(b"\r\n", b"\n"))


def read_messages(source: str, *, cwd: str) -> tuple[str, Iterable[bytes]]:
    """The raw messages of SOURCE and the label to name it by in messages.

    The messages are read as they are iterated over (a file's problems that
    show only inside it, too): an error in opening SOURCE is raised here.

    SOURCE is a file (mbox, gzip/bzip2/xz mbox, .patch, .eml), a directory of
    format-patch files, ``-`` for stdin, a revision range in the git
    repository at *cwd*, or one revision there (that commit alone).
    """
    if source == "-":
        label = "<stdin>"
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError(label, "is a terminal; pipe a series into it")
        return label, split_messages(label, sys.stdin.buffer.read())
    if os.path.isdir(source):
        return source, _read_directory(source, source)
    if os.path.exists(source):
        return source, _stream_file(source, _open(source, source))
    if looks_like_range(source):
        return source, _read_range(source, cwd)
    if is_revision(source, cwd):
        return source, _read_range(source, cwd, single=True)  # that commit, as git show
    if os.sep in source or source.endswith(_PATCH_SUFFIXES):
        raise InputError(source, "no such file or directory")
    raise InputError(source, "no such file or directory, nor a revision of a git repository")
