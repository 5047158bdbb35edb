"""What a refactor-shape proof hands to the verdict and the whole-patch accounting.

A shape proof (:mod:`.hoist`) compares code that moved between functions: it
does not change a signature, so it has no :class:`~patchscope.core.SignatureChange`
to hang on.  It names instead the exact token ranges it compared, old and new
side, with the spellings it saw there; the accounting excises a range only
when the window it lexes shows exactly those tokens (a range a window cuts
stays in the comparison, and so unaccounted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from patchscope.clang import Token, blank_cut_comment
from patchscope.clex import tokenize
from patchscope.core import Patch

C_SUFFIXES = (".c", ".h")
# keywords before `name (` that make it a call, not a declarator
_NOT_A_TYPE = {"return", "sizeof", "case", "else", "do", "goto", "typeof", "__typeof__"}

Span = tuple[int, int, int, int]  # (line, column) from, (line, column) to, exclusive


@dataclass(frozen=True)
class Tok:
    """A token placed in the file's lines (diff numbering in mbox mode, the tree's in tree mode)."""

    spelling: str
    kind: str
    line: int
    column: int
    text_line: str  # the whole source line it stands on

    @property
    def end(self) -> tuple[int, int]:
        return self.line, self.column + len(self.spelling.encode())


def lex_lines(lines: list[str], first: int) -> list[Tok]:
    """The code tokens of *lines* (the first being file line *first*), as the
    accounting lexes a window."""
    if not lines:
        return []
    text = blank_cut_comment("\n".join(lines) + "\n")
    toks: list[Token] = tokenize(text)
    return [Tok(t.spelling, t.kind, first + t.line - 1, t.column, lines[t.line - 1])
            for t in toks]


def span_of(toks: list[Tok], i: int, j: int) -> Span:
    """From token *i* to token *j* inclusive."""
    return (toks[i].line, toks[i].column, *toks[j].end)


@dataclass
class Region:
    """One pair of token ranges a shape proof compared (``None``: nothing on that side)."""

    key: str
    file: str
    old: Span | None
    new: Span | None
    old_spellings: tuple[str, ...] = ()
    new_spellings: tuple[str, ...] = ()


@dataclass
class ShapeProof:
    """The outcome of one shape rule applied to one function."""

    function: str
    file: str
    line: int
    label: str  # what the accounting names as covering the lines
    proved: bool
    reason: str  # one sentence, ``proved: ...`` or ``not proved: ...``
    method: str
    steps: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what tree mode looked up instead
    regions: list[Region] = field(default_factory=list)


# ------------------------------------------------------------------ C tokens
# what the shape rules share: the old/new views of a patch, and a reading of
# definitions, calls and argument lists over their tokens


@dataclass
class Side:
    toks: list[Tok]
    directive: set[int]  # file lines of preprocessor directives (with continuations)


@dataclass
class View:
    file: str
    old: Side
    new: Side
    section: str = ""  # the hunk header's section (mbox)


def side_of(lines: list[str], first: int) -> Side:
    directive: set[int] = set()
    going = False
    for n, line in enumerate(lines):
        if going or line.lstrip().startswith("#"):
            directive.add(first + n)
            going = line.rstrip().endswith("\\")
    return Side(lex_lines(lines, first), directive)


def views_of(patch: Patch, tree: bool) -> list[View] | str:
    """The old/new pairs of every C file: hunks (mbox), whole files (tree)."""
    out = []
    for fc in patch.files:
        if not fc.path.endswith(C_SUFFIXES) or fc.is_binary:
            continue
        if tree:
            if fc.tree_old_text is None or fc.tree_new_text is None:
                return f"the whole old and new {fc.path} are not known"
            out.append(View(fc.path, side_of(fc.tree_old_text.split("\n"), 1),
                             side_of(fc.tree_new_text.split("\n"), 1)))
            continue
        for h in fc.hunks:
            old_first = h.old_start if h.old_length else h.old_start + 1
            new_first = h.new_start if h.new_length else h.new_start + 1
            out.append(View(fc.path, side_of(h.old_window, old_first),
                             side_of(h.new_window, new_first), h.section))
    return out


def match(toks: list[Tok], k: int) -> int | None:
    """The index of the bracket closing the one at *k*."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    opening, closing = toks[k].spelling, pairs[toks[k].spelling]
    depth = 0
    for j in range(k, len(toks)):
        s = toks[j].spelling
        if s == opening:
            depth += 1
        elif s == closing:
            depth -= 1
            if depth == 0:
                return j
    return None


def match_back(toks: list[Tok], j: int) -> int | None:
    """The index of the ``(`` that the ``)`` at *j* closes."""
    depth = 0
    for k in range(j, -1, -1):
        s = toks[k].spelling
        if s == ")":
            depth += 1
        elif s == "(":
            depth -= 1
            if depth == 0:
                return k
    return None


def is_declarator(toks: list[Tok], k: int) -> bool:
    if k == 0:
        return False
    prev = toks[k - 1]
    if prev.spelling == "*":
        return True
    return prev.kind in ("IDENTIFIER", "KEYWORD") and prev.spelling not in _NOT_A_TYPE


@dataclass
class Use:
    kind: str  # "definition" | "prototype" | "call" | "value"
    k: int  # index of the name
    close: int | None = None  # index of the `)` after it


def uses(toks: list[Tok], name: str) -> list[Use]:
    out = []
    for k, t in enumerate(toks):
        if t.spelling != name or t.kind != "IDENTIFIER":
            continue
        if k and toks[k - 1].spelling in (".", "->"):
            continue  # a member spelled like the function, not the function
        if k + 1 >= len(toks) or toks[k + 1].spelling != "(":
            out.append(Use("value", k))
            continue
        close = match(toks, k + 1)
        if close is None:
            out.append(Use("value", k))  # runs past the window: not seen whole
            continue
        after = toks[close + 1].spelling if close + 1 < len(toks) else ""
        if is_declarator(toks, k):
            out.append(Use("definition" if after == "{" else "prototype", k, close))
        else:
            out.append(Use("call", k, close))
    return out


class _Spelled(Protocol):
    @property
    def spelling(self) -> str: ...


_T = TypeVar("_T", bound=_Spelled)


def groups(toks: list[_T], start: int, end: int) -> list[list[_T]]:
    """The comma-separated groups of toks[start:end] at bracket depth 0 (a
    trailing comma's empty group left out); for lexed tokens and :class:`Tok`."""
    out: list[list[_T]] = [[]]
    depth = 0
    for t in toks[start:end]:
        if t.spelling in "([{":
            depth += 1
        elif t.spelling in ")]}":
            depth -= 1
        if t.spelling == "," and depth == 0:
            out.append([])
        else:
            out[-1].append(t)
    return [g for g in out if g]


def text_of(toks: list[Tok]) -> str:
    return " ".join(t.spelling for t in toks)


def head_start(toks: list[Tok], k: int) -> int:
    j = k
    while j > 0 and (toks[j - 1].kind in ("IDENTIFIER", "KEYWORD") or toks[j - 1].spelling == "*"):
        j -= 1
    return j


class Refused(Exception):
    """The shape does not hold: why, in one sentence."""
