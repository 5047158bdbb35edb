"""Token-level reading of C text: declarators, parameter lists, calls.

Works on whole files and on fragments alike (a hunk's window may start or end
in the middle of a function), using clang's lexer through
:func:`patchscope.clang.tokenize`.  Exact text is always sliced from the
source by byte offsets, so comments and layout inside an argument survive.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from patchscope import clang
from patchscope.clang import Token
from patchscope.core import Param
from patchscope.csource.attributes import (
    NOT_COMPARED,
    canonical,
    inner_attribute,
    split_type_words,
)
from patchscope.csource.params import comma_groups, parse_params

# Tokens that can end the type in front of a declarator's name.
TYPE_KEYWORDS = {
    "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
    "_Bool", "const", "volatile", "struct", "union", "enum", "inline", "static",
    "extern", "__inline", "__inline__", "restrict", "__restrict", "_Noreturn",
}  # fmt: skip
# Keywords that start a statement: an identifier after them is used, not declared.
STATEMENT_KEYWORDS = {"return", "else", "do", "case", "goto", "sizeof", "typeof"}
OPEN = {"(": ")", "[": "]", "{": "}"}
CLOSE = {")", "]", "}"}
ANNOTATION = re.compile(r"^/\*\s*([A-Za-z_]\w*)\s*=\s*\*/$")


@dataclass
class Source:
    """C text plus where it sits: a whole file, or a hunk's old or new window."""

    path: str
    text: str
    first_line: int = 1  # file line number of the text's first line
    whole: bool = True  # False: a window; things may run past its ends
    # byte regions to lex (None: all of it); see patchscope.csource.focus
    regions: list[tuple[int, int]] | None = None
    # lexes a byte range of this very text (a parse's buffer), see focus.lex_regions
    lexer: Callable[[int, int], list[Token]] | None = None
    focus: str | None = None  # the name the regions were cut around

    @functools.cached_property
    def data(self) -> bytes:
        return self.text.encode("utf-8", errors="surrogateescape")

    @functools.cached_property
    def tokens(self) -> list[Token]:
        if self.regions is not None:
            from patchscope.csource.focus import lex_regions

            return lex_regions(self.data, self.regions, self.lexer)
        if not self.whole:
            # a hunk's window may start inside a comment: its prose is no call
            return _tokenize(clang.blank_cut_comment(self.text))
        return _tokenize(self.text)

    def lexed_to_end(self, offset: int) -> bool:
        """Whether the lexed text reaches from *offset* to the end of the source."""
        if self.regions is None:
            return True
        return any(s <= offset and e >= len(self.data) for s, e in self.regions)

    @functools.cached_property
    def code(self) -> list[int]:
        """Indexes of the non-comment tokens."""
        return [i for i, t in enumerate(self.tokens) if t.kind != "COMMENT"]

    def slice(self, start: int, end: int) -> str:
        """Text of bytes [start, end) of the source."""
        return self.data[start:end].decode("utf-8", errors="surrogateescape")

    def line_of(self, token: Token) -> int:
        """File line of *token*."""
        return token.line + self.first_line - 1


@functools.lru_cache(maxsize=64)
def _tokenize(text: str) -> list[Token]:
    from patchscope.csource.focus import _lexable

    return clang.tokenize(_lexable(text))


@dataclass
class RawArg:
    """One argument as written: exact text, and a "/* name = */" before it."""

    text: str
    annotation: str | None
    start: int  # byte offsets in the source
    end: int


@dataclass
class RawCall:
    """A call ``name(...)`` as the lexer sees it."""

    name: str
    offset: int  # byte offset of the name token
    line: int  # file line of the name
    args: list[RawArg]
    complete: bool  # False: the closing parenthesis is not in the source
    end: int  # byte offset after ")" (or the end of the source)


@dataclass
class RawDecl:
    """A function declarator: a prototype (``;``) or a definition (``{``)."""

    name: str
    offset: int
    line: int
    kind: str  # "prototype" | "definition"
    params: list[Param]
    start: int  # byte offset of the declaration's first token (its type)
    is_inline: bool = False
    is_static: bool = False
    body_start: int | None = None  # offset of "{"
    body_end: int | None = None  # offset after "}", None: runs past the source
    params_text: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    return_type: str = ""  # the type before the name, attributes and storage class left out
    first_line: int = 0  # file lines from the type (or name) to the ";" or "{"
    last_line: int = 0
    head_end: int = 0  # byte offset of the ";" or "{" after the parameters and attributes
    attributes: tuple[str, ...] = ()  # canonical names, see patchscope.csource.attributes


