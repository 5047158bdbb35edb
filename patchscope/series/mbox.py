"""Splitting a mailbox into raw messages.

:mod:`mailbox` is not used on purpose: it starts a new message at every body
line beginning with ``From ``, which ``git format-patch --stdout`` never
quotes, and it leaves mboxrd's ``>From`` quoting in place.
"""

from __future__ import annotations

import re

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


def _is_separator(lines: list[bytes], i: int) -> bool:
    line = lines[i]
    if not line.startswith(b"From ") or not _FROM_LINE.match(line):
        return False
    # A separator is followed by the next message's headers; a commit message
    # line that merely starts with "From " and a date is not.
    return i + 1 < len(lines) and bool(_HEADER_LINE.match(lines[i + 1]))


def split_mbox(data: bytes) -> list[bytes]:
    """Split an mbox (mboxo, mboxrd or unquoted format-patch output).

    Each message is returned without its ``From_`` line, with one level of
    ``>From`` quoting removed and the blank separator line before the next
    ``From_`` line dropped.
    """
    lines = data.split(b"\n")
    messages: list[bytes] = []
    current: list[bytes] | None = None
    for i, line in enumerate(lines):
        if _is_separator(lines, i):
            if current is not None:
                messages.append(_finish(current))
            current = []
            continue
        if current is None:
            # Text before the first separator: not part of any message.
            continue
        current.append(line)
    if current is not None:
        messages.append(_finish(current))
    return [m for m in messages if m.strip()]


def _finish(lines: list[bytes]) -> bytes:
    # only empty lines: a line of one space is a diff's blank context line
    # (the last of a patch sent without a signature)
    while lines and not lines[-1].rstrip(b"\r"):
        lines.pop()
    raw = b"\n".join(lines) + b"\n"
    return _QUOTED_FROM.sub(rb"\1", raw)
