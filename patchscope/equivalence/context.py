"""What a caller's own new (or removed) definitions say about an argument.

When a patch packs parameters into a struct the caller builds just before the
call (``struct foo_ctx ctx = { .a = x, .b = y };  f(&ctx);``), or passes a
local it now computes first, the new argument only equals the old one through
those lines.  This module reads the statements that one side of the caller
has and the other has not, and turns the simple ones (a declaration or
assignment of a fresh name, a designated initializer) into definitions that
can be substituted into an argument.

It is deliberately conservative: a definition counts only in the call's own
block (not under an ``if`` without braces, not in a block closed before the
call, no label or ``case`` in between), only when neither it nor what it reads
is written again before the call, and only when every differing statement is
such a definition; otherwise nothing is resolved.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field

from patchscope.cexpr.ceval import PURE_CALLS
from patchscope.cexpr.cparse import parse_tokens
from patchscope.cexpr.expr_ast import (
    Call,
    Expr,
    Member,
    Name,
    Num,
    rebuild,
    value_chains,
    walk,
)
from patchscope.clang import Token
from patchscope.equivalence.bodydiff import body_tokens
from patchscope.equivalence.catalogue import current
from patchscope.equivalence.packed import Packing, side_packing, unresolved
from patchscope.equivalence.packed import resolve as packed_resolve
from patchscope.equivalence.uses import assigned_names
from patchscope.errors import ParseError

_TYPE_TOKENS = frozenset(
    {"struct", "union", "enum", "const", "volatile", "unsigned", "signed", "long", "int",
     "short", "char", "bool", "_Bool", "*"}
)


@dataclass
class Statement:
    tokens: list[Token]
    block: int  # id of the innermost block it sits in
    start: int  # index of its first token in the context's token list
    conditional: bool  # the body of a braceless if/else/while/for


@dataclass
class Definitions:
    """Chains (``ctx``, ``ctx.a``) a side of the caller defines before the call."""

    values: dict[str, Expr] = field(default_factory=dict)
    zeroed: set[str] = field(default_factory=set)  # designated initializers: the rest is 0
    # structs built by macros, helpers and field stores (:mod:`.packed`)
    packing: Packing | None = None

    def resolve(self, e: Expr) -> Expr:
        """*e* with the defined names and fields replaced by their values."""
        if self.packing is not None:
            e = packed_resolve(self.packing.filled, e)

        def f(n: Expr) -> Expr | None:
            if isinstance(n, Name) and n.name in self.values:
                return self.values[n.name]
            if isinstance(n, Member) and isinstance(n.base, Name) and not n.arrow:
                key = f"{n.base.name}.{n.field}"
                if key in self.values:
                    return self.values[key]
                if n.base.name in self.zeroed:
                    return Num(0, "0")
            return None

        return rebuild(e, f)

    def __bool__(self) -> bool:
        return bool(self.values or self.zeroed or self.packing)

    def unknown_fields(self, e: Expr) -> list[str]:
        """Fields of a struct this side built that *e* reads and no statement set."""
        return unresolved(self.packing.filled, e) if self.packing is not None else []

    def names(self) -> set[str]:
        """The names this side defines afresh."""
        out = {n.split(".")[0] for n in self.values} | self.zeroed
        return out | (set(self.packing.filled) if self.packing is not None else set())


def _statements(tokens: list[Token]) -> tuple[list[Statement], int]:
    """Split at ``;``, ``{`` and ``}``; return statements and the call's block id."""
    out: list[Statement] = []
    stack = [0]
    next_block = 1
    current: list[Token] = []
    start = 0
    depth = 0
    for k, t in enumerate(tokens):
        if not current:
            start = k
        current.append(t)
        s = t.spelling
        prev = tokens[k - 1].spelling if k else ""
        # parentheses, brackets and an initializer's braces do not end a statement
        if s in ("(", "[") or (s == "{" and (depth > 0 or prev == "=")):
            depth += 1
            continue
        if s in (")", "]") or (s == "}" and depth > 0):
            depth -= 1
            continue
        if depth > 0 or s not in (";", "{", "}"):
            continue
        out.append(Statement(current, stack[-1], start, _is_conditional(tokens, start)))
        current = []
        if s == "{":
            stack.append(next_block)
            next_block += 1
        elif s == "}" and len(stack) > 1:
            stack.pop()
    if current:
        out.append(Statement(current, stack[-1], start, _is_conditional(tokens, start)))
    return out, stack[-1]


def _is_conditional(tokens: list[Token], start: int) -> bool:
    if start == 0:
        return False
    before = tokens[start - 1].spelling
    return before in ("else", "do") or before == ")"


def _definition(stmt: Statement) -> dict[str, Expr] | tuple[str, dict[str, Expr]] | None:
    """``T name = E;`` -> {name: E}; ``T name = { .f = E };`` -> (name, {name.f: E})."""
    toks = stmt.tokens
    if not toks or toks[-1].spelling != ";":
        return None
    body = toks[:-1]
    eq = next((k for k, t in enumerate(body) if t.spelling == "="), None)
    if eq is None or eq == 0 or body[eq - 1].kind != "IDENTIFIER":
        return None
    name = body[eq - 1].spelling
    prefix = body[: eq - 1]
    if any(t.spelling not in _TYPE_TOKENS and t.kind != "IDENTIFIER" for t in prefix):
        return None
    value = body[eq + 1 :]
    try:
        if value and value[0].spelling == "{" and value[-1].spelling == "}":
            return name, _designated(name, value[1:-1])
        return {name: parse_tokens(value, " ".join(t.spelling for t in value))}
    except ParseError:
        return None


