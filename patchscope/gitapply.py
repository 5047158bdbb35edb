"""``git apply`` on a scratch index: the series applied as git applies it.

The index is a temporary file and every object git writes (the patched blobs,
the trees written to compare one state with the next) goes to a temporary
object directory; the repository's own objects are read through
``GIT_ALTERNATE_OBJECT_DIRECTORIES``.  So git's own rules decide whether and
where each hunk lands (it may move by any number of lines, its context and
removed lines must match exactly, no fuzz: what ``git am`` does with its
defaults), while the user's worktree, index, refs and object store are never
written.  ``--whitespace`` and ``--ignore-whitespace`` are pinned to git's
defaults so that a user's ``apply.*`` configuration does not change the text
the analysis reads: it is the text the mail shows.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import weakref
from dataclasses import dataclass

from patchscope.errors import TreeError

APPLY = ["apply", "--cached", "--verbose", "--whitespace=nowarn", "--no-ignore-whitespace", "-"]

_CHECKING = re.compile(r"^Checking patch (.*)\.\.\.$")
_MOVED = re.compile(r"^Hunk #(\d+) succeeded at \d+ \(offset (-?\d+) lines?\)\.$")
_FAILED_AT = re.compile(r"^error: patch failed: (.*):(\d+)$")
_EMPTY_BLOB = "0" * 40


@dataclass(frozen=True)
class Placement:
    """Where one hunk applied in the tree, in the convention of its ``@@`` numbers."""

    old_start: int
    new_start: int


@dataclass
class Rejection:
    """One reason git gave for refusing a patch."""

    path: str | None  # the file, when git names one
    old_line: int | None  # the old start line of the hunk that did not match, if known
    reason: str  # git's own words


class ApplyFailed(Exception):
    """``git apply`` refused a patch; nothing of it was applied."""

    def __init__(self, rejections: list[Rejection]) -> None:
        super().__init__("; ".join(r.reason for r in rejections))
        self.rejections = rejections


def _shown_path(name: str) -> str:
    """The new path of git's "old => new" (a rename) or the name itself."""
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1]
    return name.split(" => ", 1)[1] if " => " in name else name


def hunk_offsets(messages: str) -> dict[str, dict[int, int]]:
    """path -> {hunk index (0-based): offset in lines} from ``git apply --verbose``.

    git names only the hunks that moved; the others landed on their numbers.
    """
    out: dict[str, dict[int, int]] = {}
    current: str | None = None
    for line in messages.splitlines():
        checking = _CHECKING.match(line)
        if checking:
            current = _shown_path(checking.group(1))
            continue
        moved = _MOVED.match(line)
        if moved and current is not None:
            out.setdefault(current, {})[int(moved.group(1)) - 1] = int(moved.group(2))
    return out


def rejections(messages: str) -> list[Rejection]:
    """Why ``git apply`` refused a patch, one entry per file it names (in order)."""
    out: list[Rejection] = []
    for line in messages.splitlines():
        if not line.startswith(("error: ", "fatal: ")) or line == "error: while searching for:":
            continue
        failed = _FAILED_AT.match(line)
        if failed:
            path = failed.group(1)
            out.append(Rejection(path, int(failed.group(2)), line.removeprefix("error: ")))
            continue
        text = line.split(": ", 1)[1]
        named = text.split(": ", 1)[0] if ": " in text else None
        same = [r for r in out if named is not None and r.path == named]
        if same:
            same[-1].reason += f"; {text}"
        else:
            out.append(Rejection(named, None, text))
    return out or [Rejection(None, None, "git apply failed without saying why")]


