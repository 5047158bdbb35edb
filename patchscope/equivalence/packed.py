"""Arguments packed into a struct: what a caller stores in each field (issue 11.2).

A patch packs a function's parameters into ``struct unmap_desc *desc``; its
callers build the struct before the call: a designated or positional
initializer, an initializer macro (``UNMAP_DESC(desc, mas, vma, ...)``),
field assignments after it (``desc.pg_max = ...``), an init helper
(``unmap_desc_init(&desc, ...)``).  This module reads those statements on one
side of a caller and says what each field holds at the call, so that
``(&desc)->pg_max`` in a substituted argument is what the caller stored.

Sound by refusal: a statement it does not understand, a field written again
later, a helper whose body is anything but field stores, makes the caller's
definitions unknown (the call stays undecided).  A field the caller never sets
is 0 after an initializer (C zeroes the rest) and unknown after a bare
declaration.  Where a call the proof cannot see into runs between the fill
and the call, the values read are equal only if that call does not write
what they read: that is stated as an assumption by name, never silently.

The macros, helpers and struct definitions come from the patch's
:class:`.catalogue.Catalogue` (the verdict names where each came from,
``UNMAP_DESC() from patch 3/4``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from patchscope.cexpr.ceval import PURE_CALLS
from patchscope.cexpr.cparse import parse_tokens
from patchscope.cexpr.expr_ast import (
    Call,
    Expr,
    Index,
    Member,
    Name,
    Num,
    Unary,
    rebuild,
    to_c,
    value_chains,
    walk,
)
from patchscope.clang import Token
from patchscope.clex import tokenize
from patchscope.core import CallSite, Support
from patchscope.equivalence.catalogue import CONSTANT, Catalogue, Shape
from patchscope.equivalence.refactor import groups
from patchscope.equivalence.uses import assigned_names
from patchscope.errors import ParseError


@dataclass
class Filled:
    """A struct variable the caller builds: its fields at the call."""

    var: str
    struct: str | None
    values: dict[str, Expr] = field(default_factory=dict)
    zero_rest: bool = False  # an initializer: fields it does not name are 0
    uses: list[str] = field(default_factory=list)  # shapes read, "UNMAP_DESC() from patch 3/4"

    def value(self, f: str) -> Expr | None:
        if f in self.values:
            return self.values[f]
        return Num(0, "0") if self.zero_rest else None


@dataclass
class Packing:
    """What the packed path adds to one side's definitions."""

    filled: dict[str, Filled] = field(default_factory=dict)
    assumed: list[str] = field(default_factory=list)
    statements: list[tuple[str, ...]] = field(default_factory=list)  # consumed, as spellings
    shapes: list[Shape] = field(default_factory=list)  # the catalogue's definitions used


def _expr(toks: list[Token]) -> Expr:
    return parse_tokens(toks, " ".join(t.spelling for t in toks))


def _pure(e: Expr) -> bool:
    """No call, no dereference or subscript (memory no chain names), no side effect."""
    return not any((isinstance(n, Call) and n.func not in PURE_CALLS) or isinstance(n, Index)
                   or (isinstance(n, Unary) and n.op in ("*", "++", "--")) for n in walk(e))


def _lex(text: str) -> list[Token]:
    return [t for t in tokenize(text) if t.kind != "COMMENT"]


def _initializer(var: str, struct: str | None, items: list[Token], cat: Catalogue,
                 pack: Packing) -> Filled:
    """``{ .f = E, ... }`` or ``{ E, ... }`` (the struct's fields in order)."""
    filled = Filled(var, struct, zero_rest=True)
    parts = groups(items, 0, len(items))  # a trailing comma adds no group
    designated = [p for p in parts if p and p[0].spelling == "."]
    if designated and len(designated) != len(parts):
        raise ParseError("a mixed initializer")
    if designated:
        for p in parts:
            if len(p) < 4 or p[1].kind != "IDENTIFIER" or p[2].spelling != "=":
                raise ParseError("not a designated initializer")
            if p[1].spelling in filled.values:
                raise ParseError("a field initialized twice")
            filled.values[p[1].spelling] = _expr(p[3:])
        return filled
    shape = cat.find("struct", struct) if struct else None
    if shape is None or len(parts) > len(shape.params):
        raise ParseError("a positional initializer of a struct whose fields are not known")
    filled.uses.append(f"the fields of {shape.label}")
    for name, p in zip(shape.params, parts, strict=False):
        filled.values[name] = _expr(p)
    return filled


