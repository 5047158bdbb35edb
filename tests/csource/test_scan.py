"""Token-level reading: calls, arguments, declarators, parameter diffs."""

from __future__ import annotations

from patchscope.core import Param, Renamed
from patchscope.csource.scan import Source, find_calls, find_declarators, function_name_in
from patchscope.csource.signatures import diff_params


def src(text: str, whole: bool = True) -> Source:
    return Source("x.c", text, whole=whole)


def test_arguments_keep_inner_comments_and_layout_and_set_annotations_apart() -> None:
    s = src(
        "void f(void)\n{\n\tg(a /* first */ + 1,\n\t  b[2],\n\t  /* locked = */ true, (x, y));\n}\n"
    )
    (call,) = find_calls(s, "g")
    assert [a.text for a in call.args] == ["a /* first */ + 1", "b[2]", "true", "(x, y)"]
    assert [a.annotation for a in call.args] == [None, None, "/* locked = */", None]
    assert call.complete and call.line == 3


def test_a_call_cut_by_the_window_is_incomplete() -> None:
    s = src("\tfoo(a,\n\t    b,\n", whole=False)
    (call,) = find_calls(s, "foo")
    assert not call.complete
    assert [a.text for a in call.args] == ["a", "b"]


def test_a_window_starting_inside_a_comment_holds_no_call_there() -> None:
    # a hunk whose first context lines are the end of a kernel-doc comment
    s = src(
        " * frob() - frob the thing, café\n * @x: what\n */\nint frob(int x)\n{\n"
        "\treturn helper(x) + frob(x - 1);\n}\n",
        whole=False,
    )
    (call,) = find_calls(s, "frob")
    assert call.line == 6 and [a.text for a in call.args] == ["x - 1"]
    (decl,) = find_declarators(s, {"frob"})
    assert decl.line == 4 and decl.kind == "definition"


def test_a_whole_file_is_lexed_as_written() -> None:
    # "*/" before any "/*" in a whole file is code the lexer reads, not a cut comment
    s = src("int a = 2 */* two */ 3;\nint g(void) { return frob(a); }\n")
    (call,) = find_calls(s, "frob")
    assert call.line == 2


def test_declarators_are_not_calls_and_calls_are_not_declarators() -> None:
    text = (
        "static inline int foo(struct a *p, unsigned long n);\n"
        "int foo(struct a *p, unsigned long n)\n{\n\treturn foo(p, n - 1);\n}\n"
        "#define FOO(p) foo(p, 0)\n"
    )
    s = src(text)
    decls = find_declarators(s)
    assert [(d.name, d.kind, d.is_inline) for d in decls] == [
        ("foo", "prototype", True),
        ("foo", "definition", False),
    ]
    assert decls[1].params == [Param("struct a *", "p"), Param("unsigned long", "n")]
    calls = find_calls(s, "foo")
    assert [c.line for c in calls] == [4, 6]  # the return and the macro body


def test_parameter_shapes() -> None:
    s = src("int f(void (*cb)(int), char **argv, int v[4], unsigned long, ...);\nint g(void);\n")
    f, g = find_declarators(s)
    assert f.params == [
        Param("void (*)(int)", "cb"),
        Param("char **", "argv"),
        Param("int [4]", "v"),
        Param("unsigned long", ""),
        Param("...", ""),
    ]
    assert g.params == []


def test_section_names_the_function() -> None:
    assert function_name_in(
        "void unmap_region(struct ma_state *mas, struct vm_area_struct *vma,"
    ) == ("unmap_region")
    assert function_name_in("struct zap_details;") is None


P = Param


def test_diff_added_parameter_keeps_the_others() -> None:
    old = [P("unsigned long", "ceiling"), P("bool", "locked")]
    new = [P("unsigned long", "ceiling"), P("unsigned long", "tree_max"), P("bool", "locked")]
    d = diff_params(old, new)
    assert (d.added, d.removed, d.renamed, d.moved) == (["tree_max"], [], [], [])
    assert d.persists == {"ceiling": "ceiling", "locked": "locked"}


def test_diff_renamed_in_place_is_the_same_parameter() -> None:
    old = [P("struct mm *", "mm"), P("struct vma *", "start_vma"), P("int", "unused")]
    new = [P("struct mm *", "mm"), P("struct vma *", "vma")]
    d = diff_params(old, new)
    assert d.renamed == [Renamed("start_vma", "vma")]
    assert d.removed == ["unused"] and d.added == []
    assert d.persists["start_vma"] == "vma"


def test_diff_moved() -> None:
    old = [P("int", "a"), P("int", "b"), P("int", "c")]
    new = [P("int", "c"), P("int", "a"), P("int", "b")]
    d = diff_params(old, new)
    assert d.moved == ["c"] and not d.added and not d.removed and not d.renamed


def test_kernel_declaration_shapes() -> None:
    text = (
        "static noinline_for_stack int\nfoo(struct a *p,\n    unsigned long n)\n{\n}\n"
        "int __weak arch_foo(int x) __releases(lock)\n{\n\treturn 0;\n}\n"
        "void __must_check *alloc_it(size_t size, gfp_t gfp) __attribute__((malloc));\n"
        "SYSCALL_DEFINE2(name, int, a, int, b)\n{\n\treturn foo(a, b);\n}\n"
    )
    decls = find_declarators(src(text))
    assert [(d.name, d.kind, d.line, d.is_static) for d in decls] == [
        ("foo", "definition", 2, True),
        ("arch_foo", "definition", 6, False),
        ("alloc_it", "prototype", 10, False),
    ]
    assert decls[2].params == [Param("size_t", "size"), Param("gfp_t", "gfp")]
    assert [c.line for c in find_calls(src(text), "foo")] == [13]
