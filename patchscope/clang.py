"""The one place that loads libclang and tokenizes C text.

The ``libclang`` wheel bundles ``libclang.so`` but none of clang's builtin
headers, so every parse here runs with ``-nostdinc``; callers that need more
pass their own flags.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from clang import cindex

BASE_FLAGS = ["-x", "c", "-std=gnu11", "-nostdinc", "-ferror-limit=0", "-w"]


@functools.cache
def index() -> cindex.Index:
    return cindex.Index.create()


@dataclass(frozen=True)
class Token:
    kind: str  # "KEYWORD", "IDENTIFIER", "LITERAL", "PUNCTUATION", "COMMENT"
    spelling: str
    start: int  # byte offset in the text
    end: int
    line: int  # 1-based
    column: int  # 1-based


def blank_cut_comment(text: str) -> str:
    """Blank the tail of a comment whose opening ``/*`` lies before *text*.

    A hunk's window often starts inside a comment (`` * @p: the part ...``);
    lexed as code, that prose reads as calls and declarations.  Text up to a
    ``*/`` that no ``/*`` in *text* opened is such a tail.  It becomes spaces
    of the same UTF-8 length (newlines kept), so byte offsets, lines and
    columns of everything after it are unchanged.
    """
    close = text.find("*/")
    opening = text.find("/*")
    if close < 0 or 0 <= opening < close:
        return text
    head = text[: close + 2]
    blank = "".join(
        c if c == "\n" else " " * len(c.encode("utf-8", "surrogateescape")) for c in head
    )
    return blank + text[close + 2 :]


def parse(path: str, text: str, flags: list[str] | None = None) -> cindex.TranslationUnit:
    """Parse *text* as if it were the file *path*; never touches the disk."""
    return index().parse(
        path,
        args=BASE_FLAGS + list(flags or []),
        unsaved_files=[(path, text)],
        options=cindex.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
        | cindex.TranslationUnit.PARSE_INCOMPLETE,
    )


def tokenize(text: str, *, comments: bool = True) -> list[Token]:
    """Lex *text* as clang's lexer does (no preprocessing, no parsing).

    The pure-Python lexer of :mod:`patchscope.clex` gives clang's tokens
    (tested against :func:`clang_tokenize` in tests/test_clex.py) without the
    translation unit libclang builds per call (about 10 ms, paid per hunk
    window and per argument).
    """
    from patchscope import clex

    return clex.tokenize(text, comments=comments)


def clang_tokenize(text: str, *, comments: bool = True) -> list[Token]:
    """Lex *text* with clang's lexer (no preprocessing, no parsing).

    Works on fragments (a hunk window, an argument, an expression): the lexer
    does not care whether the text is a whole translation unit.  Offsets are
    byte offsets into ``text.encode()``.  The same text is lexed once per
    process (bodies and call contexts recur across call sites and patches).
    """
    return list(_tokenize(text, comments))


@functools.lru_cache(maxsize=512)
def _tokenize(text: str, comments: bool) -> tuple[Token, ...]:
    path = "fragment.c"
    tu = index().parse(
        path,
        args=BASE_FLAGS,
        unsaved_files=[(path, text)],
        options=cindex.TranslationUnit.PARSE_INCOMPLETE,
    )
    data = text.encode()
    end = cindex.SourceLocation.from_offset(tu, tu.get_file(path), len(data))
    start = cindex.SourceLocation.from_offset(tu, tu.get_file(path), 0)
    extent = cindex.SourceRange.from_locations(start, end)
    out = []
    for tok in tu.get_tokens(extent=extent):
        kind = tok.kind.name
        if kind == "COMMENT" and not comments:
            continue
        ext = tok.extent
        out.append(
            Token(
                kind=kind,
                spelling=tok.spelling,
                start=ext.start.offset,
                end=ext.end.offset,
                line=ext.start.line,
                column=ext.start.column,
            )
        )
    return tuple(out)