def _declaration(toks: list[Token], cat: Catalogue, pack: Packing) -> Filled | None:
    """``struct T v;`` or ``struct T v = {...};``; None when not one."""
    if len(toks) < 3 or toks[0].spelling != "struct" or toks[1].kind != "IDENTIFIER" \
            or toks[2].kind != "IDENTIFIER":
        return None
    struct, var = toks[1].spelling, toks[2].spelling
    rest = toks[3:]
    if not rest:
        filled = Filled(var, struct)  # automatic storage: every field unknown
    elif rest[0].spelling == "=" and len(rest) >= 3 and rest[1].spelling == "{" \
            and rest[-1].spelling == "}":
        filled = _initializer(var, struct, rest[2:-1], cat, pack)
    else:
        return None
    shape = cat.find("struct", struct)
    if shape is not None and shape not in pack.shapes:
        pack.shapes.append(shape)
    return filled


def _call_of(toks: list[Token]) -> tuple[str, list[list[Token]]] | None:
    if len(toks) < 3 or toks[0].kind != "IDENTIFIER" or toks[1].spelling != "(" \
            or toks[-1].spelling != ")":
        return None
    return toks[0].spelling, groups(toks, 2, len(toks) - 1)


def _expand(shape: Shape, args: list[list[Token]]) -> list[Token]:
    if len(args) != len(shape.params):
        raise ParseError(f"{shape.name}() takes {len(shape.params)} arguments")
    bound = {p: " ".join(t.spelling for t in a) for p, a in zip(shape.params, args,
                                                                  strict=True)}
    if any("#" in t.spelling for t in _lex(shape.body)):
        raise ParseError(f"{shape.name}() pastes or stringifies")
    text = " ".join(f"({bound[t.spelling]})" if t.spelling in bound and t.kind == "IDENTIFIER"
                    else t.spelling for t in _lex(shape.body))
    # a parameter used as a name (the declared variable) must not be parenthesized
    for a in bound.values():
        text = re.sub(rf"\b(struct\s+\w+\s+)\({re.escape(a)}\)", rf"\g<1>{a}", text)
    return _lex(text)


def _inline(shape: Shape, args: list[list[Token]], filled: dict[str, Filled]
            ) -> tuple[str, dict[str, Expr]] | None:
    """``helper(&v, a, b)`` whose body only stores parameters' expressions into
    fields of its first parameter: (v, field -> value)."""
    if len(args) != len(shape.params) or not args or not shape.params[0]:
        return None
    target = args[0]
    if len(target) != 2 or target[0].spelling != "&" or target[1].spelling not in filled:
        return None
    ptr = shape.params[0]
    try:
        bound = {p: _expr(a) for p, a in zip(shape.params[1:], args[1:], strict=True)}
    except ParseError:
        return None
    if not all(_pure(e) for e in bound.values()):
        return None
    out: dict[str, Expr] = {}
    for stmt in " ".join(t.spelling for t in _lex(shape.body)).split(";"):
        toks = _lex(stmt)
        if not toks:
            continue
        if len(toks) < 5 or toks[0].spelling != ptr or toks[1].spelling != "->" \
                or toks[3].spelling != "=":
            return None  # anything but `desc->f = E;`
        try:
            e = _expr(toks[4:])
        except ParseError:
            return None
        if not _pure(e) or any(isinstance(n, Name) and n.name == ptr for n in walk(e)):
            return None  # a call, or a read of the struct it fills
        if any(isinstance(n, Name) and n.name not in bound and not CONSTANT.match(n.name)
               for n in walk(e)):
            return None  # a global: the caller's scope may name something else so
        out[toks[2].spelling] = rebuild(e, lambda n: bound.get(n.name)
                                        if isinstance(n, Name) else None)
    return target[1].spelling, out


def resolve(filled: dict[str, Filled], e: Expr) -> Expr:
    """*e* with ``v.f`` of a filled variable replaced by what it holds (left
    as is where unknown: :func:`unresolved` says so)."""

    def f(n: Expr) -> Expr | None:
        if isinstance(n, Member) and isinstance(n.base, Name) and not n.arrow \
                and n.base.name in filled:
            return filled[n.base.name].value(n.field)
        return None
    return rebuild(e, f)


def unresolved(filled: dict[str, Filled], e: Expr) -> list[str]:
    """Fields of filled variables *e* still reads: never set, not known to be 0."""
    out = []
    for n in walk(e):
        if isinstance(n, Member) and isinstance(n.base, Name) and n.base.name in filled:
            out.append(f"{n.base.name}.{n.field}")
        elif isinstance(n, Name) and n.name in filled:
            out.append(n.name)  # the struct as a whole: not a value we know
    return sorted(set(out))


