"""Argument and role expressions compiled to Python source, for the fast engine.

The reference (:class:`patchscope.models.binding.Binder` with
:func:`patchscope.cexpr.evaluate`) walks the expression tree with
C's types for every scenario.  Here each expression a call site needs is
translated once into a Python expression over the scenario's values, with the
types decided at translation time: a sub-expression without caller names is a
constant (evaluated once by the reference evaluator itself), every other
integer is an ``unsigned long`` (masked after each operation) or a C ``int``
truth value.  What the translation does not cover with certainty (casts,
calls, division, shifts by a variable, pointer comparisons, signed
arithmetic on a variable, fields the model's VMAs lack) raises
:class:`Unsupported`, and the call site runs on the reference instead.  A NULL
dereference at run time raises :class:`Fallback` for the same reason: the
reference then reports it in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchscope.arch import ArchProfile
from patchscope.cexpr import (
    Binary,
    Cond,
    EvalError,
    Expr,
    Member,
    Name,
    PtrValue,
    Unary,
    chain_text,
    evaluate_value,
    free_names,
)
from patchscope.cexpr.ctypes import CType, int_type, ulong_type, usual_conversion
from patchscope.cexpr.expr_ast import COMPARISONS

# Kinds of a compiled value.  U: unsigned long (normalised); B: a C int that is
# 0 or 1 (comparisons, !, &&, ||); VMA: a Vma or None; VMS: the munmap state
# (never NULL); NU: an int or None (a plain member read through a NULL pointer
# gives None, as read_chain does).
U, B, VMA, VMS, NU = "u", "i", "vma", "vms", "nu"
C = "c"  # a constant integer of any C type (Code.ctype); its source is its value

# struct vma_munmap_struct fields (binding.Vms) and their kinds
VMS_FIELDS = {"vma": VMA, "prev": VMA, "next": VMA, "unmap_start": U, "unmap_end": U,
              "start": U, "end": U, "vma_count": U}
VMA_FIELDS = {"vm_start": 1, "vm_end": 2}  # index in the Vma named tuple


class Unsupported(Exception):
    """The expression is outside what the translation covers."""


class Fallback(Exception):
    """A scenario needs the reference to say what happens (a NULL dereference)."""


def null() -> int:
    raise Fallback("NULL dereference")


def not_none(v: int | None) -> int:
    if v is None:
        raise Fallback("a NULL read used as a number")
    return v


@dataclass(frozen=True)
class Code:
    """Python source of one value, its kind, and its C type when an integer."""

    src: str
    kind: str
    ctype: CType | None = None
    const: bool = False


class Translator:
    """Translates expressions over an environment of named, typed variables."""

    def __init__(self, profile: ArchProfile, env: dict[str, tuple[str, str]]) -> None:
        # name -> (Python variable, kind)
        self.profile = profile
        self.env = env
        self.mask = (1 << profile.bits) - 1
        self.ulong = ulong_type(profile)
        self.int = int_type(profile)
        self.macros = set(profile.macros)
        self.in_cond = 0

    # values as read_chain / Binder.value returns them -------------------
    def value(self, e: Expr) -> Code:
        """Source of ``Binder.value(e, env)``: a plain chain is read as is, anything
        else evaluated with C's rules and wrapped to unsigned long."""
        if chain_text(e) is not None and not free_names(e) & self.macros:
            return self.read(e)
        c = self.c(e)
        if c.kind == C:  # evaluate() returns profile.wrap(value)
            return Code(repr(self.profile.wrap(int(c.src))), U, self.ulong, True)
        return c  # U is normalised, B is 0 or 1: both are their own wrap

    def read(self, e: Expr) -> Code:
        """read_chain: a name, then fields; a field of None is None."""
        if isinstance(e, Name):
            if e.name not in self.env:
                raise Unsupported(f"no variable {e.name}")
            var, kind = self.env[e.name]
            return Code(var, kind)
        assert isinstance(e, Member)
        base = self.read(e.base)
        if base.kind == VMS:
            field_kind = VMS_FIELDS.get(e.field)
            if field_kind is None:
                raise Unsupported(f"field {e.field} of the munmap state")
            return Code(f"{base.src}.{e.field}", field_kind)
        if base.kind == VMA:
            idx = VMA_FIELDS.get(e.field)
            if idx is None:
                raise Unsupported(f"field {e.field} of a VMA")
            return Code(f"(None if {base.src} is None else {base.src}[{idx}])", NU)
        raise Unsupported(f"member of a {base.kind} value")

    # C evaluation -------------------------------------------------------
    def const(self, e: Expr) -> Code:
        try:
            v = evaluate_value(e, {}, self.profile)  # the reference evaluator, once
        except EvalError as exc:  # the reference says why, in its words
            raise Unsupported(str(exc)) from None
        if isinstance(v, PtrValue):
            if v.target is not None:
                raise Unsupported("a constant pointer")
            return Code("None", VMA, const=True)
        return Code(repr(v.value), C, v.ctype, True)

    def c(self, e: Expr) -> Code:
        names = free_names(e)
        if not names & set(self.env):
            return self.const(e)
        if isinstance(e, Name):
            var, kind = self.env[e.name]
            if kind == NU and self.in_cond:
                # a NULL read inside a conditional: the reference types the
                # branch as a pointer there, which this translation does not
                raise Unsupported(f"{e.name} may be NULL inside a conditional")
            if kind == NU:
                return Code(f"not_none({var})", U, self.ulong)
            return Code(var, kind, self.ulong if kind == U else None)
        if isinstance(e, Member):
            base = self.c(e.base)
            if base.kind == VMS:
                field_kind = VMS_FIELDS.get(e.field)
                if field_kind is None:
                    raise Unsupported(f"field {e.field} of the munmap state")
                return Code(f"{base.src}.{e.field}", field_kind,
                            self.ulong if field_kind == U else None)
            if base.kind == VMA:
                idx = VMA_FIELDS.get(e.field)
                if idx is None:
                    raise Unsupported(f"field {e.field} of a VMA")
                return Code(f"(null() if {base.src} is None else {base.src}[{idx}])", U,
                            self.ulong)
            raise Unsupported("member access on an integer")
        if isinstance(e, Unary):
            return self.unary(e)
        if isinstance(e, Binary):
            return self.binary(e)
        if isinstance(e, Cond):
            return self.cond(e)
        raise Unsupported(type(e).__name__)

    def truth(self, c: Code) -> str:
        if c.kind in (VMA,):
            return f"({c.src} is not None)"
        if c.kind == VMS:
            return "True"
        return f"({c.src} != 0)"

    def as_ulong(self, c: Code) -> str:
        """*c* converted to unsigned long (its C type must convert to it)."""
        if c.const:
            assert c.ctype is not None
            return repr(self.ulong.normalise(int(c.src)))
        if c.kind in (U, B):
            return c.src  # U normalised; B is 0 or 1
        raise Unsupported(f"a {c.kind} value used as an integer")

    def unary(self, e: Unary) -> Code:
        v = self.c(e.operand)
        if e.op == "!":
            return Code(f"(0 if {self.truth(v)} else 1)", B, self.int)
        if v.kind != U:
            raise Unsupported(f"unary {e.op} on a {v.kind} value")
        if e.op == "+":
            return v
        if e.op == "-":
            return Code(f"((-{v.src}) & {self.mask})", U, self.ulong)
        if e.op == "~":
            return Code(f"((~{v.src}) & {self.mask})", U, self.ulong)
        raise Unsupported(f"unary {e.op}")

    def binary(self, e: Binary) -> Code:
        op = e.op
        if op in ("&&", "||"):
            left, right = self.truth(self.c(e.left)), self.truth(self.c(e.right))
            py = "and" if op == "&&" else "or"
            return Code(f"(1 if ({left} {py} {right}) else 0)", B, self.int)
        a, b = self.c(e.left), self.c(e.right)
        if a.kind not in (U, B, C) or b.kind not in (U, B, C):
            raise Unsupported(f"{op} on a {a.kind} and a {b.kind} value")
        assert a.ctype is not None and b.ctype is not None
        if op in ("<<", ">>"):
            if a.kind != U or not b.const:
                raise Unsupported("a shift other than of an unsigned long by a constant")
            count = int(b.src)
            if not 0 <= count < self.ulong.bits:
                raise Unsupported("a shift count out of range")
            if op == "<<":
                return Code(f"(({a.src} << {count}) & {self.mask})", U, self.ulong)
            return Code(f"({a.src} >> {count})", U, self.ulong)
        t = usual_conversion(a.ctype, b.ctype, self.profile)
        if t != self.ulong:
            raise Unsupported(f"{op} in {t.name} arithmetic")
        x, y = self.as_ulong(a), self.as_ulong(b)
        if op in COMPARISONS:
            return Code(f"(1 if {x} {op} {y} else 0)", B, self.int)
        if op in ("+", "-", "*"):
            return Code(f"(({x} {op} {y}) & {self.mask})", U, self.ulong)
        if op in ("&", "|", "^"):
            return Code(f"({x} {op} {y})", U, self.ulong)
        raise Unsupported(f"operator {op}")

    def cond(self, e: Cond) -> Code:
        self.in_cond += 1
        try:
            t = self.truth(self.c(e.cond))
            a, b = self.c(e.then), self.c(e.other)
        finally:
            self.in_cond -= 1
        if a.kind == VMA and b.kind == VMA and not (a.const or b.const):
            return Code(f"({a.src} if {t} else {b.src})", VMA)
        if a.kind not in (U, B, C) or b.kind not in (U, B, C):
            raise Unsupported(f"a conditional of a {a.kind} and a {b.kind} value")
        assert a.ctype is not None and b.ctype is not None
        if usual_conversion(a.ctype, b.ctype, self.profile) != self.ulong or \
                usual_conversion(b.ctype, a.ctype, self.profile) != self.ulong:
            raise Unsupported("a conditional not in unsigned long")
        return Code(f"({self.as_ulong(a)} if {t} else {self.as_ulong(b)})", U, self.ulong)
