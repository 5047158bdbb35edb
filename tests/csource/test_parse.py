"""Tolerant parsing: missing headers and undeclared names must not lose calls."""

from __future__ import annotations

from pathlib import Path

from patchscope import clang
from patchscope.csource.parse import blank_includes, parse_file
from patchscope.csource.scan import Source, find_calls

TEXT = """#include <linux/mm.h>
#include "internal.h"

void caller(struct vm_area_struct *prev, pgtable_t *pte)
{
\tfree_pgtables(&tlb, mas, vma, prev ? prev->vm_end : FIRST_USER_ADDRESS,
\t\t      USER_PGTABLES_CEILING, /* locked = */ true);
}
"""


def test_blanking_includes_keeps_offsets() -> None:
    data = TEXT.encode()
    blank = blank_includes(data)
    assert len(blank) == len(data) and blank.count(b"\n") == data.count(b"\n")
    assert b"#include" not in blank and b"void caller" in blank


def test_a_plain_parse_drops_the_call_and_stubbing_recovers_it() -> None:
    offset = TEXT.index("free_pgtables")
    plain = parse_file("x.c", TEXT)
    assert plain.rounds == 1 and plain.stubs == []
    assert plain.is_call(offset, "free_pgtables")
    assert plain.rounds > 1 and "extern long FIRST_USER_ADDRESS;" in plain.stubs
    assert "typedef long pgtable_t;" in plain.stubs
    # without stubs clang silently loses the call expression
    tu = clang.parse("x.c", blank_includes(TEXT.encode()).decode())
    from clang import cindex

    loc = cindex.SourceLocation.from_offset(tu, tu.get_file("x.c"), offset)
    assert cindex.Cursor.from_location(tu, loc).kind != cindex.CursorKind.DECL_REF_EXPR
    (call,) = find_calls(Source("x.c", TEXT), "free_pgtables")
    assert plain.definition_at(call.offset) is not None
    assert plain.definition_at(call.offset)[0] == "caller"  # type: ignore[index]


def test_a_call_the_parse_loses_inside_a_function_is_still_a_call(tmp_path: Path) -> None:
    from tests.csource.kernel_tree import analyse
    from tests.csource.synth import make_series

    old = "int f(int x)\n{\n\treturn scale(x, sizeof(struct nope), 0);\n}\n"
    new = old.replace(", 0);", ");")
    calc = "int scale(int value, int size, int unused)\n{\n\treturn value;\n}\n"
    calc_new = calc.replace(", int unused", "")
    repo, patches = make_series(
        tmp_path,
        {"calc.c": calc, "a.c": old},
        [("drop unused", {"calc.c": calc_new, "a.c": new})],
    )
    (patch,) = analyse(patches, repo).patches
    (site,) = patch.call_sites
    assert site.caller == "f"
    assert [a.text for a in site.old_args or []] == ["x", "sizeof(struct nope)", "0"]
    assert not [f for f in patch.findings if f.check == "calls-not-parsed"]