def _designated(name: str, items: list[Token]) -> dict[str, Expr]:
    out: dict[str, Expr] = {}
    depth = 0
    part: list[Token] = []
    parts: list[list[Token]] = []
    for t in items:
        if t.spelling in ("(", "[", "{"):
            depth += 1
        elif t.spelling in (")", "]", "}"):
            depth -= 1
        if t.spelling == "," and depth == 0:
            parts.append(part)
            part = []
        else:
            part.append(t)
    if part:
        parts.append(part)
    for p in parts:
        if len(p) < 4 or p[0].spelling != "." or p[2].spelling != "=":
            raise ParseError("not a designated initializer")
        out[f"{name}.{p[1].spelling}"] = parse_tokens(p[3:], " ".join(t.spelling for t in p[3:]))
    return out


def _has_jump_target(tokens: list[Token]) -> bool:
    for k, t in enumerate(tokens):
        if t.spelling in ("case", "default"):
            return True
        if (
            t.spelling == ":"
            and k >= 1
            and tokens[k - 1].kind == "IDENTIFIER"
            and (k == 1 or tokens[k - 2].spelling in (";", "{", "}"))
        ):
            return True
    return False


def _side_definitions(
    stmts: list[Statement], chosen: list[int], all_tokens: list[Token], call_block: int,
    other_names: set[str],
) -> Definitions | None:
    defs = Definitions()
    for k in chosen:
        stmt = stmts[k]
        found = _definition(stmt)
        if found is None or stmt.conditional or stmt.block != call_block:
            return None
        later = all_tokens[stmt.start + len(stmt.tokens) :]
        if _has_jump_target(later):
            return None  # a label in between: a jump may skip the definition
        written = assigned_names(later)
        if isinstance(found, tuple):
            name, values = found
            defs.zeroed.add(name)
        else:
            values = found
            name = next(iter(values))
        if name in other_names or name in written or any(
            n.split(".")[0] in written for n in values
        ):
            return None  # not fresh, or changed again before the call
        for value in values.values():
            if value_chains(value) & written:  # `&x->f` is not changed by writing x->f
                return None
            if any(isinstance(n, Call) and n.func not in PURE_CALLS for n in walk(value)):
                return None  # a call may have effects the other side does not have
        defs.values.update({n: defs.resolve(v) for n, v in values.items()})
    return defs


def _calls_one_of(stmt: Statement, names: frozenset[str]) -> bool:
    toks = stmt.tokens
    return any(
        t.spelling in names and k + 1 < len(toks) and toks[k + 1].spelling == "("
        for k, t in enumerate(toks)
    )


def context_definitions(
    old_context: str | None, new_context: str | None, neutral: frozenset[str] = frozenset()
) -> tuple[Definitions, Definitions] | None:
    """Definitions only the old side, and only the new side, of the caller has
    before the call (with the struct shapes :func:`.packed.current` knows)."""
    return _context_definitions(old_context, new_context, neutral, current())


@functools.lru_cache(maxsize=256)
def _context_definitions(
    old_context: str | None, new_context: str | None, neutral: frozenset[str],
    catalogue: object,
) -> tuple[Definitions, Definitions] | None:
    """Definitions only the old side, and only the new side, of the caller has
    before the call; None when the two sides differ in anything else.

    Statements that call one of *neutral* (the functions whose parameters the
    patch changes) may differ: each such call is checked as a call site of
    its own, and the patch is only proved if it is.
    """
    if old_context is None or new_context is None:
        return None
    try:
        old_t = body_tokens(old_context, cut_start=True)
        new_t = body_tokens(new_context, cut_start=True)
    except Exception:
        return None
    old_s, old_block = _statements(old_t)
    new_s, new_block = _statements(new_t)
    key = lambda s: tuple(t.spelling for t in s.tokens)  # noqa: E731
    matcher = difflib.SequenceMatcher(None, [key(s) for s in old_s], [key(s) for s in new_s],
                                      autojunk=False)
    only_old: list[int] = []
    only_new: list[int] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            only_old.extend(k for k in range(i1, i2) if not _calls_one_of(old_s[k], neutral))
            only_new.extend(k for k in range(j1, j2) if not _calls_one_of(new_s[k], neutral))
    if not only_old and not only_new:
        return Definitions(), Definitions()
    old_names = {t.spelling for t in old_t if t.kind == "IDENTIFIER"}
    new_names = {t.spelling for t in new_t if t.kind == "IDENTIFIER"}
    old_defs = _side_definitions(old_s, only_old, old_t, old_block, new_names)
    new_defs = _side_definitions(new_s, only_new, new_t, new_block, old_names)
    if old_defs is None:
        old_defs = _packed_side(old_s, only_old, old_t, old_block, new_names, "old")
    if new_defs is None:
        new_defs = _packed_side(new_s, only_new, new_t, new_block, old_names, "new")
    if old_defs is None or new_defs is None:
        return None
    return old_defs, new_defs


def _packed_side(stmts: list[Statement], chosen: list[int], all_tokens: list[Token],
                 call_block: int, other_names: set[str], side: str) -> Definitions | None:
    """The side's definitions read as a struct the caller builds (:mod:`.packed`)."""
    picked = []
    for k in chosen:
        stmt = stmts[k]
        if stmt.conditional or stmt.block != call_block or stmt.tokens[-1].spelling != ";":
            return None
        picked.append((stmt.start, stmt.start + len(stmt.tokens)))
    found = side_packing(all_tokens, picked, other_names, current().side(side))
    if found is None:
        return None
    values, packing = found
    return Definitions(values=values, packing=packing)
