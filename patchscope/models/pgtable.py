"""Page-table pages present for a layout, and ``free_pgd_range``.

Tables are kept as runs of bases per level (``[lo, hi)`` intervals in real
integers, 2^bits standing for the top) rather than as pages: a VMA spanning a
PGDIR would otherwise mean hundreds of thousands of PTE pages.  Within one
``free_pgd_range`` call the pruning test of every table at one level depends
only on its base (the walk's range is clipped at table boundaries), so the
freed tables of a level are one interval intersection.  Folded levels have no
table of their own and free nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchscope.arch import ArchProfile

LEVELS = ("pte", "pmd", "pud", "p4d")

Runs = tuple[tuple[int, int], ...]
# (level index, lo, hi): the tables of that level with base in [lo, hi)
Freed = tuple[tuple[int, int, int], ...]


def _align_down(x: int, size: int) -> int:
    return x - x % size


def _align_up(x: int, size: int) -> int:
    return -(-x // size) * size


def _merge(runs: list[tuple[int, int]]) -> Runs:
    """Sorted, disjoint runs (input sorted by start, as VMAs in address order are)."""
    out: list[tuple[int, int]] = []
    for lo, hi in runs:
        if out and lo <= out[-1][1]:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _clip(runs: Runs, lo: int, hi: int) -> list[tuple[int, int]]:
    return [(max(a, lo), min(b, hi)) for a, b in runs if a < hi and b > lo]


def _subtract(runs: Runs, cut: list[tuple[int, int]]) -> Runs:
    out = list(runs)
    for clo, chi in cut:
        nxt: list[tuple[int, int]] = []
        for a, b in out:
            if b <= clo or a >= chi:
                nxt.append((a, b))
                continue
            if a < clo:
                nxt.append((a, clo))
            if b > chi:
                nxt.append((chi, b))
        out = nxt
    return tuple(out)


@dataclass(frozen=True)
class TableGeometry:
    """Span of one table page per level (what one PTE/PMD/PUD/P4D page maps)
    and which levels have pages of their own on this profile."""

    bits: int
    pmd_size: int
    spans: tuple[int, ...]  # per level of LEVELS
    real: tuple[bool, ...]

    @classmethod
    def of(cls, profile: ArchProfile) -> TableGeometry:
        spans = (profile.pmd_size, profile.pud_size, profile.p4d_size, profile.pgdir_size)
        real = (True, True, profile.levels >= 4, profile.levels >= 5)
        return cls(profile.bits, profile.pmd_size, spans, real)

    @property
    def top(self) -> int:
        return 1 << self.bits

    def present_for(self, ranges: list[tuple[int, int]]) -> tuple[Runs, ...]:
        """The tables that map each [start, end) of *ranges* (in address order), per level."""
        out: list[Runs] = []
        for level, span in enumerate(self.spans):
            if not self.real[level]:
                out.append(())
                continue
            out.append(_merge([(s - s % span, -(-e // span) * span) for s, e in ranges]))
        return tuple(out)


def free_pgd_range(
    geo: TableGeometry, present: tuple[Runs, ...], addr: int, end: int, floor: int,
    ceiling: int,
) -> tuple[tuple[Runs, ...], Freed]:
    """Apply ``free_pgd_range(tlb, addr, end, floor, ceiling)`` to *present*.

    Arguments are ``unsigned long`` values (0 for *end*/*ceiling* meaning the
    top).  Returns the tables still present and the runs freed, lowest level
    first (a table's children are walked before it is freed).
    """
    top = geo.top
    mask = top - 1
    pmd = geo.pmd_size
    addr = _align_down(addr, pmd)
    if addr < floor:
        addr += pmd
        if addr & mask == 0:
            return present, ()
    if ceiling:
        ceiling = _align_down(ceiling, pmd)
        if not ceiling:
            return present, ()
    if (end - 1) & mask > (ceiling - 1) & mask:
        end = (end - pmd) & mask
    if addr > (end - 1) & mask:
        return present, ()
    end_real = end or top
    freed: list[tuple[int, int, int]] = []
    new_present = list(present)
    for level, span in enumerate(geo.spans):
        if not geo.real[level]:
            continue
        lo = _align_down(addr, span)
        hi = _align_up(end_real, span)
        if level > 0:
            lo = max(lo, _align_up(floor, span))
            if ceiling:
                c = _align_down(ceiling, span)
                if not c:
                    continue
            else:
                c = top
            if end_real > c:
                hi = min(hi, c)  # only tables that end at or below the ceiling
        if lo >= hi:
            continue
        runs = _clip(present[level], lo, hi)
        if not runs:
            continue
        freed.extend((level, a, b) for a, b in runs)
        # the freed pages and everything below them leave the tree
        for below in range(level + 1):
            new_present[below] = _subtract(new_present[below], runs)
    return tuple(new_present), tuple(freed)
