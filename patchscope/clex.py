"""A C lexer in pure Python, for comparing many small windows fast.

libclang's lexer costs a translation unit per call (about 10 ms), which the
whole-patch accounting would pay twice per hunk.  This lexer gives the same
kind of :class:`~patchscope.clang.Token` (kind, spelling, byte offsets, line,
byte column) for the raw, unpreprocessed text.  Where it could differ from a
compiler, it errs towards code: text is dropped as a comment only when it is
certainly one (``//`` to the end of the line, ``/* ... */``), strings and
character literals are read first, so that ``"http://"`` stays a string.  Both
sides of a comparison go through the same lexer, so equal tokens mean equal
text up to comments and layout.
"""

from __future__ import annotations

import re

from patchscope.clang import Token

KEYWORDS = frozenset("""
auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch
typedef union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex
_Generic _Imaginary _Noreturn _Static_assert _Thread_local asm typeof __asm__
__attribute__ __inline __inline__ __typeof__ __volatile__ __restrict __signed__
""".split())

_PUNCT = sorted("""
%:%: ... <<= >>= -> ++ -- << >> <= >= == != && || *= /= %= += -= &= ^= |= ## <: :> <% %>
%: :: [ ] ( ) { } . & * + - ~ ! / % < > ^ | ? : ; = , # \\
""".split(), key=len, reverse=True)

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\f\v\r]+|\\\r?\n)
  | (?P<nl>\n)
  | (?P<line_comment>//(?:[^\n\\]|\\.|\\\n)*)
  | (?P<block_comment>/\*(?:.|\n)*?(?:\*/|\Z))
  | (?P<string>(?:u8|[uUL])?"(?:[^"\\\n]|\\.|\\\n)*"?)
  | (?P<char>(?:u8|[uUL])?'(?:[^'\\\n]|\\.|\\\n)*'?)
  | (?P<ident>[A-Za-z_$\u0080-\U0010ffff][A-Za-z0-9_$\u0080-\U0010ffff]*)
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.$\u0080-\U0010ffff])*)
  | (?P<punct>"""
    + "|".join(re.escape(p) for p in _PUNCT)
    + r""")
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _bytes(s: str) -> int:
    return len(s.encode("utf-8", errors="surrogateescape"))


_KINDS = {"number": "LITERAL", "string": "LITERAL", "char": "LITERAL",
          "line_comment": "COMMENT", "block_comment": "COMMENT", "punct": "PUNCTUATION",
          "other": "PUNCTUATION"}


def tokenize(text: str, *, comments: bool = False) -> list[Token]:
    """The tokens of *text*; comments only with *comments*.  Offsets and columns
    are in bytes of ``text.encode()``, lines and columns 1-based, as clang's."""
    out: list[Token] = []
    size = len if text.isascii() else _bytes
    offset = 0  # byte offset of the match's start: matches are contiguous
    line = 1
    line_start = 0  # byte offset of the current line's first byte
    append = out.append
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        s = m.group()
        n = size(s)
        if kind == "nl":
            line += 1
            offset += 1
            line_start = offset
            continue
        if kind != "ws":
            if kind == "ident":
                append(Token("KEYWORD" if s in KEYWORDS else "IDENTIFIER", s, offset,
                             offset + n, line, offset - line_start + 1))
            else:
                k = _KINDS[kind or "other"]
                if k != "COMMENT" or comments:
                    append(Token(k, s, offset, offset + n, line, offset - line_start + 1))
        if "\n" in s:
            last = s.rfind("\n")
            line += s.count("\n")
            line_start = offset + size(s[: last + 1])
        offset += n
    return out
