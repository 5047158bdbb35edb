"""Enum constants' values and pure functions, read from C text (issue 12)."""

from __future__ import annotations

from patchscope.arch import get_profile
from patchscope.csource.defines import _constant
from patchscope.csource.enums import enumerators
from patchscope.csource.pure import _definitions, _why_pure

PROFILE = get_profile("x86_64")


def _values(text: str) -> dict[str, int]:
    return {n: int(v) for n, v, _ in enumerators(
        text, lambda body, known: _constant(body, known, PROFILE))}


def test_enumerators_count_from_zero_and_from_a_given_value() -> None:
    text = """
enum walk_mode { WALK_FAST, WALK_SLOW };
enum zone_type {
	ZONE_DMA = 4,	/* comment, with a comma */
	ZONE_NORMAL,
	ZONE_MOVABLE = 0x10,
	ZONE_DEVICE,
};
"""
    assert _values(text) == {"WALK_FAST": 0, "WALK_SLOW": 1, "ZONE_DMA": 4, "ZONE_NORMAL": 5,
                             "ZONE_MOVABLE": 16, "ZONE_DEVICE": 17}


def test_an_enumerator_of_unknown_value_ends_the_reading() -> None:
    # after `= SOME_MACRO` no later value is known
    assert _values("enum e { A, B = SOME_MACRO, C };") == {"A": 0}


def test_a_cut_enum_gives_nothing() -> None:
    assert _values("\tWALK_FAST,\n\tWALK_SLOW,\n};\n") == {}
    assert _values("enum walk_mode {\n\tWALK_FAST,\n") == {}


def _pure(text: str, name: str) -> str | None:
    found = [(" ".join(s.split()), p, " ".join(b.split()), f"f.c:{o}")
             for s, p, o, b in _definitions(text, name)]
    return _why_pure(name, found, set(), PROFILE) if found else None


def test_a_body_of_one_return_over_its_parameters_is_pure() -> None:
    why = _pure("static inline unsigned int order(unsigned long b)\n{\n\treturn b > 8192 ? 2 : "
                "b > 4096;\n}\n", "order")
    assert why is not None and why.startswith("order() is pure")


def test_reads_writes_and_calls_are_not_pure() -> None:
    assert _pure("int f(int x)\n{\n\treturn x + counter;\n}\n", "f") is None  # a global
    assert _pure("int f(struct s *p)\n{\n\treturn p->n;\n}\n", "f") is None  # memory
    assert _pure("int f(int x)\n{\n\treturn g(x);\n}\n", "f") is None  # another call
    assert _pure("int f(int x)\n{\n\tn++;\n\treturn x;\n}\n", "f") is None  # a write
    # two different bodies (per config): which one applies is unknown
    assert _pure("int f(int x)\n{\n\treturn x;\n}\nint f(int x)\n{\n\treturn x + 1;\n}\n",
                 "f") is None


def test_attribute_const_is_taken_as_an_assumption() -> None:
    why = _pure("unsigned int __attribute_const__ ilog(unsigned long v);\n", "ilog")
    assert why is not None and why.startswith("assumed: ilog() is pure")
