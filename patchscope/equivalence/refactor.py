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

from patchscope.clang import Token, blank_cut_comment
from patchscope.clex import tokenize

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