def interpret(toks: list[Token], pack: Packing, cat: Catalogue) -> bool:
    """Take one statement (without its ``;``) into *pack*; False when it is
    not one of the shapes that build a struct."""
    spell = tuple(t.spelling for t in toks)
    try:
        decl = _declaration(toks, cat, pack)
        if decl is not None:
            if decl.var in pack.filled:
                return False
            pack.filled[decl.var] = decl
            pack.statements.append(spell)
            return True
        call = _call_of(toks)
        if call is not None:
            name, args = call
            macro = cat.find("macro", name)
            if macro is not None:
                expanded = _expand(macro, args)
                if expanded and expanded[-1].spelling == ";":
                    expanded = expanded[:-1]
                decl = _declaration(expanded, cat, pack)
                if decl is None or decl.var in pack.filled:
                    return False
                decl.uses.insert(0, macro.label)
                pack.shapes.append(macro)
                pack.filled[decl.var] = decl
                pack.statements.append(spell)
                return True
            helper = cat.find("helper", name)
            if helper is not None:
                done = _inline(helper, args, pack.filled)
                if done is None:
                    return False
                var, values = done
                target = pack.filled[var]
                target.values.update({f: resolve(pack.filled, v) for f, v in values.items()})
                target.uses.append(f"{helper.label} (inlined)")
                pack.shapes.append(helper)
                pack.statements.append(spell)
                return True
            return False
        # `v.f = E`
        if len(toks) >= 5 and toks[0].spelling in pack.filled and toks[1].spelling == "." \
                and toks[2].kind == "IDENTIFIER" and toks[3].spelling == "=":
            e = _expr(toks[4:])
            if not _pure(e):
                return False
            target = pack.filled[toks[0].spelling]
            target.values[toks[2].spelling] = resolve(pack.filled, e)
            pack.statements.append(spell)
            return True
    except ParseError:
        return False
    return False


_TYPE_WORDS = frozenset({"struct", "union", "enum", "const", "unsigned", "signed", "long", "int",
                         "short", "char", "bool", "_Bool", "*"})
_NOT_CALLS = frozenset({"if", "while", "for", "switch", "return", "sizeof", "typeof",
                        "__typeof__"})


def _plain(toks: list[Token]) -> tuple[str, Expr] | None:
    """``T x = E`` (no braces): (x, E)."""
    eq = next((k for k, t in enumerate(toks) if t.spelling == "="), None)
    if eq is None or eq < 2 or toks[eq - 1].kind != "IDENTIFIER":
        return None
    if any(t.spelling not in _TYPE_WORDS and t.kind != "IDENTIFIER" for t in toks[:eq - 1]):
        return None
    if eq + 1 >= len(toks) or toks[eq + 1].spelling == "{":
        return None
    try:
        e = _expr(toks[eq + 1:])
    except ParseError:
        return None
    return (toks[eq - 1].spelling, e) if _pure(e) else None


def _jump_target(tokens: list[Token]) -> bool:
    for k, t in enumerate(tokens):
        if t.spelling in ("case", "default"):
            return True
        if t.spelling == ":" and k >= 1 and tokens[k - 1].kind == "IDENTIFIER" and (
                k == 1 or tokens[k - 2].spelling in (";", "{", "}")):
            return True
    return False


def _calls_in(tokens: list[Token]) -> list[str]:
    return list(dict.fromkeys(
        t.spelling for k, t in enumerate(tokens[:-1])
        if t.kind == "IDENTIFIER" and tokens[k + 1].spelling == "("
        and t.spelling not in _NOT_CALLS and t.spelling not in PURE_CALLS
        and (k == 0 or tokens[k - 1].spelling not in ("->", "."))))


def _callee_of_argument(tokens: list[Token], k: int) -> str | None:
    """The function whose argument list holds token *k* directly, if any."""
    depth = 0
    for j in range(k - 1, -1, -1):
        sp = tokens[j].spelling
        if sp == ")":
            depth += 1
        elif sp == "(":
            if depth == 0:
                return tokens[j - 1].spelling if j > 0 and tokens[j - 1].kind == "IDENTIFIER" \
                    else None
            depth -= 1
        elif sp in (";", "{", "}"):
            return None
    return None


