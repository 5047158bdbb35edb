"""Where the C analysis looks for changed declarators: around each hunk as it applied."""

from __future__ import annotations

from patchscope.csource.analyse import DECL_LINES_ABOVE, DECL_LINES_BELOW, hunk_regions

TEXT = "".join(f"line {n}\n" for n in range(1, 101))


def offset_of(line: int) -> int:
    return TEXT.index(f"line {line}\n")


def test_a_region_is_cut_around_where_the_hunk_stands() -> None:
    (region,) = hunk_regions(TEXT, [(60, 3)])  # lines 40 to 68
    assert region == (offset_of(60 - DECL_LINES_ABOVE), offset_of(60 + 3 + DECL_LINES_BELOW + 1))


def test_a_start_past_the_end_of_the_file_is_no_index_error() -> None:
    # what @@ numbers gave on a tree where the file is shorter than the mail's
    (region,) = hunk_regions(TEXT, [(500, 7)])
    assert region == (len(TEXT), len(TEXT))


def test_an_unknown_start_means_the_whole_file() -> None:
    assert hunk_regions(TEXT, [(None, 7), (10, 1)])[0] == (0, len(TEXT))
