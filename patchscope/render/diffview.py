"""The diff as the report shows it: highlighted lines with review comments under them.

Highlighting is Pygments' HtmlFormatter over each hunk as one text, so that
a comment or string spanning lines is coloured right; the formatter closes
its spans at every line end, which lets the output be split back into lines.
Pygments escapes the code itself; nothing else here produces markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound

from patchscope.core import FileChange, Hunk, LineAccount, ReviewComment
from patchscope.render.hidden import visible

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"


@dataclass
class DiffRow:
    kind: str  # " ", "+", "-", or "@" for a hunk header
    old_lineno: int | None
    new_lineno: int | None
    code: Markup
    anchor: str
    comments: list[ReviewComment] = field(default_factory=list)
    linked: bool = False  # a finding links here: the row needs its id
    account: LineAccount | None = None  # changed lines: what accounts for it

    @property
    def mark(self) -> str:
        """The account column: a short word, ``?`` for a line nothing accounts for."""
        if self.account is None:
            return ""
        if self.account.by is None:
            return "?"
        return _MARKS.get(self.account.kind, self.account.kind)

    @property
    def mark_title(self) -> str:
        a = self.account
        if a is None:
            return ""
        if a.by is None:
            return "unaccounted: " + (a.note or "changed code that no proof covers")
        verdict = f" ({a.verdict})" if a.verdict is not None else ""
        return f"{a.by}{verdict}" + (f"; assumes {a.note}" if a.note else "")

    @property
    def mark_class(self) -> str:
        a = self.account
        if a is None:
            return ""
        if a.by is None:
            return "acct-none"
        return "acct-proved" if str(a.verdict) == "proved" else "acct-open"


_MARKS = {"layout": "layout", "prose": "doc", "signature": "sig", "body": "body",
          "call": "call", "refactor": "moved"}


@dataclass
class FileView:
    change: FileChange
    anchor: str
    rows: list[DiffRow]


@dataclass
class DiffView:
    files: list[FileView]
    unanchored: list[ReviewComment]


def _lexer(path: str) -> Lexer:
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


_FORMATTER = HtmlFormatter(nowrap=True)

# Token classes that neither style colours differently from plain text
# (whitespace, names, punctuation): their spans are most of a page's bytes.
_PLAIN_SPAN = re.compile(r'<span class="(?:w|n|p)">([^<]*)</span>')


# Past this many characters a hunk is shown escaped but not highlighted: the
# lexer's regular expressions are not linear on every hostile line.
MAX_HIGHLIGHT_CHARS = 200_000


def _highlight_lines(lexer: Lexer, lines: list[str]) -> list[Markup]:
    if not lines:
        return []
    if sum(len(line) for line in lines) > MAX_HIGHLIGHT_CHARS:
        return [Markup(escape(visible(line))) for line in lines]
    text = "\n".join(visible(line) for line in lines) + "\n"
    out = _PLAIN_SPAN.sub(r"\1", highlight(text, lexer, _FORMATTER)).split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(lines):  # never trust a split that lost lines: plain escaping
        return [Markup(escape(visible(line))) for line in lines]
    return [Markup(part) for part in out]  # noqa: S704 - Pygments escaped the source


def _hunk_rows(lexer: Lexer, hunk: Hunk, prefix: str) -> list[DiffRow]:
    header = f"@@ -{hunk.old_start},{hunk.old_length} +{hunk.new_start},{hunk.new_length} @@"
    if hunk.section:
        header += " " + hunk.section
    rows = [DiffRow("@", None, None, Markup(escape(visible(header))), f"{prefix}-h")]
    code = _highlight_lines(lexer, [dl.text for dl in hunk.lines])
    for i, (dl, html) in enumerate(zip(hunk.lines, code, strict=True)):
        rows.append(DiffRow(dl.kind, dl.old_lineno, dl.new_lineno, html, f"{prefix}-{i}"))
    return rows


def _matches(comment: ReviewComment, change: FileChange) -> bool:
    return comment.file is not None and comment.file in (change.path, change.old_path)


_Rows = dict[int, DiffRow]


def _row_index(rows: list[DiffRow]) -> tuple[_Rows, _Rows]:
    """The first row of each new and old line number: one pass, so anchoring
    many comments in a long diff stays linear."""
    by_new: _Rows = {}
    by_old: _Rows = {}
    for r in rows:
        if r.kind in (" ", "+") and r.new_lineno is not None:
            by_new.setdefault(r.new_lineno, r)
        if r.kind in (" ", "-") and r.old_lineno is not None:
            by_old.setdefault(r.old_lineno, r)
    return by_new, by_old


def _anchor_row(comment: ReviewComment, index: tuple[_Rows, _Rows]) -> DiffRow | None:
    if comment.line is None:
        return None
    by_new, by_old = index
    order = (by_old, by_new) if comment.side == "old" else (by_new, by_old)
    for found in order:
        if comment.line in found:
            return found[comment.line]
    return None


def diff_view(files: list[FileChange], comments: list[ReviewComment], prefix: str,
              accounting: list[LineAccount] | None = None) -> DiffView:
    """Rows of every file's hunks, each review comment under the line it is anchored to.

    A comment whose file or line is not in the diff is returned in
    ``unanchored``, so that the report still shows it, with its quote.
    """
    views: list[FileView] = []
    placed: set[int] = set()
    for fi, change in enumerate(files):
        lexer = _lexer(change.path)
        rows: list[DiffRow] = []
        for hi, hunk in enumerate(change.hunks):
            rows.extend(_hunk_rows(lexer, hunk, f"{prefix}-f{fi}-h{hi}"))
        accounts = {(a.side, a.line): a for a in accounting or [] if a.file == change.path}
        for r in rows:
            if r.kind == "+":
                r.account = accounts.get(("new", r.new_lineno or 0))
            elif r.kind == "-":
                r.account = accounts.get(("old", r.old_lineno or 0))
        index = _row_index(rows)
        for ci, comment in enumerate(comments):
            if ci in placed or not _matches(comment, change):
                continue
            row = _anchor_row(comment, index)
            if row is not None:
                row.comments.append(comment)
                placed.add(ci)
        views.append(FileView(change, f"{prefix}-f{fi}", rows))
    rest = [c for ci, c in enumerate(comments) if ci not in placed]
    return DiffView(views, rest)


def pygments_css(scope: str) -> str:
    """Token colours for light and dark schemes, scoped under *scope*."""
    light = HtmlFormatter(style=get_style_by_name(LIGHT_STYLE)).get_style_defs(scope)
    dark = HtmlFormatter(style=get_style_by_name(DARK_STYLE)).get_style_defs(scope)
    def tokens_only(css: str) -> str:
        # only the token rules: the page sets its own backgrounds and line heights
        return "\n".join(ln for ln in css.splitlines() if ln.startswith(f"{scope} ."))

    return (
        tokens_only(light)
        + "\n@media screen and (prefers-color-scheme: dark) {\n"
        + tokens_only(dark)
        + "\n}\n"
    )
