"""Tolerant parsing: missing headers and undeclared names must not lose calls."""

from __future__ import annotations

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
