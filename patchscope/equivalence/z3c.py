"""The translation of C expressions to z3 bit-vector terms, with C's types.

Every sub-expression becomes a bit-vector of its C type's width, with C's
conversions, so a z3 answer is an answer about C.  Names and member chains
become free variables named after their text; a pointer is a word whose
value 0 is NULL.  Undefined behaviour (division by zero, shift counts out of
range) is collected as definedness conditions, guarded by the path (the
branch of a ``?:``, the right side of ``&&``) on which it would happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import z3

from patchscope.arch import ArchProfile
from patchscope.cexpr.ceval import macro_type
from patchscope.cexpr.cparse import parse_int_literal
from patchscope.cexpr.ctypes import (
    CType,
    int_type,
    literal_type,
    promote,
    type_from_spelling,
    ulong_type,
    usual_conversion,
)
from patchscope.cexpr.expr_ast import (
    COMPARISONS,
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
    to_c,
)


class SymbolicError(Exception):
    """The expression has no z3 translation (an unknown call, an array...)."""


@dataclass(frozen=True)
class SymValue:
    term: z3.BitVecRef
    ctype: CType


class Translator:
    def __init__(
        self,
        profile: ArchProfile,
        types: Mapping[str, CType] | None = None,
        concrete_macros: bool = False,
    ) -> None:
        self.profile = profile
        self.types = dict(types or {})
        self.concrete_macros = concrete_macros
        self.vars: dict[str, z3.BitVecRef] = {}
        self.defined: list[z3.BoolRef] = []
        self._guards: list[z3.BoolRef] = []
        self.nonlinear = False  # a product or quotient of two unknowns: hard to optimise

    # ---------------------------------------------------------------- helpers
    def var(self, name: str, t: CType) -> z3.BitVecRef:
        v = self.vars.get(name)
        if v is None or v.size() != t.bits:
            v = z3.BitVec(name, t.bits)
            self.vars[name] = v
        return v

    def require(self, cond: z3.BoolRef) -> None:
        guard = z3.And(*self._guards) if self._guards else z3.BoolVal(True)
        self.defined.append(z3.Implies(guard, cond))

    def truth(self, v: SymValue) -> z3.BoolRef:
        return v.term != z3.BitVecVal(0, v.ctype.bits)

    def from_bool(self, b: z3.BoolRef) -> SymValue:
        t = int_type(self.profile)
        return SymValue(z3.If(b, z3.BitVecVal(1, t.bits), z3.BitVecVal(0, t.bits)), t)

    def convert(self, v: SymValue, t: CType) -> SymValue:
        if t.name == "bool":
            return SymValue(z3.If(self.truth(v), z3.BitVecVal(1, 1), z3.BitVecVal(0, 1)), t)
        src = v.ctype.bits
        if t.bits == src:
            return SymValue(v.term, t)
        if t.bits < src:
            return SymValue(z3.Extract(t.bits - 1, 0, v.term), t)
        ext = z3.SignExt if v.ctype.signed else z3.ZeroExt
        return SymValue(ext(t.bits - src, v.term), t)

    # ------------------------------------------------------------ translation
    def tr(self, e: Expr) -> SymValue:
        p = self.profile
        if isinstance(e, Num):
            if e.text.startswith("'"):
                return SymValue(z3.BitVecVal(e.value, 32), int_type(p))
            number, base, suffix = parse_int_literal(e.text)
            t = literal_type(base, suffix, number, p)
            if t is None:
                raise SymbolicError(f"integer literal {e.text} too large for any type")
            return SymValue(z3.BitVecVal(number & t.mask, t.bits), t)
        if isinstance(e, Name):
            if e.name in self.types:
                return SymValue(self.var(e.name, self.types[e.name]), self.types[e.name])
            macros = p.macros
            if e.name in macros:
                t = macro_type(e.name, p)
                if self.concrete_macros or e.name in ("NULL", "true", "false"):
                    return SymValue(z3.BitVecVal(macros[e.name] & t.mask, t.bits), t)
                return SymValue(self.var(e.name, t), t)
            t = ulong_type(p)
            return SymValue(self.var(e.name, t), t)
        if isinstance(e, Member):
            text = chain_text(e)
            if text is None:
                raise SymbolicError(f"member access on a computed value in {to_c(e)}")
            t = self.types.get(text, ulong_type(p))
            return SymValue(self.var(text, t), t)
        if isinstance(e, Index):
            raise SymbolicError(f"array subscript {to_c(e)} is not modelled")
        if isinstance(e, Unary):
            return self.unary(e)
        if isinstance(e, Cast):
            v = self.tr(e.operand)
            t = type_from_spelling(e.type_text, p)
            if t is None and "*" not in e.type_text:
                raise SymbolicError(f"cast to the unknown type {e.type_text} in {to_c(e)}")
            return v if t is None else self.convert(v, t)
        if isinstance(e, Binary):
            return self.binary(e)
        if isinstance(e, Cond):
            c = self.truth(self.tr(e.cond))
            self._guards.append(c)
            a = self.tr(e.then)
            self._guards[-1] = z3.Not(c)
            b = self.tr(e.other)
            self._guards.pop()
            t = usual_conversion(a.ctype, b.ctype, p)
            return SymValue(z3.If(c, self.convert(a, t).term, self.convert(b, t).term), t)
        if isinstance(e, Call):
            if e.func in ("likely", "unlikely") and len(e.args) == 1:
                return self.from_bool(self.truth(self.tr(e.args[0])))
            if e.func in ("min", "max") and len(e.args) == 2:
                a, b = self.tr(e.args[0]), self.tr(e.args[1])
                t = usual_conversion(a.ctype, b.ctype, p)
                x, y = self.convert(a, t).term, self.convert(b, t).term
                less = x < y if t.signed else z3.ULT(x, y)
                pick = (x, y) if e.func == "min" else (y, x)
                return SymValue(z3.If(less, *pick), t)
            raise SymbolicError(f"call {e.func}() is not modelled")
        raise SymbolicError(f"cannot translate {e!r}")

    def unary(self, e: Unary) -> SymValue:
        p = self.profile
        if e.op == "&":
            text = chain_text(e.operand)
            if text is None:
                raise SymbolicError(f"address of a computed value in {to_c(e)}")
            t = ulong_type(p)
            v = self.var("&" + text, t)
            self.defined.append(v != 0)  # an object's address is never NULL
            return SymValue(v, t)
        if e.op == "*":
            raise SymbolicError(f"dereference {to_c(e)} is not modelled")
        v = self.tr(e.operand)
        if e.op == "!":
            return self.from_bool(z3.Not(self.truth(v)))
        v = self.convert(v, promote(v.ctype, p))
        if e.op == "-":
            return SymValue(-v.term, v.ctype)
        if e.op == "~":
            return SymValue(~v.term, v.ctype)
        return v

    def binary(self, e: Binary) -> SymValue:
        p = self.profile
        op = e.op
        if op in ("&&", "||"):
            left = self.truth(self.tr(e.left))
            self._guards.append(left if op == "&&" else z3.Not(left))
            right = self.truth(self.tr(e.right))
            self._guards.pop()
            return self.from_bool(z3.And(left, right) if op == "&&" else z3.Or(left, right))
        a, b = self.tr(e.left), self.tr(e.right)
        if op in ("<<", ">>"):
            a = self.convert(a, promote(a.ctype, p))
            b = self.convert(b, promote(b.ctype, p))
            width = z3.BitVecVal(a.ctype.bits, b.ctype.bits)
            in_range = b.term < width if b.ctype.signed else z3.ULT(b.term, width)
            if b.ctype.signed:
                in_range = z3.And(in_range, b.term >= 0)
            self.require(in_range)
            count = self.convert(SymValue(b.term, b.ctype), a.ctype).term
            if op == "<<":
                return SymValue(a.term << count, a.ctype)
            shifted = a.term >> count if a.ctype.signed else z3.LShR(a.term, count)
            return SymValue(shifted, a.ctype)
        t = usual_conversion(a.ctype, b.ctype, p)
        x, y = self.convert(a, t).term, self.convert(b, t).term
        if op in COMPARISONS:
            if op == "==":
                return self.from_bool(x == y)
            if op == "!=":
                return self.from_bool(x != y)
            signed = {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}
            unsigned = {
                "<": z3.ULT(x, y),
                "<=": z3.ULE(x, y),
                ">": z3.UGT(x, y),
                ">=": z3.UGE(x, y),
            }
            return self.from_bool((signed if t.signed else unsigned)[op])
        if op in ("/", "%", "*") and not (z3.is_bv_value(x) or z3.is_bv_value(y)):
            self.nonlinear = True
        if op in ("/", "%"):
            self.require(y != 0)
            if t.signed:
                minimum = z3.BitVecVal(1 << (t.bits - 1), t.bits)
                self.require(z3.Not(z3.And(x == minimum, y == -1)))
                return SymValue(x / y if op == "/" else z3.SRem(x, y), t)
            return SymValue(z3.UDiv(x, y) if op == "/" else z3.URem(x, y), t)
        ops = {
            "+": lambda: x + y,
            "-": lambda: x - y,
            "*": lambda: x * y,
            "&": lambda: x & y,
            "|": lambda: x | y,
            "^": lambda: x ^ y,
        }
        return SymValue(ops[op](), t)
