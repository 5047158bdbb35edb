"""A precedence-climbing parser of C expressions over clang's tokens.

It covers what argument texts and assertion conditions hold: literals,
names, member chains, calls, unary and binary operators, ternaries and casts
to integer or pointer types.  Anything else (assignment, comma, sizeof,
strings, compound literals) is refused with a :class:`ParseError` naming the
token, so that callers can answer `unknown` with a reason.
"""

from __future__ import annotations

import functools

from patchscope.cexpr.ctypes import TYPE_WORDS, TYPEDEF_NAMES
from patchscope.cexpr.expr_ast import (
    BINARY_PREC,
    Binary,
    Call,
    Cast,
    Cond,
    Expr,
    Index,
    Member,
    Name,
    Num,
    Unary,
)
from patchscope.clang import Token, tokenize
from patchscope.errors import ParseError

_UNARY = frozenset({"-", "+", "!", "~", "&", "*"})
_TYPE_QUALIFIERS = frozenset({"const", "volatile"})


def parse_int_literal(text: str) -> tuple[int, int, str]:
    """``0x1fUL`` -> (31, 16, "UL"): value, base and suffix of an integer literal."""
    body = text.replace("'", "")  # C23 digit separators
    i = len(body)
    while i > 0 and body[i - 1] in "uUlL":
        i -= 1
    digits, suffix = body[:i], body[i:]
    if suffix.lower() not in ("", "u", "l", "ul", "lu", "ll", "ull", "llu"):
        raise ParseError(f"unsupported integer suffix in {text!r}")
    try:
        if digits[:2] in ("0x", "0X"):
            return int(digits[2:], 16), 16, suffix
        if digits[:2] in ("0b", "0B"):
            return int(digits[2:], 2), 2, suffix
        if len(digits) > 1 and digits[0] == "0":
            return int(digits[1:], 8), 8, suffix
        return int(digits, 10), 10, suffix
    except ValueError:
        raise ParseError(f"not an integer literal: {text!r}") from None


def _char_literal(text: str) -> int:
    inner = text[1:-1]
    escapes = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34, "a": 7, "b": 8}
    if len(inner) == 1:
        return ord(inner)
    if len(inner) == 2 and inner[0] == "\\" and inner[1] in escapes:
        return escapes[inner[1]]
    raise ParseError(f"unsupported character literal {text}")


# Far beyond any argument or condition kernel code writes; past them the
# recursive parser and the tree walks after it would run out of stack.
MAX_TOKENS = 400
MAX_NESTING = 64


def _within_limits(tokens: list[Token]) -> None:
    """Refuse an expression too long or too deeply nested to analyse, with the reason."""
    if len(tokens) > MAX_TOKENS:
        raise ParseError(f"expression too long to analyse ({len(tokens)} tokens, "
                         f"at most {MAX_TOKENS})")
    depth = deepest = 0
    for t in tokens:
        if t.spelling in ("(", "["):
            depth += 1
            deepest = max(deepest, depth)
        elif t.spelling in (")", "]"):
            depth -= 1
    if deepest > MAX_NESTING:
        raise ParseError(f"expression nested too deeply to analyse ({deepest} levels, "
                         f"at most {MAX_NESTING})")


