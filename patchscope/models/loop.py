"""The ``free_pgtables()`` loop: walk, gather within PMD_SIZE, free each group.

One run takes the values the callee computes from its parameters (the bound
of each ``mas_find``, the floor and ceiling it hands to ``free_pgd_range``,
whether its WARN fires) and returns what the call does, as
:class:`Observation`: the VMAs unlinked in order, each ``free_pgd_range``
call, the tables freed, the WARN.  How those values come out of the code is
:mod:`patchscope.models.roles`' business; this module is only the kernel's rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchscope.models.maple import XA_ZERO_ENTRY, MapleState, MapleTree, Vma
from patchscope.models.pgtable import Freed, Runs, TableGeometry, free_pgd_range


@dataclass(frozen=True)
class CalleeValues:
    """What the callee's body makes of one call's arguments."""

    first_bound: int  # max of the mas_find() before each group
    gather_bound: int  # max of the mas_find() inside the gathering loop
    floor: int  # floor passed to free_pgd_range()
    ceiling: int  # ceiling passed to free_pgd_range() for the last group
    warn: bool


@dataclass(frozen=True)
class Observation:
    unlinked: tuple[int, ...]  # layout indexes, in unlink order
    pgd_calls: tuple[tuple[int, int, int, int], ...]  # (addr, end, floor, ceiling)
    freed: Freed
    warn: bool


def run_free_pgtables(
    geo: TableGeometry,
    vmas: list[Vma],
    tree: MapleTree,
    start_index: int,
    first: Vma,
    values: CalleeValues,
    present: tuple[Runs, ...],
    memo: dict[tuple[object, ...], tuple[tuple[Runs, ...], Freed]] | None = None,
) -> Observation:
    """Run the loop from *first* with the tree positioned at *start_index*."""
    mask = geo.top - 1
    pmd = geo.pmd_size
    mas = MapleState(tree, start_index)
    unlinked: list[int] = []
    calls: list[tuple[int, int, int, int]] = []
    freed: list[tuple[int, int, int]] = []
    vma: Vma | None = first
    limit = 4 * (len(vmas) + 2)  # a walk can't visit more entries than the tree holds
    while vma is not None:
        addr = vma.vm_start
        nxt_i = mas.find(values.first_bound)
        nxt = None if nxt_i is None or nxt_i == XA_ZERO_ENTRY else vmas[nxt_i]
        unlinked.append(vma.number)
        while nxt is not None and nxt.vm_start <= (vma.vm_end + pmd) & mask:
            vma = nxt
            nxt_i = mas.find(values.gather_bound)
            nxt = None if nxt_i is None or nxt_i == XA_ZERO_ENTRY else vmas[nxt_i]
            unlinked.append(vma.number)
        ceiling = nxt.vm_start if nxt is not None else values.ceiling
        call = (addr, vma.vm_end, values.floor, ceiling)
        calls.append(call)
        key = (present, call)
        hit = memo.get(key) if memo is not None else None
        if hit is None:
            hit = free_pgd_range(geo, present, *call)
            if memo is not None:
                memo[key] = hit
        present, got = hit
        freed.extend(got)
        vma = nxt
        if len(unlinked) > limit:
            raise RuntimeError("free_pgtables walk did not end")
    return Observation(tuple(unlinked), tuple(calls), tuple(freed), values.warn)
