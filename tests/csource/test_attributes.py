"""The rest of a signature as the declarator reader sees it: return type, attributes."""

from __future__ import annotations

import pytest

from patchscope.csource.attributes import interface_diff, split_type_words
from patchscope.csource.scan import Source, find_declarators


def declared(text: str) -> tuple[str, tuple[str, ...]]:
    (decl,) = find_declarators(Source("x.c", text), {"f"})
    return decl.return_type, decl.attributes


@pytest.mark.parametrize(("text", "return_type", "attributes"), [
    ("int f(int a);", "int", ()),
    ("static inline int f(int a) { return a; }", "int", ()),
    ("static __always_inline unsigned long f(int a);", "unsigned long", ()),
    ("void __noreturn f(int a);", "void", ("__noreturn",)),
    ("_Noreturn void f(int a);", "void", ("__noreturn",)),
    ("void f(int a) __attribute__((noreturn));", "void", ("__noreturn",)),
    ("int f(int a) __attribute__((warn_unused_result, cold));", "int", ("__must_check",)),
    ("int __must_check f(int a);", "int", ("__must_check",)),
    ("const char *f(int a);", "const char *", ()),
    ("__u32 f(int a);", "__u32", ()),
    ("__poll_t f(int a);", "__poll_t", ()),
    ("struct page *f(int a);", "struct page *", ()),
    ("void __init f(int a);", "void", ("__init",)),
    ("STATIC int\nf(int a)\n{\n\treturn a;\n}\n", "STATIC int", ()),
    ("int f(const char *fmt, ...) __printf(1, 2);", "int", ("__printf(1,2)",)),
    # arguments are part of the attribute; an attribute steering codegen only is not
    ("void f(int a) __attribute__((noreturn, aligned(8), cold));", "void",
     ("__noreturn", "__aligned(8)")),
    ("int __attribute__((cold + 1)) f(int a);", "int", ("__cold+1",)),
])
def test_the_reader_splits_type_and_attributes(text: str, return_type: str,
                                               attributes: tuple[str, ...]) -> None:
    assert declared(text) == (return_type, attributes)


def test_inlining_and_storage_class_are_not_compared() -> None:
    old = split_type_words(["static", "inline", "int"])
    new = split_type_words(["static", "__always_inline", "int"])
    assert not interface_diff(old[0], new[0], old[1], new[1]).changed


def test_lost_and_gained_attributes_are_told_apart() -> None:
    diff = interface_diff("void", "void", ("__noreturn", "__cold"), ("__cold", "__must_check"))
    assert diff.lost == ["__noreturn"] and diff.gained == ["__must_check"] and diff.changed
