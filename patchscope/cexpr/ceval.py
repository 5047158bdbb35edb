"""Concrete evaluation of C expressions, with C's types and wraparound.

Every sub-expression carries its C type: names bound to Python ints and the
profile's address macros are ``unsigned long``, literals take the type their
suffix and value give them, and the operators follow C's promotions and usual
arithmetic conversions.  Signed arithmetic wraps in two's complement (what
gcc does with ``-fwrapv``); what C leaves undefined and no compiler can give a
meaning (division by zero, shift counts out of range) raises
:class:`EvalError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from patchscope.arch import ArchProfile
from patchscope.cexpr.cparse import parse_int_literal
from patchscope.cexpr.ctypes import (
    CType,
    int_type,
    literal_type,
    make_type,
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
    to_c,
)
from patchscope.errors import PatchscopeError


class EvalError(PatchscopeError):
    """The expression has no value here: an unknown name or call, a NULL
    dereference, undefined behaviour.  Leads to `unknown`, never to a guess."""


# Macros whose C type is not unsigned long.
_MACRO_TYPES = {
    "PAGE_SHIFT": ("int", True),
    "BITS_PER_LONG": ("int", True),
    "LONG_MAX": ("long", True),
    "true": ("int", True),
    "false": ("int", True),
    "NULL": ("int", True),
}

# Calls whose value is known: branch hints and the kernel's pure min/max.
PURE_CALLS = frozenset({"likely", "unlikely", "min", "max"})


@dataclass(frozen=True)
class IntValue:
    value: int  # already normalised to ctype
    ctype: CType


@dataclass(frozen=True)
class PtrValue:
    target: object  # None: NULL; else the struct (a Mapping or an object with attributes)


Value = IntValue | PtrValue


def macro_type(name: str, profile: ArchProfile) -> CType:
    base, signed = _MACRO_TYPES.get(name, ("long", False))
    return make_type(base, signed, profile)


def _from_python(obj: object, profile: ArchProfile, what: str) -> Value:
    if isinstance(obj, bool):
        return IntValue(int(obj), int_type(profile))
    if isinstance(obj, int):
        return IntValue(ulong_type(profile).normalise(obj), ulong_type(profile))
    if isinstance(obj, IntValue | PtrValue):
        return obj
    if obj is None:
        return PtrValue(None)
    return PtrValue(obj)


def _read_field(target: object, field: str, text: str) -> object:
    if target is None:
        raise EvalError(f"NULL dereference in {text}")
    if isinstance(target, Mapping):
        if field not in target:
            raise EvalError(f"no value for {text}")
        return target[field]
    try:
        return getattr(target, field)
    except AttributeError:
        raise EvalError(f"no value for {text}") from None


class Evaluator:
    def __init__(self, env: Mapping[str, object], profile: ArchProfile) -> None:
        self.env = env
        self.profile = profile
        self.macros = profile.macros

    def truth(self, v: Value) -> bool:
        if isinstance(v, PtrValue):
            return v.target is not None
        return v.value != 0

    def as_int(self, v: Value, e: Expr) -> IntValue:
        if isinstance(v, PtrValue):
            raise EvalError(f"pointer used as an integer in {to_c(e)}")
        return v

    def convert(self, v: IntValue, t: CType) -> IntValue:
        if t.name == "bool":
            return IntValue(int(v.value != 0), t)
        return IntValue(t.normalise(v.value), t)

    def ev(self, e: Expr) -> Value:
        p = self.profile
        if isinstance(e, Num):
            if e.text.startswith("'"):
                return IntValue(e.value, int_type(p))
            number, base, suffix = parse_int_literal(e.text)
            t = literal_type(base, suffix, number, p)
            if t is None:
                raise EvalError(f"integer literal {e.text} too large for any type")
            return IntValue(number, t)
        if isinstance(e, Name):
            if e.name in self.env:
                return _from_python(self.env[e.name], p, e.name)
            if e.name in self.macros:
                t = macro_type(e.name, p)
                return IntValue(t.normalise(self.macros[e.name]), t)
            raise EvalError(f"no value for {e.name}")
        if isinstance(e, Member):
            obj = self.ev(e.base)
            text = to_c(e)
            if not isinstance(obj, PtrValue):
                raise EvalError(f"member access on an integer in {text}")
            return _from_python(_read_field(obj.target, e.field, text), p, text)
        if isinstance(e, Index):
            raise EvalError(f"array subscript {to_c(e)} has no known value")
        if isinstance(e, Unary):
            return self.unary(e)
        if isinstance(e, Cast):
            v = self.ev(e.operand)
            t = type_from_spelling(e.type_text, p)
            if t is None and "*" not in e.type_text:
                raise EvalError(f"cast to the unknown type {e.type_text} in {to_c(e)}")
            if t is None:  # a pointer cast: the value is unchanged
                if isinstance(v, IntValue) and v.value == 0:
                    return PtrValue(None)
                return v
            if isinstance(v, PtrValue):
                raise EvalError(f"pointer converted to an integer in {to_c(e)}")
            return self.convert(v, t)
        if isinstance(e, Binary):
            return self.binary(e)
        if isinstance(e, Cond):
            chosen, other = (e.then, e.other) if self.truth(self.ev(e.cond)) else (e.other, e.then)
            v = self.ev(chosen)
            if isinstance(v, PtrValue):
                return v
            other_t = self.static_type(other)
            if other_t is None:  # the other branch is a pointer: v is a null constant
                return PtrValue(None) if v.value == 0 else v
            return self.convert(v, usual_conversion(v.ctype, other_t, p))
        if isinstance(e, Call):
            return self.call(e)
        raise EvalError(f"cannot evaluate {e!r}")

    def unary(self, e: Unary) -> Value:
        p = self.profile
        if e.op == "&":
            v = self.ev(e.operand)
            if isinstance(v, PtrValue) and v.target is not None:
                return v  # a struct and a pointer to it are one Python object
            raise EvalError(f"address of a non-object in {to_c(e)}")
        if e.op == "*":
            v = self.ev(e.operand)
            if isinstance(v, PtrValue):
                if v.target is None:
                    raise EvalError(f"NULL dereference in {to_c(e)}")
                return v
            raise EvalError(f"dereference of an integer in {to_c(e)}")
        v = self.ev(e.operand)
        if e.op == "!":
            return IntValue(int(not self.truth(v)), int_type(p))
        iv = self.as_int(v, e)
        t = promote(iv.ctype, p)
        if e.op == "-":
            return IntValue(t.normalise(-iv.value), t)
        if e.op == "+":
            return IntValue(t.normalise(iv.value), t)
        return IntValue(t.normalise(~iv.value), t)  # "~"

    def binary(self, e: Binary) -> Value:
        p = self.profile
        op = e.op
        if op in ("&&", "||"):
            left = self.truth(self.ev(e.left))
            if op == "&&" and not left:
                return IntValue(0, int_type(p))
            if op == "||" and left:
                return IntValue(1, int_type(p))
            return IntValue(int(self.truth(self.ev(e.right))), int_type(p))
        lv, rv = self.ev(e.left), self.ev(e.right)
        if op in ("==", "!=") and (isinstance(lv, PtrValue) or isinstance(rv, PtrValue)):
            same = self._pointer_identity(lv, rv, e)
            return IntValue(int(same == (op == "==")), int_type(p))
        a, b = self.as_int(lv, e), self.as_int(rv, e)
        if op in ("<<", ">>"):
            t = promote(a.ctype, p)
            count = promote(b.ctype, p).normalise(b.value)
            if count < 0 or count >= t.bits:
                raise EvalError(f"shift count {count} out of range in {to_c(e)}")
            if op == "<<":
                return IntValue(t.normalise(a.value << count), t)
            return IntValue(t.normalise(a.value >> count), t)
        t = usual_conversion(a.ctype, b.ctype, p)
        x, y = t.normalise(a.value), t.normalise(b.value)
        if op in COMPARISONS:
            holds = {
                "<": x < y,
                "<=": x <= y,
                ">": x > y,
                ">=": x >= y,
                "==": x == y,
                "!=": x != y,
            }[op]
            return IntValue(int(holds), int_type(p))
        if op in ("/", "%"):
            if y == 0:
                raise EvalError(f"division by zero in {to_c(e)}")
            if t.signed and x == -(1 << (t.bits - 1)) and y == -1:
                raise EvalError(f"signed division overflow in {to_c(e)}")
            q = abs(x) // abs(y)
            if (x < 0) != (y < 0):
                q = -q
            return IntValue(t.normalise(q if op == "/" else x - q * y), t)
        result = {
            "+": x + y,
            "-": x - y,
            "*": x * y,
            "&": x & y,
            "|": x | y,
            "^": x ^ y,
        }[op]
        return IntValue(t.normalise(result), t)

    def _pointer_identity(self, lv: Value, rv: Value, e: Expr) -> bool:
        def target(v: Value) -> object:
            if isinstance(v, PtrValue):
                return v.target
            if v.value == 0:
                return None
            raise EvalError(f"pointer compared with a non-zero integer in {to_c(e)}")

        return target(lv) is target(rv)

    def call(self, e: Call) -> Value:
        p = self.profile
        if e.func in ("likely", "unlikely") and len(e.args) == 1:
            return IntValue(int(self.truth(self.ev(e.args[0]))), int_type(p))
        if e.func in ("min", "max") and len(e.args) == 2:
            a = self.as_int(self.ev(e.args[0]), e)
            b = self.as_int(self.ev(e.args[1]), e)
            t = usual_conversion(a.ctype, b.ctype, p)
            x, y = t.normalise(a.value), t.normalise(b.value)
            return IntValue(min(x, y) if e.func == "min" else max(x, y), t)
        raise EvalError(f"the value of call {e.func}() is not known")

    def static_type(self, e: Expr) -> CType | None:
        """The C type of *e* without evaluating it (None: a pointer)."""
        p = self.profile
        if isinstance(e, Num):
            if e.text.startswith("'"):
                return int_type(p)
            value, base, suffix = parse_int_literal(e.text)
            return literal_type(base, suffix, value, p)
        if isinstance(e, Name):
            if e.name in self.env:
                v = _from_python(self.env[e.name], p, e.name)
                return v.ctype if isinstance(v, IntValue) else None
            if e.name in self.macros:
                return macro_type(e.name, p)
            return ulong_type(p)
        if isinstance(e, Member | Index):
            return ulong_type(p)  # integer fields are addresses, sizes or counts
        if isinstance(e, Unary):
            if e.op == "!":
                return int_type(p)
            if e.op in ("&", "*"):
                return None
            t = self.static_type(e.operand)
            return promote(t, p) if t is not None else None
        if isinstance(e, Cast):
            t = type_from_spelling(e.type_text, p)
            if t is None and "*" not in e.type_text:
                raise EvalError(f"cast to the unknown type {e.type_text}")
            return t
        if isinstance(e, Binary):
            if e.op in COMPARISONS or e.op in ("&&", "||"):
                return int_type(p)
            lt, rt = self.static_type(e.left), self.static_type(e.right)
            if lt is None or rt is None:
                return None
            if e.op in ("<<", ">>"):
                return promote(lt, p)
            return usual_conversion(lt, rt, p)
        if isinstance(e, Cond):
            a, b = self.static_type(e.then), self.static_type(e.other)
            if a is None or b is None:
                return None
            return usual_conversion(a, b, p)
        if isinstance(e, Call):
            if e.func in ("likely", "unlikely"):
                return int_type(p)
            ts = [self.static_type(a) for a in e.args]
            if e.func in ("min", "max") and len(ts) == 2 and None not in ts:
                return usual_conversion(ts[0], ts[1], p)  # type: ignore[arg-type]
            return ulong_type(p)
        return ulong_type(p)


def evaluate_value(expr: Expr, env: Mapping[str, object], profile: ArchProfile) -> Value:
    """Evaluate *expr* keeping its C type (see :func:`evaluate`)."""
    return Evaluator(env, profile).ev(expr)


def evaluate(expr: Expr, env: Mapping[str, object], profile: ArchProfile) -> object:
    """The value of *expr* with the names of *env* bound, on *profile*.

    *env* maps a name to an int (an ``unsigned long``), a bool, None (a NULL
    pointer) or a struct (a Mapping or an object with attributes) that ``->``
    and ``.`` read from.  Names not in *env* are looked up in the profile's
    macros.  An integer result is returned as the ``unsigned long`` it converts
    to (wrapped modulo 2^bits, as when passed to an ``unsigned long``
    parameter); a pointer result is its struct, or None for NULL.  Raises
    :class:`EvalError` for an unknown name or call, a NULL dereference, or
    undefined behaviour.
    """
    v = evaluate_value(expr, env, profile)
    if isinstance(v, PtrValue):
        return v.target
    return profile.wrap(v.value)
