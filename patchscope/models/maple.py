"""The two maple trees free_pgtables() walks, and ``mas_find``.

The mm's tree is indexed by address (a VMA covers [vm_start, vm_end - 1]);
the detached side tree of ``vms_clear_ptes()`` is indexed by sequence number
(entry i covers [i, i]).  ``mas_find`` keeps the kernel's two behaviours: the
first call after ``mas_set`` returns the first entry overlapping
[index, max], each later call the next entry starting at or below max.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import NamedTuple

# The marker a failed fork leaves in the tree; free_pgtables() reads it as NULL.
XA_ZERO_ENTRY = -1


class Vma(NamedTuple):
    """One VMA of a layout: ``number`` is its position in address order.

    A named tuple: hashed and compared on every scenario, it must be cheap."""

    number: int
    vm_start: int
    vm_end: int

    @property
    def label(self) -> str:
        return f"VMA {self.number}"


class MapleTree:
    """Entries ``(first, last, payload)`` in index order; payload is a layout
    index or :data:`XA_ZERO_ENTRY`."""

    __slots__ = ("firsts", "lasts", "payloads")

    def __init__(self, entries: list[tuple[int, int, int]]) -> None:
        self.firsts = [e[0] for e in entries]
        self.lasts = [e[1] for e in entries]
        self.payloads = [e[2] for e in entries]

    @classmethod
    def by_address(cls, vmas: list[Vma], zero_at: int | None = None) -> MapleTree:
        """The mm's tree; VMA *zero_at* (if any) is replaced by the marker."""
        return cls([(v.vm_start, v.vm_end - 1, XA_ZERO_ENTRY if v.number == zero_at else v.number)
                    for v in vmas])

    @classmethod
    def by_sequence(cls, vmas: list[Vma]) -> MapleTree:
        """The detached tree: the i-th gathered VMA at index i."""
        return cls([(i, i, v.number) for i, v in enumerate(vmas)])


class MapleState:
    """``struct ma_state`` reduced to what ``mas_set``/``mas_find`` need."""

    __slots__ = ("tree", "index", "pos")

    def __init__(self, tree: MapleTree, index: int) -> None:
        self.tree = tree
        self.index = index
        self.pos = -1  # -1: just set, the next find is a first call

    def find(self, max_index: int) -> int | None:
        """Payload of the entry ``mas_find(mas, max_index)`` returns, or None."""
        t = self.tree
        if self.pos < 0:
            if self.index > max_index:
                return None
            i = bisect_left(t.lasts, self.index)
        else:
            i = self.pos + 1
        if i >= len(t.firsts) or t.firsts[i] > max_index:
            return None
        self.pos = i
        return t.payloads[i]
