"""Results of earlier runs, kept for repeated checks of the same input.

b4 checks each patch and git hooks run on every send, mostly on mails already
checked.  An entry is keyed by everything that decides a result: the input's
bytes, the options that change the output, and patchscope's own code and the
libraries it parses with (its source files' digest, the libraries' file sizes
and times, so that an edited or upgraded install never reads an old entry).
Nothing else is read on a hit, so a key leaving out something that matters
would give a stale answer: inputs whose result depends on more than their
bytes (``--tree``, revision ranges) are never cached here.

Entries live under ``$XDG_CACHE_HOME/patchscope`` (default ``~/.cache``), one
file each, written to a temporary file and renamed into place, so concurrent
runs see a whole entry or none; each carries a digest of its content and a
damaged one is ignored.  The directory is kept under :data:`MAX_BYTES` by
dropping the least recently used entries.  A cache that cannot be read or
written (read-only home, full disk) is no cache: the run goes on without it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

from patchscope import __version__

MAX_BYTES = 64 << 20
# an output bigger than this is not stored: a report of thousands of patches
# would push every other entry out, and holding a second copy of it to store
# would double the memory of the biggest checks
MAX_ENTRY = 8 << 20
_CHUNK = 1 << 20
_MAGIC = b"patchscope-cache 1\n"
# libraries whose behaviour reaches the output (parsing, splitting, proving)
_LIBRARIES = ("clang", "unidiff", "z3", "git")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "patchscope"


_code_digest: str | None = None


def code_digest() -> str:
    """patchscope's version and a digest of its source and of the libraries it uses."""
    global _code_digest
    if _code_digest is None:
        h = hashlib.sha256(f"{__version__}\n{sys.version}\n".encode())
        root = Path(__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
        for name in _LIBRARIES:  # where each is installed, and its files' sizes and times
            for entry in sys.path:
                pkg = os.path.join(entry or ".", name)
                if os.path.isdir(pkg):
                    for f in sorted(os.listdir(pkg)):
                        st = os.stat(os.path.join(pkg, f))
                        h.update(f"{name} {pkg} {f} {st.st_size} {st.st_mtime_ns}\n".encode())
                    break
        _code_digest = h.hexdigest()
    return _code_digest


def make_key(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


def _entry(key: str) -> Path:
    return cache_dir() / key[:2] / key


def get(key: str) -> bytes | None:
    """The content stored under *key*, or None (missing, damaged, unreadable)."""
    path = _entry(key)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 64
    if not raw.startswith(_MAGIC) or len(raw) < head + 1:
        return None
    digest, data = raw[len(_MAGIC):head], raw[head + 1:]
    if hashlib.sha256(data).hexdigest().encode() != digest:
        return None
    try:
        os.utime(path)  # recently used: kept longest
    except OSError:
        pass
    return data


def put(key: str, data: bytes) -> None:
    """Store *data* under *key*: atomically, and within the size bound (an
    entry over :data:`MAX_ENTRY` is not stored)."""
    if len(data) > MAX_ENTRY:
        return
    path = _entry(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_MAGIC + hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _trim(cache_dir(), MAX_BYTES)
    except OSError:
        return


def _trim(root: Path, limit: int) -> None:
    """Drop the least recently used entries until the cache is under 3/4 of *limit*."""
    entries = []
    total = 0
    for sub in root.iterdir():
        if not sub.is_dir():
            continue
        for f in sub.iterdir():
            try:
                st = f.stat()
            except OSError:  # removed by a concurrent run
                continue
            entries.append((st.st_mtime_ns, st.st_size, f))
            total += st.st_size
    if total <= limit:
        return
    for _, size, f in sorted(entries):
        f.unlink(missing_ok=True)
        total -= size
        if total <= limit * 3 // 4:
            break


def _file_digest(path: str) -> bytes:
    """Length and sha256 of a file, read in chunks (a mailbox is never held whole)."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return size.to_bytes(8, "little") + h.digest()


def source_bytes(source: str) -> bytes | None:
    """What decides a series source, when its bytes alone decide it; else None:
    its kind and the length and digest of each file it is read from.

    Standard input is read here and put back, so the reader sees the same bytes.
    """
    if source == "-":
        if sys.stdin is None or sys.stdin.isatty():
            return None
        data = sys.stdin.buffer.read()
        sys.stdin = io.TextIOWrapper(io.BytesIO(data))
        return b"stdin\0" + len(data).to_bytes(8, "little") + hashlib.sha256(data).digest()
    try:
        if os.path.isfile(source):
            return b"file\0" + _file_digest(source)
        if os.path.isdir(source):
            out = [b"dir\0"]
            for name in sorted(os.listdir(source)):  # every file: more than the reader reads
                p = os.path.join(source, name)
                if os.path.isfile(p):
                    out.append(name.encode() + b"\0" + _file_digest(p))
            return b"".join(out)
    except OSError:
        return None
    return None  # a revision range: the repository decides it


def output_key(source: str, settings: dict[str, object]) -> str | None:
    """The key of a check's output for *source* under *settings*, or None when
    that output is not cacheable."""
    data = source_bytes(source)
    if data is None:
        return None
    return make_key("check-output", code_digest(), json.dumps(settings, sort_keys=True), data)
