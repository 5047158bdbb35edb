"""The syntax tree of a C expression, its printer, and rewriting helpers.

Nodes are frozen dataclasses: two expressions that differ only in layout,
comments or redundant parentheses parse to equal trees, which is what
"token identity after normalisation" means in the substitution proof.
Names stay names: ``vms->unmap_end`` is a :class:`Member` over a
:class:`Name`, and :func:`chain_text` gives its text back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass

_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")


@dataclass(frozen=True)
class Num:
    value: int
    text: str  # the literal as written, suffix kept ("0x1fUL")


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Member:
    base: Expr
    field: str
    arrow: bool  # True for "->", False for "."


@dataclass(frozen=True)
class Index:
    base: Expr
    index: Expr


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "+", "!", "~", "&", "*"
    operand: Expr


@dataclass(frozen=True)
class Binary:
    op: str  # arithmetic, shifts, comparisons, bitwise, "&&", "||"
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Cond:
    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class Cast:
    type_text: str  # normalised spelling, e.g. "unsigned long", "struct vm_area_struct *"
    operand: Expr


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]


Expr = Num | Name | Member | Index | Unary | Binary | Cond | Cast | Call

# Binding strength of binary operators (higher binds tighter), as in C.
BINARY_PREC: dict[str, int] = {
    "*": 13,
    "/": 13,
    "%": 13,
    "+": 12,
    "-": 12,
    "<<": 11,
    ">>": 11,
    "<": 10,
    "<=": 10,
    ">": 10,
    ">=": 10,
    "==": 9,
    "!=": 9,
    "&": 8,
    "^": 7,
    "|": 6,
    "&&": 5,
    "||": 4,
}
COND_PREC = 3
UNARY_PREC = 14
POSTFIX_PREC = 15
COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})


def precedence(e: Expr) -> int:
    if isinstance(e, Binary):
        return BINARY_PREC[e.op]
    if isinstance(e, Cond):
        return COND_PREC
    if isinstance(e, Unary | Cast):
        return UNARY_PREC
    return POSTFIX_PREC


def to_c(e: Expr) -> str:
    """Print *e* as C with single spaces around binary operators and only the
    parentheses that precedence needs."""
    if isinstance(e, Num):
        return e.text
    if isinstance(e, Name):
        return e.name
    if isinstance(e, Member):
        return f"{_wrap(e.base, POSTFIX_PREC)}{'->' if e.arrow else '.'}{e.field}"
    if isinstance(e, Index):
        return f"{_wrap(e.base, POSTFIX_PREC)}[{to_c(e.index)}]"
    if isinstance(e, Call):
        return f"{e.func}({', '.join(to_c(a) for a in e.args)})"
    if isinstance(e, Unary):
        inner = _wrap(e.operand, UNARY_PREC)
        if inner[:1] in ("-", "+", "&") and inner[:1] == e.op:
            inner = " " + inner  # "- -x", not "--x"
        return e.op + inner
    if isinstance(e, Cast):
        return f"({e.type_text}){_wrap(e.operand, UNARY_PREC)}"
    if isinstance(e, Binary):
        p = BINARY_PREC[e.op]
        # left-associative: the right operand needs parentheses at equal precedence
        return f"{_wrap(e.left, p)} {e.op} {_wrap(e.right, p + 1)}"
    if isinstance(e, Cond):
        return f"{_wrap(e.cond, COND_PREC + 1)} ? {to_c(e.then)} : {_wrap(e.other, COND_PREC)}"
    raise TypeError(f"not an expression: {e!r}")


def _wrap(e: Expr, min_prec: int) -> str:
    text = to_c(e)
    return f"({text})" if precedence(e) < min_prec else text


def children(e: Expr) -> tuple[Expr, ...]:
    if isinstance(e, Member):
        return (e.base,)
    if isinstance(e, Index):
        return (e.base, e.index)
    if isinstance(e, Unary | Cast):
        return (e.operand,)
    if isinstance(e, Binary):
        return (e.left, e.right)
    if isinstance(e, Cond):
        return (e.cond, e.then, e.other)
    if isinstance(e, Call):
        return e.args
    return ()


def walk(e: Expr) -> Iterator[Expr]:
    """Every node of *e*, parents before children."""
    yield e
    for c in children(e):
        yield from walk(c)


def chain_text(e: Expr) -> str | None:
    """``vms->unmap_end`` for a member chain over a name, else None."""
    if isinstance(e, Name):
        return e.name
    if isinstance(e, Member):
        base = chain_text(e.base)
        if base is not None:
            return f"{base}{'->' if e.arrow else '.'}{e.field}"
    return None


def free_names(e: Expr) -> set[str]:
    """The identifiers *e* reads (macros included, called function names excluded)."""
    return {n.name for n in walk(e) if isinstance(n, Name)}


def unknown_constants(names: Iterable[str], known: Container[str]) -> list[str]:
    """The names spelled as the kernel spells macros and enum constants
    (``VMS_END``) that *known* (an arch profile's macros, the mail's defines)
    does not give a value: one fixed value each, maybe an expression of the
    caller's own state, so never free values to choose a counterexample by."""
    return sorted(n for n in names if _CONSTANT.fullmatch(n) and n not in known)


