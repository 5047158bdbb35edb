"""Splitting a mailbox into raw messages.

:mod:`mailbox` is not used on purpose: it starts a new message at every body
line beginning with ``From ``, which ``git format-patch --stdout`` never
quotes, and it leaves mboxrd's ``>From`` quoting in place.

The split streams: :func:`iter_mbox` reads lines one at a time and yields
each message when the next ``From_`` line (or the end) is reached, so a
mailbox of any size is never held whole, as one string or as a list of lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

# "From <sender> <asctime date>", e.g. "From mailer@z Thu Jan  1 00:00:00 1970"
# or "From 3f2a9c... Mon Sep 17 00:00:00 2001" (format-patch).
_FROM_LINE = re.compile(
    rb"^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +"
    rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +"
    rb"\d{1,2}:\d\d(?::\d\d)?(?: +\S+)*? +\d{4}(?: +\S+)?\s*$"
)
_HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
# mboxrd (and mboxo) quote "From " body lines as ">From "; undo one level.
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def looks_like_mbox(data: bytes) -> bool:
    """Whether *data* starts with an mbox ``From_`` separator line."""
    first = data.split(b"\n", 1)[0]
    return bool(_FROM_LINE.match(first))


def lines_of(stream: BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    """The lines of *stream* as ``data.replace(b"\\r\\n", b"\\n").lstrip(b"\\n")
    .split(b"\\n")`` gives them, without reading it whole."""
    leading = True
    ended = True
    for line in stream:
        ended = line.endswith(b"\n")
        piece = (line[:-2] if line.endswith(b"\r\n") else line[:-1]) if ended else line
        if leading and ended and not piece:
            continue  # the leading newlines lstrip drops
        leading = False
        yield piece
    if ended:
        yield b""  # what split gives after a final newline


def iter_mbox(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The messages of an mbox given as lines without their newlines (see
    :func:`split_mbox`), each yielded as soon as it ends."""
    current: list[bytes] | None = None
    it = iter(lines)
    line = next(it, None)
    while line is not None:
        following = next(it, None)
        # A separator is followed by the next message's headers; a commit message
        # line that merely starts with "From " and a date is not.
        if (line.startswith(b"From ") and following is not None
                and _FROM_LINE.match(line) and _HEADER_LINE.match(following)):
            if current is not None:
                raw = _finish(current)
                if raw.strip():
                    yield raw
            current = []
        elif current is not None:
            # Text before the first separator is not part of any message.
            current.append(line)
        line = following
    if current is not None:
        raw = _finish(current)
        if raw.strip():
            yield raw


def split_mbox(data: bytes) -> list[bytes]:
    """Split an mbox (mboxo, mboxrd or unquoted format-patch output).

    Each message is returned without its ``From_`` line, with one level of
    ``>From`` quoting removed and the blank separator line before the next
    ``From_`` line dropped.
    """
    return list(iter_mbox(data.split(b"\n")))


def _finish(lines: list[bytes]) -> bytes:
    # only empty lines: a line of one space is a diff's blank context line
    # (the last of a patch sent without a signature)
    while lines and not lines[-1].rstrip(b"\r"):
        lines.pop()
    raw = b"\n".join(lines) + b"\n"
    return _QUOTED_FROM.sub(rb"\1", raw)
