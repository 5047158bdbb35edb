"""Small builders of the core dataclasses for the equivalence tests."""

from __future__ import annotations

from patchscope.core import Argument, CallSite, Declaration, Param, SignatureChange


def params(text: str) -> list[Param]:
    """``"unsigned long a, struct s *p"`` -> Params (the last word is the name)."""
    out = []
    for part in text.split(","):
        words = part.replace("*", " * ").split()
        out.append(Param(" ".join(words[:-1]).replace(" *", " *"), words[-1]))
    return out


def change(function: str, old: str, new: str, old_body: str, new_body: str,
           complete: bool = True) -> SignatureChange:
    op, np = params(old), params(new)
    return SignatureChange(
        function, "lib/f.c", 10, op, np,
        added=[p.name for p in np if p.name not in {q.name for q in op}],
        removed=[p.name for p in op if p.name not in {q.name for q in np}],
        declarations=[Declaration("lib/f.c", 10, "definition", op, np, old_body, new_body,
                                  complete)],
    )


def call(function: str, old_args: list[str] | None, new_args: list[str] | None,
         caller: str = "caller", complete: bool = True) -> CallSite:
    return CallSite(
        function, caller, "lib/g.c", 20, 20,
        [Argument(a) for a in old_args] if old_args is not None else None,
        [Argument(a) for a in new_args] if new_args is not None else None,
        complete=complete,
        incomplete_reason=None if complete else "the call runs past the hunk",
    )