def free_chains(e: Expr) -> set[str]:
    """The outermost member chains and bare names *e* reads, e.g. ``{"prev->vm_end", "prev"}``."""
    out: set[str] = set()

    def visit(n: Expr) -> None:
        text = chain_text(n)
        if text is not None:
            out.add(text)
            if isinstance(n, Member):
                visit(n.base)
            return
        for c in children(n):
            visit(c)

    visit(e)
    return out


def value_chains(e: Expr) -> set[str]:
    """The member chains and names whose values *e*'s value depends on.

    As :func:`free_chains`, except that an address ``&p->f`` (or ``&p->a.b``)
    depends on the pointer ``p``, not on what ``p->f`` holds: writing the field
    leaves its address alone.  Only where the address itself is the value:
    once memory is read through it (``*&p->f``, ``(&p->f)[0]``), every chain
    counts, as for :func:`free_chains`.
    """
    if isinstance(e, Unary) and e.op == "&":
        target = e.operand
        while isinstance(target, Member) and not target.arrow:
            target = target.base  # &s.a.b: the address of a part of s
        if isinstance(target, Member) and target.arrow:
            return value_chains(target.base)  # &p->f: p's value plus an offset
        if isinstance(target, Name):
            return set()  # &x: the address of x is fixed
        return free_chains(e)
    if isinstance(e, Unary) and e.op == "*" or isinstance(e, Index | Member):
        return free_chains(e)  # reads memory
    if chain_text(e) is not None:
        return free_chains(e)
    out: set[str] = set()
    for c in children(e):
        out |= value_chains(c)
    return out


def rebuild(e: Expr, f: Callable[[Expr], Expr | None]) -> Expr:
    """Rewrite *e* top-down: where *f* returns a node it replaces the subtree."""
    r = f(e)
    if r is not None:
        return r
    if isinstance(e, Member):
        return Member(rebuild(e.base, f), e.field, e.arrow)
    if isinstance(e, Index):
        return Index(rebuild(e.base, f), rebuild(e.index, f))
    if isinstance(e, Unary):
        return Unary(e.op, rebuild(e.operand, f))
    if isinstance(e, Cast):
        return Cast(e.type_text, rebuild(e.operand, f))
    if isinstance(e, Binary):
        return Binary(e.op, rebuild(e.left, f), rebuild(e.right, f))
    if isinstance(e, Cond):
        return Cond(rebuild(e.cond, f), rebuild(e.then, f), rebuild(e.other, f))
    if isinstance(e, Call):
        return Call(e.func, tuple(rebuild(a, f) for a in e.args))
    return e


def substitute(e: Expr, mapping: dict[str, Expr]) -> Expr:
    """Replace names (and member chains, keyed by their text) by expressions.

    Replacement is simultaneous: a substituted expression is not rewritten again.
    """
    if not mapping:
        return e

    def f(n: Expr) -> Expr | None:
        if isinstance(n, Name | Member):
            text = chain_text(n)
            if text is not None and text in mapping:
                return mapping[text]
        return None

    return rebuild(e, f)


def simplify(e: Expr) -> Expr:
    """Fold what substitution leaves behind: ``*&x`` -> ``x``, ``&*p`` -> ``p``,
    ``(&s)->f`` -> ``s.f``, ``(*p).f`` -> ``p->f``."""

    def f(n: Expr) -> Expr | None:
        if isinstance(n, Unary) and isinstance(n.operand, Unary):
            inner = n.operand
            if {n.op, inner.op} == {"*", "&"}:
                return simplify(inner.operand)
        if isinstance(n, Member) and isinstance(n.base, Unary):
            if n.arrow and n.base.op == "&":
                return Member(simplify(n.base.operand), n.field, False)
            if not n.arrow and n.base.op == "*":
                return Member(simplify(n.base.operand), n.field, True)
        return None

    return rebuild(e, f)
