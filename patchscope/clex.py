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

# C11 Annex D.1: the characters allowed in identifiers beyond ASCII (clang's
# -std=gnu11 rule); D.2: of those, the ones not allowed first
_UCN = (r"\u00A8\u00AA\u00AD\u00AF\u00B2-\u00B5\u00B7-\u00BA\u00BC-\u00BE"
        r"\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF\u0100-\u167F\u1681-\u180D"
        r"\u180F-\u1FFF\u200B-\u200D\u202A-\u202E\u203F-\u2040\u2054\u2060-\u206F"
        r"\u2070-\u218F\u2460-\u24FF\u2776-\u2793\u2C00-\u2DFF\u2E80-\u2FFF"
        r"\u3004-\u3007\u3021-\u302F\u3031-\u303F\u3040-\uD7FF\uF900-\uFD3D"
        r"\uFD40-\uFDCF\uFDF0-\uFE44\uFE47-\uFFFD"
        + "".join(f"\\U000{p:X}0000-\\U000{p:X}FFFD" for p in range(0x1, 0xF)))
_UCN_NOT_FIRST = r"\u0300-\u036F\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F"

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
  | (?P<ident>(?:[A-Za-z_$]|(?![""" + _UCN_NOT_FIRST + r"""])[""" + _UCN + r"""])
               [A-Za-z0-9_$""" + _UCN + r"""]*)
  | (?P<number>\.?[0-9](?:[eEpP][+-]|[A-Za-z0-9_.$""" + _UCN + r"""])*)
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


def _unterminated(s: str, kind: str) -> str:
    """A string or character literal without its closing quote is no literal."""
    quote = '"' if '"' in s[:3] else "'"
    body = s[s.index(quote) + 1:]
    # closed when it ends in a quote not escaped by an odd run of backslashes
    if body.endswith(quote):
        run = len(body[:-1]) - len(body[:-1].rstrip("\\"))
        if run % 2 == 0:
            return kind
    return "PUNCTUATION"


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
                if kind in ("string", "char"):
                    k = _unterminated(s, k)
                elif kind == "block_comment" and (len(s) < 4 or not s.endswith("*/")):
                    k = ""  # an unterminated comment: clang gives no token at all
                if k and (k != "COMMENT" or comments):
                    append(Token(k, s, offset, offset + n, line, offset - line_start + 1))
        if "\n" in s:
            last = s.rfind("\n")
            line += s.count("\n")
            line_start = offset + size(s[: last + 1])
        offset += n
    return out


def spellings(text: str) -> list[tuple[int, str]]:
    """(line, spelling) of each token of *text*, comments dropped: :func:`tokenize`
    without building tokens, for comparisons that need nothing else."""
    out: list[tuple[int, str]] = []
    append = out.append
    line = 1
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        s = m.group()
        if kind == "nl":
            line += 1
            continue
        if kind != "ws" and kind not in ("line_comment", "block_comment"):
            append((line, s))
        if "\n" in s:
            line += s.count("\n")
    return out
