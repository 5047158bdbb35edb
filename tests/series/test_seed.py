"""The acceptance points of the seed thread (patch 4/9 and its four replies)."""

from __future__ import annotations

import pytest

from patchscope.core import Series
from patchscope.series import read_series
from tests.series.helpers import ROOT, SEED_MBOX


@pytest.fixture(scope="module")
def seed() -> Series:
    return read_series(str(SEED_MBOX), cwd=str(ROOT))


def test_one_patch_4_of_9_v1_claiming_nfc(seed: Series) -> None:
    (patch,) = seed.patches
    assert (patch.index, patch.total, patch.version) == (4, 9, 1)
    assert (seed.version, seed.total) == (1, 9)
    assert patch.claims_nfc and patch.nfc_claim == "No functional changes intended."
    assert patch.subject == "mm/memory: Add tree limit to free_pgtables()"
    assert patch.author == "Liam R. Howlett <Liam.Howlett@oracle.com>"
    assert seed.missing == [1, 2, 3, 5, 6, 7, 8, 9]
    assert len(patch.replies) == 4


def test_trailers_from_patch_and_replies(seed: Series) -> None:
    got = {(t.key, t.value, t.source) for t in seed.patches[0].trailers}
    assert got == {
        ("Signed-off-by", "Liam R. Howlett <Liam.Howlett@oracle.com>", "patch"),
        ("Reviewed-by", "Lorenzo Stoakes <lorenzo.stoakes@oracle.com>", "reply"),
        ("Reviewed-by", "Pedro Falcato <pfalcato@suse.de>", "reply"),
    }


def test_files_match_the_diffstat(seed: Series) -> None:
    got = [(f.path, f.added, f.removed) for f in seed.patches[0].files]
    assert got == [
        ("mm/internal.h", 3, 1),
        ("mm/memory.c", 25, 3),
        ("mm/mmap.c", 1, 1),
        ("mm/vma.c", 2, 1),
        ("tools/testing/vma/vma_internal.h", 2, 1),
    ]
    memory = seed.patches[0].files[1]
    assert [h.section for h in memory.hunks][0] == "void free_pgd_range(struct mmu_gather *tlb,"
    assert len(memory.hunks) == 3


def _comments(seed: Series, author: str) -> list[tuple[str | None, int | None, str]]:
    return [
        (c.file, c.line, c.text)
        for c in seed.patches[0].review_comments
        if c.author.startswith(author)
    ]


def test_suren_warn_comment_anchored_to_warn_line(seed: Series) -> None:
    (hit,) = [c for c in _comments(seed, "Suren") if c[2].startswith("I would prefer")]
    assert hit[:2] == ("mm/memory.c", 398)
    memory = seed.patches[0].files[1]
    line = next(dl for h in memory.hunks for dl in h.lines if dl.new_lineno == 398)
    assert line.kind == "+" and line.text == "\tWARN_ON_ONCE(tree_max - 1 > ceiling - 1);"


def test_lorenzo_kernel_doc_nit_anchored_to_comment_opening(seed: Series) -> None:
    (hit,) = [c for c in _comments(seed, "Lorenzo") if c[2].startswith("NIT: /** right?")]
    assert hit[:2] == ("mm/memory.c", 372)
    memory = seed.patches[0].files[1]
    line = next(dl for h in memory.hunks for dl in h.lines if dl.new_lineno == 372)
    assert (line.kind, line.text) == ("+", "/*")


def test_greetings_signatures_attribution_left_out(seed: Series) -> None:
    texts = [c.text for c in seed.patches[0].review_comments]
    joined = "\n".join(texts)
    assert "wrote:" not in joined
    assert "Cheers" not in joined and "dhildenb" not in joined and "Pedro" not in joined
    assert "Reviewed-by:" not in joined
    # Pedro only quotes the commit message and gives a trailer: no comment.
    assert _comments(seed, "Pedro") == []
    general = [c for c in _comments(seed, "Lorenzo") if c[0] is None]
    assert general == [(None, None, "LGTM other than the nits below, so with those addressed "
                        "feel free to add:")]


def test_every_suren_comment_is_anchored_in_memory_c(seed: Series) -> None:
    got = [(f, n) for f, n, _ in _comments(seed, "Suren")]
    assert got == [("mm/memory.c", 397), ("mm/memory.c", 398), ("mm/memory.c", 407)]
