"""Token-level comparison of a function's old and new bodies.

The bodies are lexed by clang (comments dropped, so layout and comments never
count), assertion statements (``WARN_ON_ONCE(...);`` and kin) are set aside,
and the remaining streams are diffed token by token.  Each run of differing
tokens is widened to the smallest enclosing expression on both sides, and the
two expressions are parsed, so that the substitution search compares trees
(redundant parentheses gone), not text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from patchscope.cexpr.cparse import parse_tokens
from patchscope.cexpr.expr_ast import Expr
from patchscope.clang import Token, blank_cut_comment, tokenize
from patchscope.equivalence.uses import ASSIGN_OPS
from patchscope.errors import ParseError

# WARN_ON, WARN_ON_ONCE, WARN, WARN_ONCE, VM_WARN_ON*, BUG_ON, VM_BUG_ON*,
# BUILD_BUG_ON: their first argument is the condition.
_ASSERTION = re.compile(r"^(VM_)?(WARN|BUG|BUILD_BUG)(_ON)?(_ONCE)?(_[A-Z]+)?$")

_STOP = (
    frozenset({";", "{", "}", ",", "return", "case", "goto", "if", "while", "for", "do", "else"})
    | frozenset({"switch", "break", "continue"})
    | ASSIGN_OPS
)
_CONTROL = frozenset({"if", "while", "for", "switch"})
_STATEMENT_START = frozenset({";", "{", "}", "else", ")"})


def is_assertion(name: str) -> bool:
    return bool(_ASSERTION.match(name)) and name not in ("WARN_ON_SMP",)


@dataclass(frozen=True)
class Assertion:
    """One assertion statement: ``WARN_ON_ONCE(cond);``."""

    name: str  # "WARN_ON_ONCE" ...; "if" for a guarded statement
    condition: tuple[Token, ...]
    start: int  # token span in its stream, the ';' (or '}') included
    end: int
    rest: tuple[str, ...] = ()  # an if's guarded statement

    @property
    def spelling(self) -> tuple[str, ...]:
        return (self.name, *(t.spelling for t in self.condition), *self.rest)

    @property
    def guard(self) -> bool:
        return self.name == "if"

    @property
    def condition_text(self) -> str:
        return " ".join(t.spelling for t in self.condition)

    def parse_condition(self) -> Expr:
        return parse_tokens(list(self.condition), self.condition_text)

    def text(self) -> str:
        from patchscope.cexpr.expr_ast import to_c

        try:
            cond = to_c(self.parse_condition())
        except ParseError:
            cond = self.condition_text
        if self.guard:
            body = " ".join(self.rest)
            return f"if ({cond}) {body if len(body) < 40 else body[:36] + ' ...'}"
        return f"{self.name}({cond})"


# The line csource puts where a hunks-only body skips lines the patch does not show.
_GAP = re.compile(r"^\s*/\* patchscope: lines \d+-\d+ are not in the patch \*/\s*$", re.M)


def _drop_cut_comments(text: str, cut_start: bool = False) -> str:
    """Blank the tail of a comment whose start the patch does not show.

    A hunk often starts inside a comment (`` * Note: ... */``); lexed as code
    that prose would be compared token by token.  After each gap, text up to
    a ``*/`` that no ``/*`` opened is comment.
    """
    pieces = _GAP.split(text)
    gaps = _GAP.findall(text)
    out = [blank_cut_comment(pieces[0]) if cut_start else pieces[0]]
    for gap, piece in zip(gaps, pieces[1:], strict=True):
        out += [gap, blank_cut_comment(piece)]
    return "".join(out)


def body_tokens(text: str, cut_start: bool = False) -> list[Token]:
    """The tokens of *text*, comments (also ones cut by a hunk's edge) dropped.

    *cut_start*: the text is a hunk's window, which may begin inside a comment.
    """
    cleaned = _drop_cut_comments(text, cut_start)
    return [t for t in tokenize(cleaned) if t.kind != "COMMENT"]


def _matching(tokens: list[Token], open_index: int) -> int | None:
    depth = 0
    for k in range(open_index, len(tokens)):
        s = tokens[k].spelling
        if s in ("(", "["):
            depth += 1
        elif s in (")", "]"):
            depth -= 1
            if depth == 0:
                return k
    return None


def find_assertions(tokens: list[Token]) -> list[Assertion]:
    """Assertion statements standing alone (``NAME(cond, ...);``)."""
    out = []
    for k, t in enumerate(tokens):
        if t.kind != "IDENTIFIER" or not is_assertion(t.spelling):
            continue
        if k > 0 and tokens[k - 1].spelling not in _STATEMENT_START:
            continue
        if k + 1 >= len(tokens) or tokens[k + 1].spelling != "(":
            continue
        close = _matching(tokens, k + 1)
        if close is None or close + 1 >= len(tokens) or tokens[close + 1].spelling != ";":
            continue
        # the condition is the first argument
        depth, stop = 0, close
        for m in range(k + 2, close):
            s = tokens[m].spelling
            if s in ("(", "["):
                depth += 1
            elif s in (")", "]"):
                depth -= 1
            elif s == "," and depth == 0:
                stop = m
                break
        out.append(Assertion(t.spelling, tuple(tokens[k + 2 : stop]), k, close + 2))
    return out


def _matching_brace(tokens: list[Token], open_index: int) -> int | None:
    depth = 0
    for k in range(open_index, len(tokens)):
        s = tokens[k].spelling
        if s == "{":
            depth += 1
        elif s == "}":
            depth -= 1
            if depth == 0:
                return k
    return None


def find_guards(tokens: list[Token]) -> list[Assertion]:
    """``if (cond) statement;`` and ``if (cond) { ... }`` without an else."""
    out = []
    for k, t in enumerate(tokens):
        if t.spelling != "if" or t.kind != "KEYWORD":
            continue
        if k > 0 and tokens[k - 1].spelling not in (";", "{", "}"):
            continue  # "else if" and the like are part of a larger statement
        if k + 1 >= len(tokens) or tokens[k + 1].spelling != "(":
            continue
        close = _matching(tokens, k + 1)
        if close is None or close + 1 >= len(tokens):
            continue
        first = close + 1
        if tokens[first].spelling == "{":
            end = _matching_brace(tokens, first)
        elif tokens[first].spelling in _CONTROL or tokens[first].spelling in ("do", "else"):
            continue
        else:
            end = next((m for m in range(first, len(tokens)) if tokens[m].spelling == ";"
                        and _balanced(tokens[first:m])), None)
        if end is None or (end + 1 < len(tokens) and tokens[end + 1].spelling == "else"):
            continue
        rest = tuple(x.spelling for x in tokens[first : end + 1])
        out.append(Assertion("if", tuple(tokens[k + 2 : close]), k, end + 1, rest))
    return out


def _balanced(tokens: list[Token]) -> bool:
    depth = 0
    for t in tokens:
        if t.spelling in ("(", "[", "{"):
            depth += 1
        elif t.spelling in (")", "]", "}"):
            depth -= 1
    return depth == 0


def without(tokens: list[Token], spans: list[Assertion]) -> list[Token]:
    drop: set[int] = set()
    for a in spans:
        drop.update(range(a.start, a.end))
    return [t for k, t in enumerate(tokens) if k not in drop]


@dataclass
class Region:
    """A run of differing tokens widened to whole expressions on both sides."""

    old: list[Token]
    new: list[Token]

    @property
    def old_text(self) -> str:
        return " ".join(t.spelling for t in self.old)

    @property
    def new_text(self) -> str:
        return " ".join(t.spelling for t in self.new)


def _widen_left(tokens: list[Token], lo: int, hi: int) -> int:
    """First index of the expression holding tokens[lo:hi]."""
    # a run widened on the other side may reach past this side's ends
    lo, hi = max(lo, 0), min(hi, len(tokens))
    depth = 0
    closers: list[int] = []  # where each open group outside the run closes
    k = hi - 1
    while k >= 0:
        s = tokens[k].spelling
        if s in (")", "]"):
            depth += 1
            closers.append(k)
        elif s in ("(", "["):
            if depth == 0 and k < lo:
                return k + 1
            depth -= 1
            close = closers.pop() if closers else None
            # "if (a) x": the group is a statement's condition, not part of x
            if depth == 0 and k < lo and close is not None and k > 0 and (
                tokens[k - 1].spelling in _CONTROL
            ):
                return close + 1
        elif depth == 0 and k < lo and s in _STOP:
            return k + 1
        k -= 1
    return 0


def _widen_right(tokens: list[Token], lo: int, hi: int) -> int:
    """One past the last index of the expression holding tokens[lo:hi]."""
    lo, hi = max(lo, 0), min(hi, len(tokens))
    depth = 0
    k = lo
    while k < len(tokens):
        s = tokens[k].spelling
        if s in ("(", "["):
            depth += 1
        elif s in (")", "]"):
            if depth == 0 and k >= hi:
                return k
            depth -= 1
        elif depth == 0 and k >= hi and s in _STOP:
            return k
        k += 1
    return len(tokens)


def _top_level_comma(tokens: list[Token], lo: int, hi: int) -> bool:
    depth = 0
    for t in tokens[max(lo, 0) : hi]:
        if t.spelling in ("(", "[", "{"):
            depth += 1
        elif t.spelling in (")", "]", "}"):
            depth -= 1
        elif t.spelling == "," and depth == 0:
            return True
    return False


def _enclosing_call(
    tokens: list[Token], lo: int, hi: int, names: set[str]
) -> tuple[int, int] | None:
    """Widening (left, right) that takes in the call of one of *names* around
    tokens[lo:hi]."""
    depth = 0
    for k in range(lo - 1, -1, -1):
        s = tokens[k].spelling
        if s in (")", "]"):
            depth += 1
        elif s in ("(", "["):
            if depth == 0:
                close = _matching(tokens, k)
                if s == "(" and k > 0 and tokens[k - 1].spelling in names and close:
                    return lo - (k - 1), max(close + 1 - hi, 0)
                return None
            depth -= 1
    return None


def _lines(tokens: list[Token], lo: int, hi: int) -> list[tuple[tuple[str, ...], int, int]]:
    """Tokens lo..hi grouped by source line: (spellings, start, end)."""
    out: list[tuple[tuple[str, ...], int, int]] = []
    k = lo
    while k < hi:
        m = k
        while m < hi and tokens[m].line == tokens[k].line:
            m += 1
        out.append((tuple(t.spelling for t in tokens[k:m]), k, m))
        k = m
    return out


def differing_spans(old: list[Token], new: list[Token]) -> list[list[int]]:
    """[i1, i2, j1, j2] runs where the token streams differ.

    A token-level diff of whole bodies is quadratic on code's repetitive
    tokens, so the common ends are set aside, the rest is diffed line by
    line, and only differing lines token by token.
    """
    a = [t.spelling for t in old]
    b = [t.spelling for t in new]
    lo = 0
    while lo < len(a) and lo < len(b) and a[lo] == b[lo]:
        lo += 1
    hi_a, hi_b = len(a), len(b)
    while hi_a > lo and hi_b > lo and a[hi_a - 1] == b[hi_b - 1]:
        hi_a -= 1
        hi_b -= 1
    if lo == hi_a and lo == hi_b:
        return []
    lines_a, lines_b = _lines(old, lo, hi_a), _lines(new, lo, hi_b)
    by_line = difflib.SequenceMatcher(
        None, [x[0] for x in lines_a], [x[0] for x in lines_b], autojunk=False
    )
    spans: list[list[int]] = []
    for tag, l1, l2, m1, m2 in by_line.get_opcodes():
        if tag == "equal":
            continue
        i1 = lines_a[l1][1] if l1 < len(lines_a) else hi_a
        i2 = lines_a[l2 - 1][2] if l2 > l1 else i1
        j1 = lines_b[m1][1] if m1 < len(lines_b) else hi_b
        j2 = lines_b[m2 - 1][2] if m2 > m1 else j1
        tokens = difflib.SequenceMatcher(None, a[i1:i2], b[j1:j2], autojunk=False)
        for t, x1, x2, y1, y2 in tokens.get_opcodes():
            if t != "equal":
                spans.append([i1 + x1, i1 + x2, j1 + y1, j1 + y2])
    return spans


def diff_regions(
    old: list[Token], new: list[Token], calls: set[str] | frozenset[str] = frozenset()
) -> list[Region]:
    """The differing runs between *old* and *new*, each widened to whole
    expressions (and merged when widening makes two runs overlap).

    A run that is a list of arguments (``, tree_max`` added to a call) is
    widened to the whole call when the callee is one of *calls*: functions
    whose own parameters changed, so that the call can be compared through
    their substitution."""
    spans = differing_spans(old, new)
    while True:
        widened = []
        for i1, i2, j1, j2 in spans:
            left = j1 - _widen_left(new, j1, j2)
            right = _widen_right(new, j1, j2) - j2
            # the old side gets the same context; its own scan may reach further
            left = max(left, i1 - _widen_left(old, i1, i2))
            right = max(right, _widen_right(old, i1, i2) - i2)
            if calls and (
                _top_level_comma(new, j1 - left, j2 + right)
                or _top_level_comma(old, i1 - left, i2 + right)
            ):
                extra = _enclosing_call(new, j1 - left, j2 + right, set(calls))
                extra_old = _enclosing_call(old, i1 - left, i2 + right, set(calls))
                if extra is not None and extra_old is not None:
                    left += max(extra[0], extra_old[0])
                    right += max(extra[1], extra_old[1])
            widened.append([i1 - left, i2 + right, j1 - left, j2 + right])
        widened.sort(key=lambda s: (s[2], s[0]))
        merged: list[list[int]] = []
        for s in widened:
            if merged and (s[2] < merged[-1][3] or s[0] < merged[-1][1]):
                m = merged[-1]
                merged[-1] = [min(m[0], s[0]), max(m[1], s[1]), min(m[2], s[2]), max(m[3], s[3])]
            else:
                merged.append(s)
        if merged == spans:
            break
        spans = merged
    return [
        Region(old[max(i1, 0) : i2], new[max(j1, 0) : j2]) for i1, i2, j1, j2 in spans
    ]
