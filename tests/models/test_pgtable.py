"""free_pgd_range and the loop, worked by hand from the kernel's rules."""

from __future__ import annotations

from patchscope.arch import ARM_LPAE, X86_64, X86_64_5LEVEL, ArchProfile
from patchscope.models.loop import CalleeValues, Observation, run_free_pgtables
from patchscope.models.maple import MapleTree, Vma
from patchscope.models.pgtable import LEVELS, TableGeometry, free_pgd_range
from tests.models.naive import NaiveMM

M = 2 << 20  # PMD_SIZE
G = 1 << 30  # PUD_SIZE
ALL = (1 << 64) - 1


def tables(profile: ArchProfile, ranges: list[tuple[int, int]], addr: int, end: int, floor: int,
           ceiling: int) -> list[tuple[str, int]]:
    """Freed tables, one by one, from the model; checked against the naive one."""
    geo = TableGeometry.of(profile)
    _, freed = free_pgd_range(geo, geo.present_for(ranges), addr, end, floor, ceiling)
    out = []
    for lv, lo, hi in freed:
        out += [(LEVELS[lv], b) for b in range(lo, hi, geo.spans[lv])]
    naive = NaiveMM(profile)
    for s, e in ranges:
        naive.map_range(s, e)
    naive.free_pgd_range(addr, end, floor, ceiling)
    assert sorted(out) == sorted(naive.freed)
    return sorted(out)


def test_one_vma_floor_and_ceiling_zero_frees_every_level_but_the_pgd() -> None:
    # PTE page of [4M, 6M), the PMD page of [0, 1G), the PUD page of [0, 512G)
    assert tables(X86_64, [(0x400000, 0x401000)], 0x400000, 0x401000, 0, 0) == [
        ("pmd", 0), ("pte", 0x400000), ("pud", 0)]


def test_five_levels_also_free_the_p4d_page() -> None:
    got = tables(X86_64_5LEVEL, [(0x400000, 0x401000)], 0x400000, 0x401000, 0, 0)
    assert ("p4d", 0) in got and len(got) == 4


def test_floor_rounds_addr_up_a_pmd_and_keeps_the_shared_pte_page() -> None:
    # prev ends at 0x401000 in the same PMD: addr 4M < floor -> addr 6M > end - 1
    assert tables(X86_64, [(0x300000, 0x401000), (0x401000, 0x402000)],
                  0x401000, 0x402000, 0x401000, 0) == []


def test_a_ceiling_below_one_pmd_masks_to_zero_and_frees_nothing() -> None:
    assert tables(X86_64, [(0x0, 0x1000)], 0, 0x1000, 0, 0x1000) == []


def test_end_minus_pmd_keeps_the_pte_page_the_next_vma_shares() -> None:
    # next starts at 0x401000: ceiling masks to 4M, end 5M > ceiling -> end = 3M
    got = tables(X86_64, [(0x200000, 0x500000), (0x401000, 0x402000)],
                 0x200000, 0x500000, 0, 0x401000)
    assert got == [("pte", 0x200000)]  # not 4M: next still maps through it


def test_pmd_page_kept_below_floor_and_above_ceiling() -> None:
    got = tables(X86_64, [(G + M, G + 2 * M)], G + M, G + 2 * M, G + 0x1000, 0)
    assert ("pmd", G) not in got  # the PMD page starts below the floor
    got = tables(X86_64, [(G + M, G + 2 * M)], G + M, G + 2 * M, G, 2 * G + M)
    assert ("pmd", G) in got and ("pud", 0) not in got  # PUD page reaches past ceiling


def test_arm_lpae_keeps_the_first_pmd_below_first_user_address() -> None:
    p = ARM_LPAE
    assert tables(p, [(0x8000, 0x9000)], 0x8000, 0x9000, p.first_user_address,
                  p.user_pgtables_ceiling) == []
    assert tables(p, [(0x400000, 0x401000)], 0x400000, 0x401000, 0x2000,
                  p.user_pgtables_ceiling) == [("pte", 0x400000)]  # PMD page starts below floor


def _loop(vmas: list[tuple[int, int]], floor: int = 0, ceiling: int = 0) -> Observation:
    geo = TableGeometry.of(X86_64)
    vs = [Vma(i, s, e) for i, (s, e) in enumerate(vmas)]
    limit = (ceiling - 1) & ALL
    return run_free_pgtables(geo, vs, MapleTree.by_address(vs), vs[0].vm_end, vs[0],
                             CalleeValues(limit, limit, floor, ceiling, False),
                             geo.present_for(vmas))


def test_two_vmas_within_a_pmd_are_gathered_into_one_call() -> None:
    obs = _loop([(0x400000, 0x401000), (0x600000, 0x601000)])  # 6M <= 0x401000 + 2M
    assert obs.unlinked == (0, 1)
    assert obs.pgd_calls == ((0x400000, 0x601000, 0, 0),)


def test_vmas_further_apart_are_two_groups_the_first_capped_by_the_next() -> None:
    obs = _loop([(0x400000, 0x401000), (0x800000, 0x801000)])
    assert obs.unlinked == (0, 1)
    assert obs.pgd_calls == ((0x400000, 0x401000, 0, 0x800000), (0x800000, 0x801000, 0, 0))
    # the PMD page is freed once, by the second group (the first one's ceiling masks to 0)
    assert [(lv, lo) for lv, lo, _ in obs.freed] == [(0, 0x400000), (0, 0x800000), (1, 0),
                                                     (2, 0)]
