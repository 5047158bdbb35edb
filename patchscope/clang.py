"""The one place that loads libclang and tokenizes C text.

The ``libclang`` wheel bundles ``libclang.so`` but none of clang's builtin
headers, so every parse here runs with ``-nostdinc``; callers that need more
pass their own flags.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from clang import cindex

from patchscope.errors import ParseError

BASE_FLAGS = ["-x", "c", "-std=gnu11", "-nostdinc", "-ferror-limit=0", "-w"]


@functools.cache
def index() -> cindex.Index:
    return cindex.Index.create()


@dataclass(frozen=True, slots=True)
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


# Fragments longer than this are lexed but not remembered.
CACHE_BYTES = 1 << 21
# A fragment longer than this is not lexed at all, and lexing stops past
# MAX_TOKENS tokens (libclang costs tens of microseconds a token): that part
# is unknown, naming the limit.  Hunk windows and expressions of real patches
# are far below both.
MAX_LEX_BYTES = 1 << 22
MAX_TOKENS = 30_000

Rows = tuple[tuple[str, str, int, int, int, int], ...]


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
    """Lex *text* with clang's lexer (no preprocessing); in the clang worker.

    Works on fragments (a hunk window, an argument, an expression): the lexer
    does not care whether the text is a whole translation unit.  Offsets are
    byte offsets into ``text.encode()``.  libclang parses the fragment too,
    and a hostile one can crash it: that raises
    :class:`~patchscope.clangproc.NativeFailure`, never kills the process.
    """
    if len(text) > MAX_LEX_BYTES:
        raise ParseError(
            f"C text too long to lex ({len(text)} characters, limit {MAX_LEX_BYTES})"
        )
    if len(text) <= CACHE_BYTES:
        rows = _lexed(text, comments)
        if isinstance(rows, ParseError):
            raise rows
    else:
        rows = _lex_remote(text, comments)
    return [Token(*row) for row in rows]


@functools.lru_cache(maxsize=512)
def _lexed(text: str, comments: bool) -> Rows | ParseError:
    # the same fragment is lexed by several stages (scan, proof, model,
    # accounting); a failure is remembered too, so a hostile fragment costs
    # one crash of the worker, not one per stage
    try:
        return _lex_remote(text, comments)
    except ParseError as exc:
        return exc


def _lex_remote(text: str, comments: bool) -> tuple[tuple[str, str, int, int, int, int], ...]:
    from patchscope import clangproc

    first = text[:40].split("\n", 1)[0]
    what = f"the C text {first!r}" + ("..." if len(text) > len(first) else "")
    result: tuple[tuple[str, str, int, int, int, int], ...] = clangproc.call(
        "patchscope.clang", "lex_local", text, comments, what=what
    )
    return result


def lex_local(text: str, comments: bool = True) -> tuple[tuple[str, str, int, int, int, int], ...]:
    """:func:`tokenize` in this process, as plain tuples (the worker's side)."""
    path = "fragment.c"
    data = text.encode("utf-8", errors="surrogateescape")
    tu = index().parse(
        path,
        args=BASE_FLAGS,
        unsaved_files=[(path, data)],
        options=cindex.TranslationUnit.PARSE_INCOMPLETE,
    )
    end = cindex.SourceLocation.from_offset(tu, tu.get_file(path), len(data))
    start = cindex.SourceLocation.from_offset(tu, tu.get_file(path), 0)
    extent = cindex.SourceRange.from_locations(start, end)
    out: list[tuple[str, str, int, int, int, int]] = []
    for tok in tu.get_tokens(extent=extent):
        kind = tok.kind.name
        if kind == "COMMENT" and not comments:
            continue
        if len(out) >= MAX_TOKENS:
            raise ParseError(f"C text too long to lex (more than {MAX_TOKENS} tokens)")
        ext = tok.extent
        # one libclang call per location instead of one per property
        _f, line, column, begin = ext.start._get_instantiation()
        out.append((kind, tok.spelling, begin, ext.end._get_instantiation()[3], line, column))
    return tuple(out)
