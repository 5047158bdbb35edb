"""The token-level readers never fail on odd input: windows cut anywhere."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from patchscope.csource.scan import Source, find_calls, find_declarators, function_name_in
from tests.csource.kernel_tree import SEED_PATCH

PIECES = [
    "f(", ")", "(", ",", ";", "{", "}", "int ", "x", " /* c */ ", "// l\n", "\n", "#define ",
    "static ", "*", "[", "]", "\"s(\"", "'('", "struct a ", "...", "void", "->", "=", "#if 0\n",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_scanners_accept_any_fragment(pieces: list[str]) -> None:
    src = Source("x.c", "".join(pieces), whole=False)
    for call in find_calls(src, "f"):
        assert call.offset < len(src.data)
        for arg in call.args:
            assert arg.text == src.slice(arg.start, arg.end) or arg.text == ""
    find_declarators(src)
    function_name_in("".join(pieces))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200), st.integers(1, 200))
def test_any_slice_of_a_real_patch_window(start: int, length: int) -> None:
    lines = [ln[1:] for ln in SEED_PATCH.read_text().splitlines() if ln[:1] in " +"]
    src = Source("x.c", "\n".join(lines[start : start + length]) + "\n", whole=False)
    for call in find_calls(src, "free_pgtables"):
        assert call.complete or call.end == len(src.data)
    find_declarators(src)