class ScratchIndex:
    """A temporary index and object directory beside the repository at *root*."""

    def __init__(self, root: str) -> None:
        self.root = root
        objects = self._run(["rev-parse", "--git-path", "objects"], env=None).decode().strip()
        objects = os.path.join(root, objects)
        self.dir = tempfile.mkdtemp(prefix="patchscope-index-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.dir, True)
        os.mkdir(os.path.join(self.dir, "objects"))
        env = dict(os.environ)
        alternates = [objects] + [p for p in [env.get("GIT_ALTERNATE_OBJECT_DIRECTORIES")] if p]
        env.update(
            GIT_INDEX_FILE=os.path.join(self.dir, "index"),
            GIT_OBJECT_DIRECTORY=os.path.join(self.dir, "objects"),
            GIT_ALTERNATE_OBJECT_DIRECTORIES=os.pathsep.join(alternates),
            GIT_LITERAL_PATHSPECS="1",
            GIT_OPTIONAL_LOCKS="0",
            LC_ALL="C",  # git's messages are parsed
        )
        self.env: dict[str, str] | None = env

    def _run(self, args: list[str], env: dict[str, str] | None, data: bytes | None = None) -> bytes:
        done = self._try(args, env, data)
        if done.returncode != 0:
            why = done.stderr.decode(errors="replace").strip().splitlines()
            raise TreeError(f"{self.root}: git {args[0]} failed: {why[-1] if why else '?'}")
        return done.stdout

    def _try(
        self, args: list[str], env: dict[str, str] | None, data: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["git", *args], cwd=self.root, env=env, input=data, capture_output=True, check=False
        )

    def load(self, base: str, paths: list[str], overrides: dict[str, str]) -> str:
        """Fill the index with *paths* as they are in commit *base* (a path in
        *overrides* gets that blob instead); return the tree it writes."""
        listing = self._run(["ls-tree", "-r", "-z", base, "--", *paths], self.env) if paths else b""
        entries: dict[bytes, bytes] = {}
        for entry in listing.split(b"\0"):
            if entry:
                meta, _, name = entry.partition(b"\t")
                entries[name] = meta
        for path, sha in overrides.items():
            key = path.encode("utf-8", errors="surrogateescape")
            mode = entries.get(key, b"100644").split()[0]
            entries[key] = mode + b" blob " + sha.encode()
        info = b"".join(meta + b"\t" + name + b"\0" for name, meta in entries.items())
        self._run(["update-index", "-z", "--index-info"], self.env, info)
        return self.write_tree()

    def write_tree(self) -> str:
        return self._run(["write-tree"], self.env).decode().strip()

    def apply(self, diff: bytes) -> dict[str, dict[int, int]]:
        """Apply *diff* to the index; return the hunks git moved (see :func:`hunk_offsets`).

        Raises :class:`ApplyFailed` (the index unchanged) when git refuses it.
        """
        done = self._try(APPLY, self.env, diff)
        messages = done.stderr.decode(errors="replace")
        if done.returncode != 0:
            raise ApplyFailed(rejections(messages))
        return hunk_offsets(messages)

    def changes(self, old_tree: str, new_tree: str) -> dict[str, str | None]:
        """path -> new blob id (None: deleted) of every file that differs."""
        out = self._run(["diff-tree", "-r", "-z", "--no-renames", old_tree, new_tree], self.env)
        fields = out.split(b"\0")
        changed: dict[str, str | None] = {}
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                continue
            sha = meta.split()[3].decode()
            changed[path.decode("utf-8", errors="surrogateescape")] = (
                None if sha == _EMPTY_BLOB else sha
            )
        return changed

    def blobs(self, shas: list[str]) -> dict[str, bytes]:
        """The contents of the blobs *shas* (the repository's or the scratch ones)."""
        return cat_blobs(self.root, shas, self.env)

    def close(self) -> None:
        self._cleanup()


def cat_blobs(root: str, shas: list[str], env: dict[str, str] | None = None) -> dict[str, bytes]:
    """The contents of the blobs *shas*, in one ``git cat-file --batch``."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    done = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=root,
        env=env,
        input="".join(f"{sha}\n" for sha in wanted).encode(),
        capture_output=True,
        check=True,
    )
    out = done.stdout
    pos = 0
    blobs: dict[str, bytes] = {}
    for sha in wanted:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        if len(header) != 3 or not header[0].decode().startswith(sha):
            raise TreeError(f"{root}: git cat-file gave {header!r} for {sha}")
        size = int(header[2])
        blobs[sha] = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return blobs