def side_packing(tokens: list[Token], picked: list[tuple[int, int]], other_names: set[str],
                 cat: Catalogue) -> tuple[dict[str, Expr], Packing] | None:
    """The statements *picked* (token ranges, each ending in ``;``) of one side
    of a caller, read as plain definitions and struct builders; None when one
    is neither, or what runs after it up to the call may change what it set."""
    pack = Packing()
    values: dict[str, Expr] = {}
    for start, end in picked:
        toks = [t for t in tokens[start:end - 1] if t.kind != "COMMENT"]
        if interpret(toks, pack, cat):
            continue
        plain = _plain(toks)
        if plain is None or plain[0] in values or plain[0] in pack.filled:
            return None
        name, e = plain
        values[name] = resolve(pack.filled, e)
        pack.statements.append(tuple(t.spelling for t in toks) + (";",))
    pack.statements = [s if s[-1:] == (";",) else s + (";",) for s in pack.statements]
    if not picked:
        return values, pack
    consumed = {i for start, end in picked for i in range(start, end)}
    between = [t for i, t in enumerate(tokens) if i >= picked[0][0] and i not in consumed]
    if _jump_target(between):
        return None  # a label in between: a jump may skip the definitions
    fresh = set(values) | set(pack.filled)
    if fresh & other_names:
        return None  # not fresh: the other side has the name too
    written = assigned_names(between)
    calls = _calls_in(between)
    for k, t in enumerate(between):
        if t.spelling not in pack.filled or (k and between[k - 1].spelling in ("->", ".")):
            continue
        callee = _callee_of_argument(between, k) if k and between[k - 1].spelling == "&" \
            else None
        if callee is None:
            return None  # named otherwise than as `&v` passed to a call
        f = pack.filled[t.spelling]
        stored = ", ".join(f"{t.spelling}.{n}" for n in f.values) or t.spelling
        pack.assumed.append(f"assumes {callee}() does not write {stored}")
    if any(n in written or n.split(".")[0] in written for n in values):
        return None
    exprs = [*values.values(), *(v for f in pack.filled.values() for v in f.values.values())]
    for e in exprs:
        chains = value_chains(e)
        if chains & written or any(c.split("->")[0].split(".")[0] in written for c in chains):
            return None  # what the value reads is written before the call
        memory = sorted(c for c in chains if "->" in c)
        for callee in calls:
            for c in memory:
                note = f"assumes {callee}() does not write {c}"
                if note not in pack.assumed:
                    pack.assumed.append(note)
    # a plain name may be a global, which a call can write without its address
    names = sorted({c for e in exprs for c in value_chains(e)
                    if "->" not in c and "." not in c and not CONSTANT.match(c)})
    if names:
        pack.assumed += [f"assumes {callee}() does not write {', '.join(names)} (should one "
                         "be a global, not the caller's own)" for callee in calls]
    return values, pack


def _sides(defs: tuple[Any, Any]) -> list[tuple[str, Packing]]:
    return [(side, d.packing) for side, d in zip(("old", "new"), defs, strict=True)
            if d.packing is not None]


def packed_steps(defs: tuple[Any, Any], who: str = "the caller") -> list[str]:
    """What the packed reading of the caller used and assumed, for the steps:
    one line per field stored."""
    out = []
    for side, pack in _sides(defs):
        for f in pack.filled.values():
            uses = ", ".join(dict.fromkeys(f.uses)) or "its own statements"
            out.append(f"{who} builds {f.var} ({side} side) with {uses}:")
            out += [f"  {f.var}.{n} := {to_c(v)}" for n, v in f.values.items()]
            if f.zero_rest:
                out.append(f"  every other field of {f.var} is 0 (an initializer)")
            else:
                out.append(f"  no other field of {f.var} is known (no initializer)")
        out += [f"assumed: {a}" for a in pack.assumed]
    return out


def supported(call: CallSite, defs: tuple[Any, Any]) -> None:
    """Note on *call* the statements and new definitions its proof read."""
    for side, pack in _sides(defs):
        note = "; ".join(pack.assumed) or None
        label = f"the struct {call.caller}() builds for its call of {call.function}()"
        for spell in pack.statements:
            s = Support(call.file, side, spell, label, note)
            if s not in call.support:
                call.support.append(s)
        for shape in pack.shapes:
            if shape.origin != "this patch":
                continue
            spell = tuple(t.spelling for t in _lex(shape.text) if t.kind != "COMMENT")
            # a new macro could change code already naming it; a new struct or
            # static function could not (a second definition does not compile)
            note = (f"no code outside this patch names {shape.name} (the new macro would "
                    "change what it means; not checked)") if shape.kind == "macro" else None
            s = Support(shape.file, "new", spell,
                        f"{shape.label}, read by the proof of {call.caller}()'s call of "
                        f"{call.function}()", note)
            if s not in call.support:
                call.support.append(s)


def field_row(call: CallSite, param: str, derived: Expr, have: Expr,
              lookup: Callable[[], tuple[Any, Any] | None]) -> None:
    """Note on *call* the field a removed parameter now travels in, with what
    the caller stores there: ``pg_max`` became ``desc->pg_max``, and the caller
    stored ``next ? next->vm_start : ...`` (one row of the argument table)."""
    if not (isinstance(derived, Member) and derived.arrow and isinstance(derived.base, Name)):
        return
    if not (isinstance(have, Member) and isinstance(have.base, Name) and not have.arrow):
        return  # not a struct of the caller's own (`&d`)
    defs = lookup()
    if defs is None or defs[1].packing is None or have.base.name not in defs[1].packing.filled:
        return
    value = defs[1].packing.filled[have.base.name].value(have.field)
    label = f"{derived.base.name}->{derived.field}"
    row = (param, label, to_c(value) if value is not None else "(not set)")
    if row not in call.fields:
        call.fields.append(row)