def _matching(tokens: list[Token], code: list[int], k: int) -> int | None:
    """Position in *code* of the bracket closing the one at ``code[k]``, or None."""
    depth = 0
    for j in range(k, len(code)):
        s = tokens[code[j]].spelling
        if s in OPEN:
            depth += 1
        elif s in CLOSE:
            depth -= 1
            if depth == 0:
                return j
    return None


def _split_args(src: Source, k_open: int, k_close: int | None) -> list[RawArg]:
    """Arguments between the parenthesis at ``code[k_open]`` and ``code[k_close]``."""
    tokens, code = src.tokens, src.code
    first_tok = code[k_open] + 1
    end_tok = code[k_close] if k_close is not None else len(tokens)
    groups = comma_groups(tokens, range(first_tok, end_tok))
    if k_close is None and len(groups) > 1 and not groups[-1]:
        groups.pop()  # the window ends right after a comma
    args: list[RawArg] = []
    for group in groups:
        real = [i for i in group if tokens[i].kind != "COMMENT"]
        if not real:
            if group or len(groups) > 1:
                args.append(RawArg("", None, 0, 0))
            continue
        # the text runs from the group's first to its last token, comments
        # included, except a "/* name = */" right before the expression
        annotation = None
        leading = [i for i in group if i < real[0]]
        if leading and ANNOTATION.match(tokens[leading[-1]].spelling):
            annotation = tokens[leading[-1]].spelling
            group = [i for i in group if i != leading[-1]]
        start, end = tokens[group[0]].start, tokens[group[-1]].end
        args.append(RawArg(src.slice(start, end), annotation, start, end))
    return args


def _is_directive_line(tokens: list[Token], code: list[int], k: int) -> bool:
    """Whether ``code[k]`` is the name right after ``#define``."""
    return (
        k >= 2 and tokens[code[k - 1]].spelling == "define" and tokens[code[k - 2]].spelling == "#"
    )


def _on_directive_line(tokens: list[Token], code: list[int], k: int) -> bool:
    """Whether the line of ``code[k]`` is a preprocessor directive."""
    line = tokens[code[k]].line
    while k > 0 and tokens[code[k - 1]].line == line:
        k -= 1
    return tokens[code[k]].spelling == "#"


def _opening(tokens: list[Token], code: list[int], j: int) -> int | None:
    """Position in *code* of the "(" that the ")" at ``code[j]`` closes, or None."""
    depth = 0
    for x in range(j, -1, -1):
        s = tokens[code[x]].spelling
        if s in CLOSE:
            depth += 1
        elif s in OPEN:
            depth -= 1
            if depth == 0:
                return x
    return None


def _attribute_group_start(tokens: list[Token], code: list[int], j: int) -> int | None:
    """If ``code[j]`` is the ")" ending ``__attribute__((...))`` or an attribute macro
    such as ``__printf(1, 2)``, the position of the attribute's name; else None."""
    if tokens[code[j]].spelling != ")":
        return None
    x = _opening(tokens, code, j)
    if x is None or x == 0:
        return None
    word = tokens[code[x - 1]]
    if word.kind in ("IDENTIFIER", "KEYWORD") and word.spelling.startswith("__"):
        return x - 1
    return None


def _declarator_start(tokens: list[Token], code: list[int], k: int) -> int | None:
    """If the identifier at ``code[k]`` is declared (a type precedes it), where the
    declaration starts (position in *code*); else None."""
    if k == 0:
        return None
    prev = tokens[code[k - 1]]
    if prev.kind == "KEYWORD":
        if prev.spelling in STATEMENT_KEYWORDS or prev.spelling not in TYPE_KEYWORDS:
            return None
    elif prev.kind == "IDENTIFIER":
        if _is_directive_line(tokens, code, k - 1):
            return None
    elif prev.spelling == ")":
        # `int __attribute__((cold)) f(`: the attribute sits between type and name
        group = _attribute_group_start(tokens, code, k - 1)
        if group is None:
            return None
        return _declarator_start(tokens, code, group)
    elif prev.spelling != "*":
        return None
    # walk back over the type: identifiers, keywords, "*", attribute groups
    j = k - 1
    while j > 0:
        t = tokens[code[j - 1]]
        if t.line != tokens[code[j]].line and _on_directive_line(tokens, code, j - 1):
            break  # "#ifdef CONFIG_X" above the declaration is not part of its type
        if t.kind in ("IDENTIFIER", "KEYWORD") and t.spelling not in STATEMENT_KEYWORDS:
            j -= 1
        elif t.spelling == "*":
            j -= 1
        elif (group := _attribute_group_start(tokens, code, j - 1)) is not None:
            j = group
        else:
            break
    first = tokens[code[j]]
    if first.kind == "IDENTIFIER" and j > 0 and tokens[code[j - 1]].spelling == "#":
        return None
    return j


