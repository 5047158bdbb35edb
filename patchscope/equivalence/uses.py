"""How a body uses a name: whether it writes it, reads it, tests it for truth.

Token-level facts the substitution proof and its soundness checks rest on
(:mod:`.substitution`, :mod:`.soundness`, :mod:`.context`).
"""

from __future__ import annotations

from patchscope.clang import Token

ASSIGN_OPS = frozenset({"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="})


def assigned_names(tokens: list[Token]) -> set[str]:
    """Names and member chains the code may write: assigned, incremented, or
    whose address it takes."""
    out: set[str] = set()
    n = len(tokens)
    for k, t in enumerate(tokens):
        if t.kind != "IDENTIFIER" or (k > 0 and tokens[k - 1].spelling in ("->", ".")):
            continue
        # the longest member chain starting here
        chain = [t.spelling]
        m = k + 1
        while (
            m + 1 < n
            and tokens[m].spelling in ("->", ".")
            and tokens[m + 1].kind == "IDENTIFIER"
        ):
            chain += [tokens[m].spelling, tokens[m + 1].spelling]
            m += 2
        before = tokens[k - 1].spelling if k > 0 else ""
        after = tokens[m].spelling if m < n else ""
        if before == "&" and k > 1 and _ends_operand(tokens[k - 2]):
            before = ""  # `flags & FOO`: a bitwise and, not an address taken
        if after in ASSIGN_OPS or after in ("++", "--") or before in ("++", "--", "&"):
            out.add("".join(chain))
    return out


def _ends_operand(t: Token) -> bool:
    """Whether *t* can end an operand, making a following ``&`` binary."""
    return t.kind in ("IDENTIFIER", "LITERAL") or t.spelling in (")", "]")


_TRUTH_AFTER_OPEN = {"if", "while"}
_TRUTH_ENDS = {")", "&&", "||", "?", ";", ","}
# What may stand right before an operand that starts an expression: the operand is
# then the whole left side of a following `&&`, `||` or `?`.
_OPERAND_START = {"(", "=", ",", "return", "&&", "||", "!", "?", ":"}


def read_only_for_truth(tokens: list[Token], name: str) -> bool:
    """Whether every use of *name* only asks whether it is non-zero.

    ``if (locked)``, ``!locked``, ``a && locked``, ``locked ? x : y``: there a
    ``bool`` parameter and any expression with the same truth value are
    interchangeable, whatever their types.  A use in arithmetic, a
    comparison, an assignment or a call's argument is not such a use.
    """
    uses = 0
    for k, t in enumerate(tokens):
        if t.kind != "IDENTIFIER" or t.spelling != name:
            continue
        if k > 0 and tokens[k - 1].spelling in ("->", "."):
            continue
        uses += 1
        before = tokens[k - 1].spelling if k > 0 else ""
        after = tokens[k + 1].spelling if k + 1 < len(tokens) else ""
        if before == "!":
            continue
        if before in ("&&", "||") and after in _TRUTH_ENDS:
            continue  # the right operand of a logical operator
        if after in ("&&", "||", "?") and before in _OPERAND_START:
            continue  # the left operand of a logical operator, or a condition
        if before == "(" and k > 1 and tokens[k - 2].spelling in _TRUTH_AFTER_OPEN \
                and after == ")":
            continue
        return False
    return uses > 0


def uses_name(tokens: list[Token], name: str) -> bool:
    """Whether *name* occurs as an identifier (not as a field after -> or .)."""
    return any(
        t.kind == "IDENTIFIER"
        and t.spelling == name
        and not (k > 0 and tokens[k - 1].spelling in ("->", "."))
        for k, t in enumerate(tokens)
    )
