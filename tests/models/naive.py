"""A deliberately plain second implementation of kernel-semantics.md, for tests.

Table by table and entry by entry, with the kernel's wrapping ``unsigned
long`` arithmetic written out: slow, small layouts only.  It shares no code
with ``patchscope.models`` so that a counterexample replayed through it is
checked by something that did not produce it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from patchscope.arch import ArchProfile


@dataclass
class NaiveMM:
    profile: ArchProfile
    # level name -> set of table bases present
    tables: dict[str, set[int]] = field(default_factory=dict)
    freed: list[tuple[str, int]] = field(default_factory=list)

    @property
    def m(self) -> int:
        return (1 << self.profile.bits) - 1

    def span(self, level: str) -> int:
        p = self.profile
        return {"pte": p.pmd_size, "pmd": p.pud_size, "pud": p.p4d_size,
                "p4d": p.pgdir_size}[level]

    def real(self, level: str) -> bool:
        return {"pte": True, "pmd": True, "pud": self.profile.levels >= 4,
                "p4d": self.profile.levels >= 5}[level]

    def map_range(self, start: int, end: int) -> None:
        for level in ("pte", "pmd", "pud", "p4d"):
            if not self.real(level):
                continue
            s = self.span(level)
            b = start - start % s
            while b < end:
                self.tables.setdefault(level, set()).add(b)
                b += s

    def _present(self, level: str, base: int) -> bool:
        return base in self.tables.get(level, set())

    def _free(self, level: str, base: int) -> None:
        self.tables[level].discard(base)
        self.freed.append((level, base))
        s = self.span(level)
        for lower in ("pte", "pmd", "pud"):
            if lower == level:
                break
            self.tables[lower] = {b for b in self.tables.get(lower, set())
                                  if not base <= b < base + s}

    def _addr_end(self, addr: int, end: int, size: int) -> int:
        boundary = (addr + size) & ~(size - 1) & self.m
        return boundary if (boundary - 1) & self.m < (end - 1) & self.m else end

    def _prune(self, start: int, end: int, floor: int, ceiling: int, size: int) -> bool:
        """True: the level's own table goes."""
        mask = ~(size - 1) & self.m
        start &= mask
        if start < floor:
            return False
        if ceiling:
            ceiling &= mask
            if not ceiling:
                return False
        return not ((end - 1) & self.m > (ceiling - 1) & self.m)

    def free_pmd_range(self, addr: int, end: int, floor: int, ceiling: int) -> None:
        start = addr
        while True:
            nxt = self._addr_end(addr, end, self.profile.pmd_size)
            base = addr & ~(self.profile.pmd_size - 1) & self.m
            if self._present("pte", base):
                self._free("pte", base)
            addr = nxt
            if addr == end:
                break
        if self._prune(start, end, floor, ceiling, self.profile.pud_size):
            self._free("pmd", start & ~(self.profile.pud_size - 1) & self.m)

    def _has_below(self, level: str, addr: int) -> bool:
        s = self.span(level)
        base = addr & ~(s - 1) & self.m
        return self._present(level, base)

    def free_pud_range(self, addr: int, end: int, floor: int, ceiling: int) -> None:
        start = addr
        while True:
            nxt = self._addr_end(addr, end, self.profile.pud_size)
            if self._has_below("pmd", addr):
                self.free_pmd_range(addr, nxt, floor, ceiling)
            addr = nxt
            if addr == end:
                break
        if self.real("pud") and self._prune(start, end, floor, ceiling, self.profile.p4d_size):
            self._free("pud", start & ~(self.profile.p4d_size - 1) & self.m)

    def free_p4d_range(self, addr: int, end: int, floor: int, ceiling: int) -> None:
        start = addr
        while True:
            if self.real("p4d"):
                nxt = self._addr_end(addr, end, self.profile.p4d_size)
                if self._has_below("pud", addr):
                    self.free_pud_range(addr, nxt, floor, ceiling)
            else:  # folded: the PGD entry is the P4D entry
                nxt = end
                self.free_pud_range(addr, nxt, floor, ceiling)
            addr = nxt
            if addr == end:
                break
        if self.real("p4d") and self._prune(start, end, floor, ceiling,
                                            self.profile.pgdir_size):
            self._free("p4d", start & ~(self.profile.pgdir_size - 1) & self.m)

    def free_pgd_range(self, addr: int, end: int, floor: int, ceiling: int) -> None:
        p, m = self.profile, self.m
        pmd = p.pmd_size
        addr &= ~(pmd - 1) & m
        if addr < floor:
            addr = (addr + pmd) & m
            if not addr:
                return
        if ceiling:
            ceiling &= ~(pmd - 1) & m
            if not ceiling:
                return
        if (end - 1) & m > (ceiling - 1) & m:
            end = (end - pmd) & m
        if addr > (end - 1) & m:
            return
        while True:
            nxt = self._addr_end(addr, end, p.pgdir_size)
            # the PGD entry points at the highest real level below it
            top = "p4d" if self.real("p4d") else "pud" if self.real("pud") else "pmd"
            if self._has_below(top, addr):
                self.free_p4d_range(addr, nxt, floor, ceiling)
            addr = nxt
            if addr == end:
                break


def naive_free_pgtables(
    profile: ArchProfile,
    entries: Sequence[tuple[int, int, object]],  # (first index, last index, vma span or "zero")
    owned: list[tuple[int, int]],
    start_index: int,
    first: tuple[int, int],
    first_max: int,
    gather_max: int,
    floor: int,
    ceiling: int,
) -> tuple[list[tuple[int, int]], list[tuple[int, int, int, int]], list[tuple[str, int]]]:
    """The loop of kernel-semantics.md: (unlinked spans, free_pgd_range calls, freed)."""
    mm = NaiveMM(profile)
    for s, e in owned:
        mm.map_range(s, e)
    m = mm.m
    state: dict[str, int | None] = {"pos": None}

    def find(mx: int) -> object:
        if state["pos"] is None:
            if start_index > mx:
                return None
            for k, (lo, hi, what) in enumerate(entries):
                if hi >= start_index:
                    if lo > mx:
                        return None
                    state["pos"] = k
                    return what
            return None
        k = state["pos"] + 1
        if k < len(entries) and entries[k][0] <= mx:
            state["pos"] = k
            return entries[k][2]
        return None

    def vma_or_none(x: object) -> tuple[int, int] | None:
        return None if x is None or x == "zero" else x  # type: ignore[return-value]

    unlinked: list[tuple[int, int]] = []
    calls: list[tuple[int, int, int, int]] = []
    vma: tuple[int, int] | None = first
    while vma is not None:
        addr = vma[0]
        nxt = vma_or_none(find(first_max))
        unlinked.append(vma)
        while nxt is not None and nxt[0] <= (vma[1] + profile.pmd_size) & m:
            vma = nxt
            nxt = vma_or_none(find(gather_max))
            unlinked.append(vma)
        c = (addr, vma[1], floor, nxt[0] if nxt is not None else ceiling)
        calls.append(c)
        mm.free_pgd_range(*c)
        vma = nxt
    return unlinked, calls, mm.freed