def _type_out_of_view(tokens: list[Token], code: list[int], k: int) -> bool:
    """Whether the identifier at ``code[k]`` may be a declarator whose type lies above
    what the source shows: the name starts its line in column 1 (where kernel style
    puts a function's name, never a call) and nothing of a statement precedes it
    on the lines shown."""
    t = tokens[code[k]]
    if t.kind != "IDENTIFIER" or t.column != 1:
        return False
    if k == 0:
        return True
    prev = tokens[code[k - 1]]
    return prev.line != t.line and (prev.spelling in (";", "}")
                                    or _on_directive_line(tokens, code, k - 1))


def find_calls(src: Source, name: str) -> list[RawCall]:
    """Every ``name(...)`` in *src* that is a call (not a declarator, not ``#define``).

    Calls inside macro definitions and inactive ``#if`` branches are included:
    the lexer does not know; :mod:`patchscope.csource.parse` tells them apart.
    """
    tokens, code = src.tokens, src.code
    out = []
    for k, i in enumerate(code):
        t = tokens[i]
        if t.spelling != name or t.kind != "IDENTIFIER":
            continue
        if k + 1 >= len(code) or tokens[code[k + 1]].spelling != "(":
            continue
        if k > 0 and tokens[code[k - 1]].spelling in (".", "->"):
            continue
        if _is_directive_line(tokens, code, k):
            continue
        k_close = _matching(tokens, code, k + 1)
        if _declarator_start(tokens, code, k) is not None:
            if k_close is None and not src.whole:
                continue  # a declarator the window's end cuts: a type before it, no call
            after = ""
            if k_close is not None and k_close + 1 < len(code):
                after = tokens[code[k_close + 1]].spelling
            if k_close is not None and (after in (";", "{", ",", "") or after.startswith("__")):
                if parse_params(tokens, code, k + 1, k_close) is not None:
                    continue
        if k_close is not None and _out_of_view_declarator(tokens, code, k, k_close):
            continue  # a definition whose return type is above the window
        args = _split_args(src, k + 1, k_close)
        end = tokens[code[k_close]].end if k_close is not None else len(src.data)
        out.append(
            RawCall(
                name=name,
                offset=t.start,
                line=src.line_of(t),
                args=args,
                complete=k_close is not None,
                end=end,
            )
        )
    return out


def find_declarators(src: Source, names: set[str] | None = None) -> list[RawDecl]:
    """Function prototypes and definitions in *src* (optionally only *names*)."""
    tokens, code = src.tokens, src.code
    out = []
    for k, i in enumerate(code):
        t = tokens[i]
        if t.kind != "IDENTIFIER" or (names is not None and t.spelling not in names):
            continue
        if k + 1 >= len(code) or tokens[code[k + 1]].spelling != "(":
            continue
        start = _declarator_start(tokens, code, k)
        k_close = _matching(tokens, code, k + 1)
        if k_close is None:
            continue
        if start is None:
            if not _out_of_view_declarator(tokens, code, k, k_close):
                continue
            start = k  # the type is not shown: only what follows the name is compared
        params = parse_params(tokens, code, k + 1, k_close)
        if params is None:
            continue
        # skip attributes between ")" and ";" or "{", keeping their names
        trailing: list[str] = []
        j = k_close + 1
        while j < len(code):
            s = tokens[code[j]]
            if s.kind in ("IDENTIFIER", "KEYWORD") and s.spelling.startswith("__"):
                j += 1
                if j < len(code) and tokens[code[j]].spelling == "(":
                    m = _matching(tokens, code, j)
                    if m is None:
                        break
                    trailing.extend(_attribute_entries(tokens, code, j - 1, m))
                    j = m + 1
                else:
                    trailing.append(s.spelling)
                continue
            break
        if j >= len(code):
            continue
        follow = tokens[code[j]].spelling
        if follow not in (";", "{"):
            continue
        words = _type_words(tokens, code, start, k)
        type_words = set(words)
        return_type, attributes = split_type_words(words)
        attributes += tuple(a for a in trailing if a not in NOT_COMPARED)
        decl = RawDecl(
            name=t.spelling,
            offset=t.start,
            line=src.line_of(t),
            kind="prototype" if follow == ";" else "definition",
            params=params,
            start=tokens[code[start]].start,
            is_inline=bool(type_words & {"inline", "__inline", "__inline__", "__always_inline"}),
            is_static="static" in type_words,
            params_text=src.slice(tokens[code[k + 1]].start, tokens[code[k_close]].end),
            return_type=return_type,
            attributes=attributes,
            first_line=src.line_of(tokens[code[start]]),
            last_line=src.line_of(tokens[code[j]]),
            head_end=tokens[code[j]].start,
        )
        if follow == "{":
            decl.body_start = tokens[code[j]].start
            m = _matching(tokens, code, j)
            decl.body_end = tokens[code[m]].end if m is not None else None
        out.append(decl)
    return out