class _Parser:
    def __init__(self, tokens: list[Token], source: str) -> None:
        self.toks = tokens
        self.pos = 0
        self.source = source

    def peek(self, k: int = 0) -> Token | None:
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else None

    def at(self, spelling: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.spelling == spelling and t.kind != "LITERAL"

    def take(self) -> Token:
        t = self.peek()
        if t is None:
            raise ParseError(f"unexpected end of expression in {self.source!r}")
        self.pos += 1
        return t

    def expect(self, spelling: str) -> None:
        t = self.take()
        if t.spelling != spelling:
            raise ParseError(f"expected {spelling!r} but found {t.spelling!r} in {self.source!r}")

    def parse(self) -> Expr:
        if not self.toks:
            raise ParseError("empty expression")
        _within_limits(self.toks)
        e = self.expression()
        t = self.peek()
        if t is not None:
            raise ParseError(f"unsupported syntax at {t.spelling!r} in {self.source!r}")
        return e

    def expression(self) -> Expr:
        """conditional-expression (no assignment, no comma)."""
        cond = self.binary(BINARY_PREC["||"])
        if self.at("?"):
            self.take()
            if self.at(":"):  # GNU "a ?: b": a when it is true, else b
                self.take()
                return Cond(cond, cond, self.expression())
            then = self.expression()
            self.expect(":")
            other = self.expression()
            return Cond(cond, then, other)
        return cond

    def binary(self, min_prec: int) -> Expr:
        left = self.unary()
        while True:
            t = self.peek()
            if t is None or t.kind != "PUNCTUATION" or t.spelling not in BINARY_PREC:
                return left
            prec = BINARY_PREC[t.spelling]
            if prec < min_prec:
                return left
            self.take()
            right = self.binary(prec + 1)
            left = Binary(t.spelling, left, right)

    def cast_type(self) -> str | None:
        """If a cast's ``(type)`` starts here, consume it and return the type text."""
        if not self.at("("):
            return None
        k = 1
        words: list[str] = []
        t = self.peek(k)
        while t is not None and t.spelling in _TYPE_QUALIFIERS:
            k += 1
            t = self.peek(k)
        if t is None:
            return None
        if t.spelling in ("struct", "union", "enum"):
            name = self.peek(k + 1)
            if name is None or name.kind != "IDENTIFIER":
                return None
            words = [t.spelling, name.spelling]
            k += 2
        elif t.spelling == "void":
            words = ["void"]
            k += 1
        elif t.kind == "KEYWORD" and t.spelling in TYPE_WORDS:
            while (t := self.peek(k)) is not None and t.kind == "KEYWORD" and (
                t.spelling in TYPE_WORDS
            ):
                words.append(t.spelling)
                k += 1
        elif t.kind == "IDENTIFIER" and t.spelling in TYPEDEF_NAMES:
            words = [t.spelling]
            k += 1
        elif t.kind == "IDENTIFIER" and t.spelling.endswith("_t") and self._cast_follows(k + 1):
            words = [t.spelling]  # a typedef we do not know (gfp_t): kept, not evaluated
            k += 1
        else:
            return None
        stars = 0
        while (t := self.peek(k)) is not None and t.spelling in ("*", "const", "volatile"):
            stars += t.spelling == "*"
            k += 1
        if not self.at(")", k):
            return None
        if words == ["void"] and stars == 0:
            raise ParseError(f"cast to void in {self.source!r}")
        if words[0] in ("struct", "union", "enum", "void") and words[0] != "enum" and not stars:
            raise ParseError(f"cast to a non-scalar type in {self.source!r}")
        self.pos += k + 1
        return " ".join(words) + (" " + "*" * stars if stars else "")

    def _cast_follows(self, k: int) -> bool:
        """``(name_t)`` then ``*``s, ``)`` and the start of an operand."""
        while (t := self.peek(k)) is not None and t.spelling == "*":
            k += 1
        if not self.at(")", k):
            return False
        nxt = self.peek(k + 1)
        return nxt is not None and (nxt.kind in ("IDENTIFIER", "LITERAL") or nxt.spelling == "(")

    def unary(self) -> Expr:
        t = self.peek()
        if t is None:
            raise ParseError(f"unexpected end of expression in {self.source!r}")
        if t.kind == "PUNCTUATION" and t.spelling in _UNARY:
            self.take()
            return Unary(t.spelling, self.unary())
        if t.kind == "PUNCTUATION" and t.spelling in ("++", "--"):
            raise ParseError(f"side effect {t.spelling!r} in {self.source!r}")
        if t.spelling in ("sizeof", "_Alignof", "alignof", "typeof", "__typeof__"):
            raise ParseError(f"unsupported operator {t.spelling!r} in {self.source!r}")
        type_text = self.cast_type()
        if type_text is not None:
            return Cast(type_text, self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Expr:
        t = self.take()
        if t.kind == "LITERAL":
            if t.spelling.startswith("'"):
                return Num(_char_literal(t.spelling), t.spelling)
            if t.spelling.startswith(('"', "L", "u8")) and t.spelling.endswith(('"', "'")):
                raise ParseError(f"string literal {t.spelling} in {self.source!r}")
            if "." in t.spelling or (
                "e" in t.spelling.lower() and not t.spelling.lower().startswith("0x")
            ):
                raise ParseError(f"floating-point literal {t.spelling} in {self.source!r}")
            value, _, _ = parse_int_literal(t.spelling)
            return Num(value, t.spelling)
        if t.kind == "IDENTIFIER" or (t.kind == "KEYWORD" and t.spelling in ("true", "false")):
            if self.at("("):
                return Call(t.spelling, self.arguments())
            return Name(t.spelling)
        if t.spelling == "(":
            if self.at("{"):
                raise ParseError(f"statement expression in {self.source!r}")
            e = self.expression()
            if self.at(","):
                raise ParseError(f"comma operator in {self.source!r}")
            self.expect(")")
            return e
        raise ParseError(f"unsupported syntax at {t.spelling!r} in {self.source!r}")

    def arguments(self) -> tuple[Expr, ...]:
        self.expect("(")
        args: list[Expr] = []
        if self.at(")"):
            self.take()
            return ()
        while True:
            args.append(self.expression())
            if self.at(","):
                self.take()
                continue
            self.expect(")")
            return tuple(args)

    def postfix(self, e: Expr) -> Expr:
        while True:
            if self.at("->") or self.at("."):
                arrow = self.take().spelling == "->"
                field = self.take()
                if field.kind != "IDENTIFIER":
                    raise ParseError(f"expected a field name after -> or . in {self.source!r}")
                e = Member(e, field.spelling, arrow)
            elif self.at("["):
                self.take()
                idx = self.expression()
                self.expect("]")
                e = Index(e, idx)
            elif self.at("++") or self.at("--"):
                raise ParseError(f"side effect {self.peek().spelling!r} in {self.source!r}")  # type: ignore[union-attr]
            elif self.at("(") and not isinstance(e, Name):
                raise ParseError(f"call through a function pointer in {self.source!r}")
            else:
                return e


@functools.lru_cache(maxsize=4096)
def parse_expr(text: str) -> Expr:
    """Parse one C expression; comments and layout are ignored.

    Raises :class:`~patchscope.errors.ParseError` with the reason on syntax it
    does not cover, never anything else.
    """
    tokens = [t for t in tokenize(text) if t.kind != "COMMENT"]
    return _Parser(tokens, " ".join(text.split())).parse()


def parse_tokens(tokens: list[Token], source: str) -> Expr:
    """Parse an expression from tokens already lexed (comments removed)."""
    return _Parser([t for t in tokens if t.kind != "COMMENT"], source).parse()
