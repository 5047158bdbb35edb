"""Pad a fixture tree with unrelated lines, keeping track of where every line went.

A tree a few commits away from a series' base has the functions the series
touches at other line numbers: comments, blank lines and unrelated functions
came in above, between and after them.  :func:`pad` makes such a tree from a
file's text and the hunks of the series that will be applied to it:
padding goes only at top level (at the top of the file, after an
``#include``, after a function's or a comment's closing line, at the end)
and never inside a hunk's lines, so the series still applies, at an offset.
:class:`Padded` maps the padded file's line numbers back to the original's,
old side and new side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from patchscope.core import Hunk

# a line after which top-level code may follow
_TOP_LEVEL_END = re.compile(r"^(}|};|#include .*| \*/)$")


def insertion_points(text: str, hunks: list[Hunk]) -> list[int]:
    """Line counts *p* (padding goes after the first *p* lines) at top level,
    outside every hunk's old lines."""
    lines = text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")
    points = []
    for p in range(len(lines) + 1):
        if not (p in (0, len(lines)) or _TOP_LEVEL_END.match(lines[p - 1])):
            continue
        if any(h.old_start <= p <= h.old_start + h.old_length - 2 for h in hunks):
            continue  # between two lines of one hunk: it would no longer apply
        points.append(p)
    return points


@dataclass
class Padded:
    """One file padded: its texts and the padding's places on each side."""

    old: str
    new: str | None  # the padded file after the series (None: not computed)
    old_pad: list[bool] = field(default_factory=list)  # per padded old line: padding?
    new_pad: list[bool] = field(default_factory=list)

    def original_line(self, line: int, side: str = "new") -> int | None:
        """The line of the unpadded file that padded *line* is (None: padding)."""
        pad = self.new_pad if side == "new" else self.old_pad
        if line < 1 or line > len(pad) or pad[line - 1]:
            return None
        return line - sum(pad[: line - 1])


def _insert(text: str, chunks: list[tuple[int, list[str]]]) -> tuple[str, list[bool]]:
    ends = text.endswith("\n")
    lines = text.split("\n")[:-1] if ends else text.split("\n")
    out: list[str] = []
    pad: list[bool] = []
    by_point: dict[int, list[str]] = {}
    for point, chunk in chunks:
        by_point.setdefault(point, []).extend(chunk)
    for p in range(len(lines) + 1):
        extra = by_point.get(p, [])
        out.extend(extra)
        pad.extend([True] * len(extra))
        if p < len(lines):
            out.append(lines[p])
            pad.append(False)
    return "\n".join(out) + ("\n" if ends else ""), pad


def pad(
    old: str, new: str | None, hunks: list[Hunk], chunks: list[tuple[int, list[str]]]
) -> Padded:
    """*old* with each chunk's lines inserted after its point's first lines
    (points from :func:`insertion_points`), and *new* (*old* after *hunks*)
    padded to match: the same chunks, moved by the hunks above them."""
    padded_old, old_pad = _insert(old, chunks)
    result = Padded(padded_old, None, old_pad)
    if new is not None:
        moved = [
            (
                p
                + sum(
                    h.new_length - h.old_length
                    for h in hunks
                    if h.old_start + h.old_length - 1 <= p
                ),
                chunk,
            )
            for p, chunk in chunks
        ]
        result.new, result.new_pad = _insert(new, moved)
    return result
