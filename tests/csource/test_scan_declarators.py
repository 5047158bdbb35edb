"""Declarators the reader must not miss, and calls it must not take for them."""

from __future__ import annotations

from patchscope.csource.scan import Source, find_calls, find_declarators, function_name_in


def window(text: str) -> Source:
    return Source("fs/x.c", text, whole=False)


def test_a_window_starting_at_the_name_holds_a_definition() -> None:
    # `STATIC int` is on the line above the window
    src = window("xa_alloc(\n\tstruct xa_inode\t*ip,\n\tlong\t\tlen)\n{\n\treturn 0;\n}\n")
    (decl,) = find_declarators(src, {"xa_alloc"})
    assert decl.kind == "definition" and [p.name for p in decl.params] == ["ip", "len"]
    assert decl.return_type == ""  # not shown, so not compared
    assert find_calls(src, "xa_alloc") == []


def test_the_type_on_the_line_above_is_read() -> None:
    src = window("STATIC int\nxa_alloc(\n\tstruct xa_inode\t*ip,\n\tlong\t\tlen)\n{\n")
    (decl,) = find_declarators(src, {"xa_alloc"})
    assert decl.return_type == "STATIC int" and decl.kind == "definition"


def test_macros_and_indented_calls_in_column_one_windows_stay_calls() -> None:
    src = window("EXPORT_SYMBOL(xa_alloc);\nlist_each(pos, head) {\n}\n")
    assert find_declarators(src, {"EXPORT_SYMBOL", "list_each"}) == []
    src = window("\txa_alloc(ip, len);\n}\n")
    assert find_declarators(src, {"xa_alloc"}) == []
    assert len(find_calls(src, "xa_alloc")) == 1
    # a statement before it: a call, whatever its column
    src = window("\tx = 1;\nxa_alloc(ip, len);\n")
    assert [c.name for c in find_calls(src, "xa_alloc")] == ["xa_alloc"]


def test_an_attribute_between_type_and_name_keeps_it_a_definition() -> None:
    src = window("static int __attribute__((cold)) xa_fail(struct xa_inode *ip, int err)\n{\n")
    (decl,) = find_declarators(src, {"xa_fail"})
    assert decl.kind == "definition" and decl.return_type == "int"
    assert find_calls(src, "xa_fail") == []
    src = window("int __printf(2, 3) xa_log(struct xa_inode *ip, const char *fmt, ...);\n")
    (decl,) = find_declarators(src, {"xa_log"})
    assert decl.attributes == ("__printf(2,3)",) and decl.kind == "prototype"


def test_a_section_with_only_the_name_names_the_function() -> None:
    assert function_name_in("xa_prealloc(") == "xa_prealloc"
    assert function_name_in("STATIC int") is None
