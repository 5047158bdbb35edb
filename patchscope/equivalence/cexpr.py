"""C expressions: parse argument texts and conditions, evaluate them, print them.

The public face of the expression machinery that the substitution proof and
the kernel models share:

- :func:`parse_expr` (text -> :data:`Expr`, over clang's tokens),
- :func:`evaluate` (concrete value under a binding and an arch profile),
- :func:`free_names`, :func:`free_chains`, :func:`substitute`, :func:`to_c`.
"""

from __future__ import annotations

from patchscope.equivalence.ceval import (
    EvalError,
    IntValue,
    PtrValue,
    Value,
    evaluate,
    evaluate_value,
)
from patchscope.equivalence.cparse import parse_expr
from patchscope.equivalence.expr_ast import (
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
    chain_text,
    free_chains,
    free_names,
    substitute,
    to_c,
    walk,
)

__all__ = [
    "Binary",
    "Call",
    "Cast",
    "Cond",
    "EvalError",
    "Expr",
    "Index",
    "IntValue",
    "Member",
    "Name",
    "Num",
    "PtrValue",
    "Unary",
    "Value",
    "chain_text",
    "evaluate",
    "evaluate_value",
    "free_chains",
    "free_names",
    "parse_expr",
    "substitute",
    "to_c",
    "walk",
]
