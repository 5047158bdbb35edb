"""What each patch lets us see of a C file: hunk windows, or whole old and new files.

A :class:`Unit` is one old/new pair of texts: in mbox mode a hunk's old and
new windows (the context and removed lines, the context and added lines),
in tree mode the whole file before and after the patch, with its parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from patchscope.core import FileChange, Hunk, TreeWindow
from patchscope.csource.parse import ParsedFile
from patchscope.csource.scan import RawDecl, Source, function_name_in

C_SUFFIXES = (".c", ".h")


def is_c_file(path: str) -> bool:
    """Whether *path* holds C the analysis reads (.c and .h)."""
    return path.endswith(C_SUFFIXES)


@dataclass
class Unit:
    """One old/new pair of texts of a file: a hunk's windows, or whole files."""

    path: str
    change: FileChange
    old: Source | None  # None: the file does not exist on that side
    new: Source | None
    old_parsed: ParsedFile | None = None  # tree mode only
    new_parsed: ParsedFile | None = None
    hunk_index: int | None = None  # mbox mode: which hunk of the file
    section: str = ""  # mbox mode: the hunk header's section text

    @property
    def whole(self) -> bool:
        return self.hunk_index is None


def window_source(path: str, lines: list[str], first_line: int) -> Source:
    """A hunk window's lines as a :class:`Source` starting at *first_line*."""
    text = "\n".join(lines) + "\n" if lines else ""
    return Source(path=path, text=text, first_line=max(first_line, 1), whole=False)


def hunk_units(fc: FileChange) -> list[Unit]:
    """One unit per hunk of a C file: its old and new windows."""
    units = []
    for i, hunk in enumerate(fc.hunks):
        old_first = hunk.old_start if hunk.old_length else hunk.old_start + 1
        new_first = hunk.new_start if hunk.new_length else hunk.new_start + 1
        units.append(
            Unit(
                path=fc.path,
                change=fc,
                old=None
                if fc.is_new
                else window_source(fc.old_path or fc.path, hunk.old_window, old_first),
                new=None if fc.is_deleted else window_source(fc.path, hunk.new_window, new_first),
                hunk_index=i,
                section=hunk.section,
            )
        )
    return units


def locate_window(lines: list[str], window: list[str], hint: int) -> int | None:
    """The file line where *window* stands in *lines*, the nearest to *hint*.

    git applies a hunk where its context matches, which on a tree a few
    commits away from the series' base is not the line the ``@@`` names.
    """
    if not window:
        return hint
    n = len(window)
    best: int | None = None
    for i in range(len(lines) - n + 1):
        if lines[i] == window[0] and lines[i : i + n] == window:
            line = i + 1
            if best is None or abs(line - hint) < abs(best - hint):
                best = line
    return best


# lines of context a tree window keeps around a change: enough for a long
# declarator above a changed body line, or a call's opening line
TREE_CONTEXT = 40


def tree_windows(old_text: str | None, new_text: str | None) -> list[TreeWindow]:
    """The changes between the whole old and new file, grouped with wide context."""
    old = (old_text or "").split("\n")
    new = (new_text or "").split("\n")
    out = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(TREE_CONTEXT):
        i1, j1 = group[0][1], group[0][3]
        i2, j2 = group[-1][2], group[-1][4]
        old_changed = [i + 1 for tag, a, b, _, _ in group if tag != "equal" for i in range(a, b)]
        new_changed = [j + 1 for tag, _, _, c, d in group if tag != "equal" for j in range(c, d)]
        out.append(TreeWindow(i1 + 1, old[i1:i2], j1 + 1, new[j1:j2], old_changed, new_changed))
    return out


def _side(hunk: Hunk, side: str) -> tuple[int, list[str]]:
    if side == "old":
        return hunk.old_start, hunk.old_window
    return hunk.new_start, hunk.new_window


_LABEL = re.compile(r"^[A-Za-z_]\w*:(?!:)")


def _starts_past_the_function(window: list[str]) -> bool:
    """Whether a later hunk of the same section shows top-level code before any
    closing brace: the function ended in the lines between the hunks.

    A hunk header names the last function header above the hunk, which may
    have ended already (``@@ ... @@ static int f(...)`` over the next
    function).  Inside a kernel function, only a label, a preprocessor line,
    a comment and the closing ``}`` start at column 0.
    """
    for line in window:
        if line.startswith("}"):
            return False
        if not line or line[0] in " \t#/*" or _LABEL.match(line):
            continue
        return True
    return False


Span = tuple[int, int, int, int]  # (line, column) from, (line, column) to, exclusive


def position(src: Source, offset: int) -> tuple[int, int]:
    """File line and 1-based byte column of byte *offset* of *src*."""
    before = src.data.rfind(b"\n", 0, offset)
    line = src.data.count(b"\n", 0, offset) + src.first_line
    return line, offset - before


def visible_body(unit: Unit, side: str, decl: RawDecl) -> tuple[str | None, bool, list[Span]]:
    """The body of the definition *decl* as far as the patch shows it, whether
    that is all of it, and where each piece of it stands in the file.

    Whole files and bodies ending inside the window give the exact body.
    Otherwise the following hunks of the same function are appended, each gap
    marked by a comment naming the lines the patch does not show.
    """
    src = unit.old if side == "old" else unit.new
    if src is None or decl.body_start is None:
        return None, False, []
    if decl.body_end is not None:
        span = (*position(src, decl.body_start), *position(src, decl.body_end))
        return src.slice(decl.body_start, decl.body_end), True, [span]
    first = src.slice(decl.body_start, len(src.data)).rstrip("\n")
    parts = [first]
    shown_until = src.first_line + src.text.count("\n") - 1
    spans: list[Span] = [(*position(src, decl.body_start), shown_until + 1, 1)]
    if unit.hunk_index is None:
        return parts[0], False, spans
    for hunk in unit.change.hunks[unit.hunk_index + 1 :]:
        if function_name_in(hunk.section) != decl.name:
            break
        start, window = _side(hunk, side)
        if _starts_past_the_function(window):
            break
        parts.append(
            f"\t/* patchscope: lines {shown_until + 1}-{start - 1} are not in the patch */"
        )
        end = next((i for i, line in enumerate(window) if line.startswith("}")), None)
        if end is not None:
            parts.append("\n".join(window[: end + 1]))
            spans.append((start, 1, start + end + 1, 1))
            break
        parts.append("\n".join(window))
        spans.append((start, 1, start + len(window), 1))
        shown_until = start + len(window) - 1
    return "\n".join(parts), False, spans
