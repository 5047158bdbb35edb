"""A parameter's type changes, its truth values kept (issue 12).

Two shapes of "no functional change" patches that change a parameter's type
and what the callers pass, and that the token comparison alone cannot prove:

- a flag word the body only tests for one bit becomes a ``bool``:
  ``if (flags & VM_LOCKED)`` becomes ``if (locked)``, the callers pass
  ``vma->vm_flags & VM_LOCKED`` or ``!!(...)``.  The new body reads ``locked``
  only for its truth value, so ``locked := flags & VM_LOCKED`` holds by truth
  value whatever the types; each call's new argument is then compared with
  the old one's ``flags & VM_LOCKED`` as a ``bool`` (z3, with the macro's
  value from the mail or the tree where its value decides it).
- a ``bool`` becomes an ``enum`` with the branches swapped to match:
  ``if (fast) A else B`` becomes ``if (mode == WALK_SLOW) B else A``.  The new
  ``if (c) X else Y`` is the C statement ``if (!(c)) Y else X`` (the condition
  is evaluated once either way); read so, the bodies match with ``old fast :=
  !(mode == WALK_SLOW)``, which the old body only tests for truth, and each
  call is compared as a ``bool`` with the enum constants' values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from patchscope.arch import ArchProfile
from patchscope.cexpr.ctypes import CType, ulong_type
from patchscope.cexpr.expr_ast import Cast, Expr, Name, Num, to_c
from patchscope.clang import Token
from patchscope.core import Param
from patchscope.equivalence.uses import read_only_for_truth, uses_name

MAX_SWAPS = 3  # if/else statements tried swapped, in every combination (2**3 bodies)


def truth_only_new(sigma: dict[str, Expr | None], types: dict[str, CType],
                   new_tokens: list[Token]) -> set[str]:
    """New ``bool`` parameters the new body only tests for truth."""
    return {p for p, e in sigma.items() if e is not None and (t := types.get(p)) is not None
            and t.name == "bool" and read_only_for_truth(new_tokens, p)}


def truth_steps(names: set[str], sigma: dict[str, Expr | None]) -> list[str]:
    out = []
    for p in sorted(names):
        e = sigma[p]
        assert e is not None
        out.append(f"the new body only tests {p} (a bool) for truth: {p} := {to_c(e)} as "
                   f"bool, so each call's {p} is compared with the old arguments' "
                   f"{to_c(e)} by truth value")
    return out


def _matching(tokens: list[Token], k: int, opening: str, closing: str) -> int | None:
    depth = 0
    for m in range(k, len(tokens)):
        if tokens[m].spelling == opening:
            depth += 1
        elif tokens[m].spelling == closing:
            depth -= 1
            if depth == 0:
                return m
    return None


def _statement_end(tokens: list[Token], k: int) -> int | None:
    """One past the last token of the statement starting at *k* (a block, an
    ``if`` with its ``else``, or an expression statement)."""
    if k >= len(tokens):
        return None
    s = tokens[k].spelling
    if s == "{":
        close = _matching(tokens, k, "{", "}")
        return None if close is None else close + 1
    if s in ("for", "while", "switch", "do"):
        return None  # not needed for the shapes read here
    if s == "if":
        parts = _if_parts(tokens, k)
        return None if parts is None else parts[-1]
    depth = 0
    for m in range(k, len(tokens)):
        t = tokens[m].spelling
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
            if depth < 0:
                return None
        elif t == ";" and depth == 0:
            return m + 1
    return None


def _if_parts(tokens: list[Token], k: int) -> tuple[int, int, int, int, int] | None:
    """(``(`` index, ``)`` index, then-start, ``else`` index or -1, end) of the ``if`` at *k*."""
    if k + 1 >= len(tokens) or tokens[k + 1].spelling != "(":
        return None
    close = _matching(tokens, k + 1, "(", ")")
    if close is None:
        return None
    then_end = _statement_end(tokens, close + 1)
    if then_end is None:
        return None
    if then_end < len(tokens) and tokens[then_end].spelling == "else":
        other_end = _statement_end(tokens, then_end + 1)
        if other_end is None:
            return None
        return k + 1, close, close + 1, then_end, other_end
    return k + 1, close, close + 1, -1, then_end


def _swapped(tokens: list[Token], k: int) -> list[Token] | None:
    """*tokens* with the ``if (c) X else Y`` at *k* written ``if (!(c)) Y else X``."""
    parts = _if_parts(tokens, k)
    if parts is None or parts[3] < 0:
        return None
    open_, close, then_start, else_at, end = parts
    if tokens[else_at + 1].spelling == "if":
        return None  # `if (!(c)) if (d) Y else X` would give the else to the inner if
    at = tokens[open_]

    def tok(kind: str, spelling: str) -> Token:
        return replace(at, kind=kind, spelling=spelling)

    cond = tokens[open_ + 1:close]
    then, other = tokens[then_start:else_at], tokens[else_at + 1:end]
    return (tokens[:open_ + 1] + [tok("PUNCTUATION", "!"), tok("PUNCTUATION", "(")] + cond
            + [tok("PUNCTUATION", ")")] + tokens[close:then_start] + other
            + [tokens[else_at]] + then + tokens[end:])


def branch_swaps(tokens: list[Token], names: set[str]) -> Iterator[tuple[list[Token], list[str]]]:
    """The new body with some ``if (c) X else Y`` statements whose condition reads
    one of *names* (new parameters) read as ``if (!(c)) Y else X``; with each, the
    conditions swapped, in words."""
    ifs = []
    for k, t in enumerate(tokens):
        if t.kind != "KEYWORD" or t.spelling != "if":
            continue
        parts = _if_parts(tokens, k)
        if parts is None or parts[3] < 0:
            continue
        if any(uses_name(tokens[parts[0] + 1:parts[1]], n) for n in names):
            ifs.append(k)
    ifs = ifs[:MAX_SWAPS]
    for mask in range(1, 1 << len(ifs)):
        out = tokens
        words = []
        # from the last, so the earlier positions stay where they are
        for n in reversed(range(len(ifs))):
            if not mask & (1 << n):
                continue
            k = ifs[n]
            parts = _if_parts(out, k)
            assert parts is not None
            cond = " ".join(x.spelling for x in out[parts[0] + 1:parts[1]])
            swapped = _swapped(out, k)
            if swapped is None:
                break
            out = swapped
            words.append(f"the new `if ({cond}) ... else ...` is read as `if (!({cond})) "
                         "...` with its two branches swapped (the same C statement)")
        else:
            yield out, list(reversed(words))


def as_passed(args: dict[str, Expr], target: Expr, types: dict[str, CType],
              profile: ArchProfile) -> dict[str, Expr]:
    """The old arguments as the old parameters held them, to substitute into *target*.

    ``flags & VM_LOCKED`` with ``flags`` an ``unsigned char`` and the call
    passing ``vma->vm_flags`` is ``(unsigned char)vma->vm_flags & VM_LOCKED``:
    where the parameter's integer type may not hold every value of the word
    the argument is read as, the conversion is written out.  A bare parameter
    (a rename) is compared in the parameter's type anyway.
    """
    if isinstance(target, Name):
        return args
    word = ulong_type(profile)
    out: dict[str, Expr] = {}
    for n, e in args.items():
        t = types.get(n)
        if t is None or (t.bits, t.signed) == (word.bits, word.signed) or (
                isinstance(e, Num) and 0 <= e.value <= t.mask >> 1):
            out[n] = e
        else:
            out[n] = Cast(t.name, e)
    return out


def enum_notes(new_params: list[Param], read: set[str]) -> list[str]:
    """The assumption an ``enum`` parameter the proof reads rests on: a call's
    value reaches the body as it was (an enum's type is an integer type the
    compiler picks; the kernel's are int-sized, GCC without -fshort-enums)."""
    return [f"assumed: {' '.join(p.type.split())} holds every value a call passes for "
            f"{p.name} (an int-sized enum, as GCC makes it without -fshort-enums)"
            for p in new_params if p.name in read and p.type.split()[:1] == ["enum"]]
