"""C integer types of one architecture profile, and C's conversion rules.

The evaluator and the z3 translation both type every sub-expression the way a
C compiler does (integer promotions, usual arithmetic conversions, the type of
an integer literal from its suffix and value), so that ``-1 > 0`` is false
while ``-1UL > 0`` is true, on 64-bit and 32-bit profiles alike.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from patchscope.arch import ArchProfile


@dataclass(frozen=True)
class CType:
    """An integer type: its C spelling, width, signedness and conversion rank."""

    name: str
    bits: int
    signed: bool
    rank: int  # bool 0, char 1, short 2, int 3, long 4, long long 5

    @property
    def mask(self) -> int:
        return (1 << self.bits) - 1

    def normalise(self, value: int) -> int:
        """*value* converted to this type (C's modular conversion, two's complement)."""
        value &= self.mask
        if self.signed and value >> (self.bits - 1):
            value -= 1 << self.bits
        return value

    def fits(self, value: int) -> bool:
        if self.signed:
            return -(1 << (self.bits - 1)) <= value < (1 << (self.bits - 1))
        return 0 <= value <= self.mask


# Spellings of the integer types a cast may name; the kernel's typedefs included.
_BASE_SPELLINGS: dict[str, tuple[str, bool]] = {
    "_Bool": ("bool", False),
    "bool": ("bool", False),
    "char": ("char", True),
    "signed char": ("char", True),
    "unsigned char": ("char", False),
    "short": ("short", True),
    "short int": ("short", True),
    "signed short": ("short", True),
    "unsigned short": ("short", False),
    "unsigned short int": ("short", False),
    "int": ("int", True),
    "signed": ("int", True),
    "signed int": ("int", True),
    "unsigned": ("int", False),
    "unsigned int": ("int", False),
    "long": ("long", True),
    "long int": ("long", True),
    "signed long": ("long", True),
    "unsigned long": ("long", False),
    "unsigned long int": ("long", False),
    "long long": ("long long", True),
    "long long int": ("long long", True),
    "signed long long": ("long long", True),
    "unsigned long long": ("long long", False),
    "unsigned long long int": ("long long", False),
    # kernel and stdint typedefs
    "u8": ("char", False),
    "s8": ("char", True),
    "__u8": ("char", False),
    "uint8_t": ("char", False),
    "int8_t": ("char", True),
    "u16": ("short", False),
    "s16": ("short", True),
    "__u16": ("short", False),
    "uint16_t": ("short", False),
    "int16_t": ("short", True),
    "u32": ("int", False),
    "s32": ("int", True),
    "__u32": ("int", False),
    "uint32_t": ("int", False),
    "int32_t": ("int", True),
    "u64": ("long long", False),
    "s64": ("long long", True),
    "__u64": ("long long", False),
    "uint64_t": ("long long", False),
    "int64_t": ("long long", True),
    "size_t": ("long", False),
    "ssize_t": ("long", True),
    "uintptr_t": ("long", False),
    "intptr_t": ("long", True),
    "pgoff_t": ("long", False),
    "phys_addr_t": ("long long", False),
    "vm_flags_t": ("long", False),
}

TYPE_WORDS = frozenset({"unsigned", "signed", "char", "short", "int", "long", "_Bool"})
TYPEDEF_NAMES = frozenset(k for k in _BASE_SPELLINGS if " " not in k and k not in TYPE_WORDS)

_RANK = {"bool": 0, "char": 1, "short": 2, "int": 3, "long": 4, "long long": 5}


def _width(base: str, profile: ArchProfile) -> int:
    return {
        "bool": 1,
        "char": 8,
        "short": 16,
        "int": 32,
        "long": profile.bits,
        "long long": 64,
    }[base]


def make_type(base: str, signed: bool, profile: ArchProfile) -> CType:
    return _make_type(base, signed, _width(base, profile))


@functools.cache
def _make_type(base: str, signed: bool, width: int) -> CType:
    # the model evaluates the same few types tens of thousands of times per check
    prefix = "" if signed else "unsigned "
    name = "bool" if base == "bool" else prefix + base
    return CType(name, width, signed, _RANK[base])


def type_from_spelling(spelling: str, profile: ArchProfile) -> CType | None:
    """The integer type a cast's text names, or None when it is not an integer type."""
    words = " ".join(spelling.split())
    found = _BASE_SPELLINGS.get(words)
    if found is None:
        return None
    return make_type(found[0], found[1], profile)


def int_type(profile: ArchProfile) -> CType:
    return make_type("int", True, profile)


def ulong_type(profile: ArchProfile) -> CType:
    return make_type("long", False, profile)


def promote(t: CType, profile: ArchProfile) -> CType:
    """Integer promotion: anything narrower than int becomes int."""
    if t.rank < 3:
        return int_type(profile)
    return t


def usual_conversion(a: CType, b: CType, profile: ArchProfile) -> CType:
    """The common type of a binary arithmetic operator's operands (C11 6.3.1.8)."""
    a, b = promote(a, profile), promote(b, profile)
    if a == b:
        return a
    if a.signed == b.signed:
        return a if a.rank >= b.rank else b
    unsigned, signed = (a, b) if not a.signed else (b, a)
    if unsigned.rank >= signed.rank:
        return unsigned
    if signed.bits > unsigned.bits:
        return signed
    return CType("unsigned " + signed.name, signed.bits, False, signed.rank)


def literal_type(digits_base: int, suffix: str, value: int, profile: ArchProfile) -> CType | None:
    """The type of an integer literal (C11 6.4.4.1), None if no type can hold it."""
    s = suffix.lower()
    unsigned = "u" in s
    longs = s.count("l")
    decimal = digits_base == 10
    candidates: list[tuple[str, bool]] = []
    bases = ["int", "long", "long long"][min(longs, 2) :] if longs < 2 else ["long long"]
    for base in bases:
        if unsigned:
            candidates.append((base, False))
        else:
            candidates.append((base, True))
            if not decimal:
                candidates.append((base, False))
    for base, signed in candidates:
        t = make_type(base, signed, profile)
        if t.fits(value):
            return t
    return None
