"""Removed parameters that the new body declares as locals at its top.

The common way to replace a parameter by one it can be derived from keeps
the body as it was and adds one line at its top::

    -static void count(struct mm_struct *mm, unsigned long start)
    +static void count(struct vm_area_struct *vma, unsigned long start)
     {
    +    struct mm_struct *mm = vma->vm_mm;
         unsigned long n = 0;

The local ``mm`` then holds, for the whole body, what the parameter ``mm``
held: ``vma->vm_mm`` read at entry.  That is a derivation of the removed
parameter (``old mm := vma->vm_mm``), checked at each call like one the
comparison of bodies finds, provided nothing runs before the declaration
that could change what its initializer reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchscope.arch import ArchProfile
from patchscope.cexpr.cparse import parse_tokens
from patchscope.cexpr.expr_ast import Expr, to_c
from patchscope.clang import Token
from patchscope.core import Param
from patchscope.equivalence.ptypes import same_type
from patchscope.equivalence.uses import ASSIGN_OPS
from patchscope.errors import ParseError

# Statements that end the run of declarations at the top of a block.
_STATEMENT_WORDS = {
    "if", "else", "for", "while", "do", "switch", "case", "default", "return", "goto",
    "break", "continue", "asm", "__asm__",
}  # fmt: skip
# Tokens that write, in an initializer: such a declaration may change what a
# later one reads, so derivations stop before it.
_WRITES = ASSIGN_OPS | {"++", "--"}
# Operators that read, and call-like names that only compute from their operands.
_PURE_CALLS = {"sizeof", "_Alignof", "__alignof__", "offsetof", "typeof", "__typeof__"}
# The line csource puts where a hunks-only body skips lines.
_GAP = b"/* patchscope: lines "


@dataclass
class DerivedLocal:
    """``struct mm_struct *mm = vma->vm_mm;``: the removed parameter *name*,
    declared at the top of the new body with the value of *expr*."""

    name: str
    expr: Expr
    text: str


def _statements(tokens: list[Token], pure: frozenset[str] = frozenset()
                ) -> list[tuple[int, int]]:
    """[start, end] index pairs (end: the ``;``) of the declarations at the top
    of the block that *tokens* opens, up to the first other statement."""
    out: list[tuple[int, int]] = []
    k = 1
    while k < len(tokens):
        first = tokens[k]
        if first.spelling in _STATEMENT_WORDS or first.spelling in ("{", "}", ";"):
            break
        depth, j = 0, k
        while j < len(tokens):
            s = tokens[j].spelling
            if s in ("(", "["):
                depth += 1
            elif s in (")", "]"):
                depth -= 1
            elif s == "{" and depth == 0:
                return out  # an initializer list or a block: not a plain declaration
            elif s == ";" and depth == 0:
                break
            j += 1
        if j >= len(tokens) or not _is_declaration(tokens[k:j], pure):
            break
        out.append((k, j))
        k = j + 1
    return out


def _is_declaration(stmt: list[Token], pure: frozenset[str] = frozenset()) -> bool:
    """``TYPE NAME [= EXPR]`` with an initializer that writes nothing and calls nothing."""
    eq = next((i for i, t in enumerate(stmt) if t.spelling == "="), len(stmt))
    head, init = stmt[:eq], stmt[eq + 1:]
    words = [t for t in head if t.kind in ("IDENTIFIER", "KEYWORD")]
    if len(words) < 2 or any(t.spelling not in ("*", ",", "[", "]") and
                             t.kind not in ("IDENTIFIER", "KEYWORD", "LITERAL")
                             for t in head):
        return False  # a call, an assignment, a macro statement: not a declaration
    for i, t in enumerate(init):
        if t.spelling in _WRITES:
            return False
        if t.kind == "IDENTIFIER" and t.spelling not in _PURE_CALLS | pure and \
                i + 1 < len(init) and init[i + 1].spelling == "(":
            return False  # a call may do anything
    return True


def derived_locals(
    tokens: list[Token], body_text: str, old_params: list[Param], removed: set[str],
    profile: ArchProfile,
) -> tuple[dict[str, DerivedLocal], list[Token]]:
    """The removed parameters the new body declares at its top, and its
    tokens without those declarations.

    *tokens*: the new body's tokens (comments dropped), from its ``{``;
    *body_text*: the text they were lexed from (a hunks-only body marks the
    lines it skips, and a declaration after such a gap is not at the top).
    A declaration counts only with the removed parameter's own type, alone in
    its statement, and after nothing but declarations whose initializers
    neither write nor call.
    """
    if not removed or not tokens or tokens[0].spelling != "{":
        return {}, tokens
    gap = body_text.encode("utf-8", "surrogateescape").find(_GAP)
    types = {p.name: p.type for p in old_params if p.name}
    found: dict[str, DerivedLocal] = {}
    drop: set[int] = set()
    # a function whose result is its arguments' alone (csource.pure) computes like an operator
    for start, end in _statements(tokens, frozenset(profile.pure_functions)):
        stmt = tokens[start:end]
        if 0 <= gap < stmt[0].start:
            break
        eq = next((i for i, t in enumerate(stmt) if t.spelling == "="), None)
        if eq is None or eq < 2 or any(t.spelling == "," for t in stmt):
            continue
        name = stmt[eq - 1].spelling
        if name not in removed or name in found:
            continue
        declared = " ".join(t.spelling for t in stmt[: eq - 1])
        if not same_type(declared, types[name], profile):
            continue
        init = stmt[eq + 1:]
        text = " ".join(t.spelling for t in init)
        try:
            expr = parse_tokens(init, text)
        except ParseError:
            continue
        found[name] = DerivedLocal(name, expr, " ".join(t.spelling for t in stmt) + ";")
        drop.update(range(start, end + 1))
    if not found:
        return {}, tokens
    return found, [t for i, t in enumerate(tokens) if i not in drop]


def describe(local: DerivedLocal) -> str:
    return (f"removed parameter {local.name} is the local the new body declares at its top: "
            f"`{local.text}` (old {local.name} := {to_c(local.expr)})")
