"""C expressions: parse argument texts and conditions, evaluate them, print them.

The layer beneath both users: the substitution proof (:mod:`patchscope.equivalence`)
and the kernel models (:mod:`patchscope.models`) share it, so it imports
neither (tests/test_layers.py checks).  Its modules: :mod:`.expr_ast` (the
syntax tree), :mod:`.cparse` (the parser), :mod:`.ctypes` (C types on an arch
profile), :mod:`.ceval` (the concrete evaluator).  The public face:

- :func:`parse_expr` (text -> :data:`Expr`, over clang's tokens),
- :func:`evaluate` (concrete value under a binding and an arch profile),
- :func:`free_names`, :func:`free_chains`, :func:`substitute`, :func:`to_c`.
"""

from __future__ import annotations

from patchscope.cexpr.ceval import (
    EvalError,
    IntValue,
    PtrValue,
    Value,
    evaluate,
    evaluate_value,
)
from patchscope.cexpr.cparse import parse_expr
from patchscope.cexpr.expr_ast import (
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
    unknown_constants,
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
    "unknown_constants",
    "walk",
]