def _after_attributes(tokens: list[Token], code: list[int], j: int) -> int:
    """Position in *code* of the first token from ``code[j]`` on that is not an attribute."""
    while j < len(code):
        s = tokens[code[j]]
        if not (s.kind in ("IDENTIFIER", "KEYWORD") and s.spelling.startswith("__")):
            break
        j += 1
        if j < len(code) and tokens[code[j]].spelling == "(":
            m = _matching(tokens, code, j)
            if m is None:
                return len(code)
            j = m + 1
    return j


def _out_of_view_declarator(tokens: list[Token], code: list[int], k: int, k_close: int) -> bool:
    """Whether ``name(...)`` at ``code[k]`` is a function declarator whose type the source
    does not show (see :func:`_type_out_of_view`): a definition (``{`` follows) or a
    prototype (``;``) whose every parameter has a type and a name, unlike the
    arguments of a macro (``EXPORT_SYMBOL(f);``, ``list_for_each(pos, head) {``)."""
    if not _type_out_of_view(tokens, code, k):
        return False
    j = _after_attributes(tokens, code, k_close + 1)
    follow = tokens[code[j]].spelling if j < len(code) else ""
    params = parse_params(tokens, code, k + 1, k_close)
    if params is None or not all(p.name for p in params):
        return False
    return follow == "{" or (follow == ";" and bool(params))


def _type_words(tokens: list[Token], code: list[int], start: int, k: int) -> list[str]:
    """The words from ``code[start]`` up to the name at ``code[k]``, an attribute group
    (``__attribute__((a, b))``, ``__printf(1, 2)``) given by its names."""
    words: list[str] = []
    x = start
    while x < k:
        t = tokens[code[x]]
        if x + 1 < k and tokens[code[x + 1]].spelling == "(" and t.spelling.startswith("__"):
            m = _matching(tokens, code, x + 1)
            end = m if m is not None and m < k else k - 1
            words.extend(_attribute_entries(tokens, code, x, end))
            x = end + 1
            continue
        words.append(t.spelling)
        x += 1
    return words


def _attribute_entries(tokens: list[Token], code: list[int], k_word: int,
                       k_close: int) -> list[str]:
    """The attributes that ``code[k_word]`` up to ``code[k_close]`` spells, each with
    its arguments: ``__attribute__((noreturn, aligned(8)))`` gives ``__noreturn``
    and ``__aligned(8)``, ``__printf(1, 2)`` gives ``__printf(1,2)``.  Every token
    is kept, so two spellings that differ in anything differ here too."""
    word = tokens[code[k_word]].spelling
    if word not in ("__attribute__", "__attribute"):
        args = "".join(tokens[code[x]].spelling for x in range(k_word + 1, k_close + 1))
        return [canonical(word) + args]
    items: list[list[str]] = [[]]
    depth = 0
    for x in range(k_word + 1, k_close + 1):
        s = tokens[code[x]].spelling
        if s in OPEN:
            depth += 1
            if depth <= 2:
                continue
        elif s in CLOSE:
            depth -= 1
            if depth < 2:
                continue
        elif s == "," and depth == 2:
            items.append([])
            continue
        items[-1].append(s)
    return [inner_attribute(item[0]) + "".join(item[1:]) for item in items if item]


def enclosing_definition(decls: list[RawDecl], offset: int) -> RawDecl | None:
    """The definition whose body holds *offset* (bodies running past the end count)."""
    best = None
    for d in decls:
        if d.kind != "definition" or d.body_start is None or d.body_start > offset:
            continue
        if d.body_end is None or d.body_end > offset:
            best = d
    return best


def function_name_in(section: str) -> str | None:
    """The function a hunk header's section text names, e.g. ``void f(int x,`` -> f."""
    if "(" not in section:
        return None
    src = Source("section.c", section, whole=False)
    tokens, code = src.tokens, src.code
    for k, i in enumerate(code[:-1]):
        t = tokens[i]
        if t.kind == "IDENTIFIER" and tokens[code[k + 1]].spelling == "(":
            # git shows a line that starts in column 1: `xfs_alloc_file_space(` of
            # a declarator whose type is on the line above
            if _declarator_start(tokens, code, k) is not None or (k == 0 and t.column == 1):
                return t.spelling
            if k == 0 and t.column == 1 and ";" not in section:
                # `name(struct foo *a,` at column 0: git's funcname line of a
                # declarator whose return type stands on the line above (a call
                # statement is indented; `EXPORT_SYMBOL(x);` ends in `;`)
                return t.spelling
    return None
