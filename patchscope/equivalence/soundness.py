"""Whether a substitution found by comparing bodies holds at function entry.

``tree_max := ceiling`` is read off the places where the new body has
``tree_max`` and the old one ``ceiling``; it describes the program only if
``ceiling`` still has its entry value there, if ``tree_max`` is never
written, and if what the substitution reads is visible to a caller.
"""

from __future__ import annotations

import re

from patchscope.cexpr.expr_ast import Expr, Name, free_names, to_c, value_chains
from patchscope.clang import Token
from patchscope.equivalence.uses import assigned_names, uses_name

_MACRO_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def global_like(name: str) -> bool:
    """Names the caller sees as the callee does: macros (by the kernel's
    all-capitals convention, or known to the profile)."""
    return bool(_MACRO_NAME.fullmatch(name)) or name in ("NULL", "true", "false")


def soundness_problem(
    sigma: dict[str, Expr | None],
    tau: dict[str, Expr],
    old_params: set[str],
    new_params: set[str],
    old_tokens: list[Token],
    new_tokens: list[Token],
    steps: list[str],
    entry_locals: set[str] | None = None,
    entry_values: set[str] | None = None,
) -> str | None:
    """Why the substitution found is not valid at function entry, or None.

    It must read only parameters and macros (a callee's local is not the
    caller's), and what it reads must keep its value up to each use.
    *entry_locals*: removed parameters the new body declares at its top
    (:mod:`.derived`): their value is taken at entry and the rest of both
    bodies uses them alike, so later writes do not matter.
    *entry_values*: new parameters that stand for a local the old body declared at
    its top (:mod:`.derived`, the other way round): the value is taken at entry
    by both, and what the bodies do with the name afterwards is the same.
    Assumptions made are appended to *steps*.
    """
    entry_locals = entry_locals or set()
    entry_values = entry_values or set()
    removed = old_params - new_params
    for p, e in sigma.items():
        if e is None:
            continue
        local = sorted(n for n in free_names(e) - old_params if not global_like(n))
        if local:
            return (f"{p} stands for {to_c(e)}, which reads {', '.join(local)}: not a "
                    "parameter, so no call can pass it")
    for r, e in tau.items():
        local = sorted(n for n in free_names(e) - new_params if not global_like(n))
        if local:
            return (f"removed {r} became {to_c(e)}, which reads {', '.join(local)}: not a "
                    "parameter")
    old_written = assigned_names(old_tokens)
    new_written = assigned_names(new_tokens)
    for p, e in sigma.items():
        if e is None or e == Name(p) or p in entry_values:
            continue
        if p in new_written:
            return f"the new body writes {p}, so it is not {to_c(e)} at every use"
        if uses_name(old_tokens, p):
            return f"{p} already names something in the old body"
        written = sorted(value_chains(e) & old_written)
        if written:
            return f"the old body writes {', '.join(written)}, so {to_c(e)} changes after entry"
        _assume_fields(e, "is not written between entry and its use", steps)
    for r, e in tau.items():
        if r in entry_locals:
            _assume_fields(e, "is the same at entry as when the caller read it", steps)
            continue
        if r in old_written:
            return f"the old body writes {r}, so it is not {to_c(e)} at every use"
        written = sorted(value_chains(e) & new_written)
        if written:
            return f"the new body writes {', '.join(written)}, so {to_c(e)} changes after entry"
        _assume_fields(e, "is not written between entry and its use", steps)
    for r in removed - entry_locals:
        if uses_name(new_tokens, r):
            return f"the new body still reads {r}, which is no longer a parameter"
    return None


def _assume_fields(e: Expr, what: str, steps: list[str]) -> None:
    """Note the assumption the proof makes about fields *e* reads through a pointer."""
    fields = sorted(c for c in value_chains(e) if "->" in c)
    if fields:
        steps.append(f"assumed: {', '.join(fields)} (read through a pointer) {what}")
