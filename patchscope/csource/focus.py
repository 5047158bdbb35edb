"""Lexing only the parts of a large file that matter.

Lexing a whole kernel file token by token through libclang's Python binding
costs far more than parsing it.  Calls of one function and declarators inside
a hunk need only a few lines around them, so :class:`~.scan.Source` can be
restricted to byte regions: each is lexed alone and the tokens shifted back
to file offsets.  A region never starts inside a comment or a string literal
(found by one regular expression over the file).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from patchscope import clang
from patchscope.clang import Token

# comments and string/char literals; what is not matched here is code
_NOT_CODE = re.compile(
    rb"//[^\n]*|/\*.*?(?:\*/|\Z)|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S
)


class CodeMap:
    """Where a file's comments and string literals are, for quick lookups."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        spans = [(m.start(), m.end()) for m in _NOT_CODE.finditer(data)]
        self.starts = [s for s, _ in spans]
        self.spans = spans

    def span_at(self, pos: int) -> tuple[int, int] | None:
        """The comment or literal span holding *pos*, if any."""
        i = bisect.bisect_right(self.starts, pos) - 1
        if i >= 0 and self.spans[i][0] <= pos < self.spans[i][1]:
            return self.spans[i]
        return None

    def code_occurrences(self, name: str) -> list[int]:
        """Offsets of *name* as a whole word outside comments and strings."""
        pattern = re.compile(
            rb"(?<![A-Za-z0-9_])" + re.escape(name.encode()) + rb"(?![A-Za-z0-9_])"
        )
        return [m.start() for m in pattern.finditer(self.data) if self.span_at(m.start()) is None]

    def safe_start(self, pos: int) -> int:
        """*pos*, or the end of the comment or literal it falls in."""
        span = self.span_at(pos)
        return span[1] if span else pos


def match_brace(data: bytes, start: int) -> int | None:
    """Offset after the "}" closing the "{" at *start*, skipping comments and
    literals; None if the file ends first."""
    codemap = CodeMap(data)
    depth = 0
    pos = start
    while pos < len(data):
        span = codemap.span_at(pos)
        if span is not None:
            pos = span[1]
            continue
        c = data[pos]
        if c == 0x7B:  # {
            depth += 1
        elif c == 0x7D:  # }
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    return None


def line_start(data: bytes, pos: int, lines_back: int = 0) -> int:
    """Offset of the start of the line *lines_back* lines above the one holding *pos*."""
    start = data.rfind(b"\n", 0, pos) + 1
    for _ in range(lines_back):
        if start == 0:
            break
        start = data.rfind(b"\n", 0, start - 1) + 1
    return start


def line_end(data: bytes, pos: int) -> int:
    """Offset just after the newline ending the line that holds *pos*."""
    end = data.find(b"\n", pos)
    return len(data) if end < 0 else end + 1


def line_offsets(data: bytes, first: int, last: int) -> tuple[int, int]:
    """Byte range of file lines *first*..*last* (1-based, clamped)."""
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
    first = max(1, min(first, len(starts)))
    last = max(first, min(last, len(starts)))
    end = starts[last] if last < len(starts) else len(data)
    return starts[first - 1], end


def merge(regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching byte regions joined, in order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(regions):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _lexable(text: str) -> str:
    """Undecodable bytes (kept as surrogates) become '?': same length in bytes."""
    return re.sub("[\udc80-\udcff]", "?", text)


Lexer = Callable[[int, int], list[Token]]


def lex_regions(
    data: bytes, regions: list[tuple[int, int]], lexer: Lexer | None = None
) -> list[Token]:
    """Tokens of each region, with offsets, lines and columns of the whole file.

    *lexer*, when given, lexes a byte range of the file itself (a parse's
    buffer); otherwise each region is lexed alone.
    """
    codemap = CodeMap(data)
    out: list[Token] = []
    for start, end in merge(regions):
        start = codemap.safe_start(start)
        if start >= end:
            continue
        if lexer is not None:
            out.extend(lexer(start, end))
            continue
        piece = data[start:end].decode("utf-8", errors="surrogateescape")
        line0 = data.count(b"\n", 0, start)  # lines above the region
        col0 = start - line_start(data, start)
        for t in clang.tokenize(_lexable(piece)):
            out.append(
                Token(
                    kind=t.kind,
                    spelling=t.spelling,
                    start=t.start + start,
                    end=t.end + start,
                    line=t.line + line0,
                    column=t.column + (col0 if t.line == 1 else 0),
                )
            )
    return out
