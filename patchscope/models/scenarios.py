"""Memory layouts to run calls on: an exhaustive grid, then seeded random ones.

The grid places up to three VMAs on addresses where the rules change (0, one
page, either side of PMD, PUD and PGDIR boundaries, the arch's first user
address and page-table ceiling, the top of the address space), in order of
simplicity, so the first difference found is a smallest one.  Each layout is
tried with every choice of first VMA, in the mm tree with and without an
XA_ZERO_ENTRY after it, and in the detached tree with every run of VMAs.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass

from patchscope.arch import ArchProfile
from patchscope.models.maple import Vma

MM, DETACHED = "mm", "detached"
# eleven points keep three-VMA layouts to a few thousand
GRID_POINTS = 11
# scenario lists are the same for every call site of a run: built once
_GRIDS: dict[tuple[object, ...], tuple[Scenario, ...]] = {}
_RANDOM: dict[tuple[object, ...], list[tuple[tuple[Vma, ...], int, float, float, float]]] = {}


@dataclass(frozen=True)
class Scenario:
    vmas: tuple[Vma, ...]
    tree: str  # MM | DETACHED
    first: int  # layout index of the first VMA handed to free_pgtables()
    last: int  # last VMA of the region being unmapped (detached: the tree's last entry)
    zero_at: int | None = None  # layout index replaced by XA_ZERO_ENTRY (mm tree only)

    @property
    def prev(self) -> Vma | None:
        return self.vmas[self.first - 1] if self.first > 0 else None

    @property
    def next(self) -> Vma | None:
        i = self.last + 1
        if i >= len(self.vmas) or (self.zero_at is not None and i >= self.zero_at):
            return None
        return self.vmas[i]

    def with_vmas(self, spans: list[tuple[int, int]]) -> Scenario:
        return Scenario(tuple(Vma(i, s, e) for i, (s, e) in enumerate(spans)), self.tree,
                        self.first, self.last, self.zero_at)


def grid_points(profile: ArchProfile) -> list[int]:
    """Addresses that matter, simplest first (the order counterexamples prefer)."""
    p, m, u, g, end = (profile.page_size, profile.pmd_size, profile.pud_size,
                       profile.pgdir_size, profile.user_end)
    first, ceiling = profile.first_user_address, profile.user_pgtables_ceiling
    pts = [0, p, m, m + p, m - p, u, g, end - p]
    pts += [x for x in (first, ceiling, ceiling + m) if x]
    pts += [end - m, u + m]
    out: list[int] = []
    for x in pts:
        # user space never maps below FIRST_USER_ADDRESS, nor past TASK_SIZE
        if first <= x <= end and x not in out:
            out.append(x)
    return out[:GRID_POINTS]


def _layouts(points: list[int], n: int) -> Iterator[tuple[tuple[int, int], ...]]:
    """Every way to place *n* disjoint VMAs on *points* (adjacent allowed)."""
    ordered = sorted(points)
    for combo in itertools.combinations_with_replacement(range(len(ordered)), 2 * n):
        vals = [ordered[i] for i in combo]
        if any(vals[2 * k] >= vals[2 * k + 1] for k in range(n)):
            continue
        yield tuple((vals[2 * k], vals[2 * k + 1]) for k in range(n))


def _choices(vmas: tuple[Vma, ...], trees: tuple[str, ...]) -> Iterator[Scenario]:
    n = len(vmas)
    for tree in trees:
        for first in range(n):
            if tree == MM:
                yield Scenario(vmas, MM, first, first)
                for z in range(first + 1, n):
                    yield Scenario(vmas, MM, first, first, z)
            else:
                for last in range(first, n):
                    yield Scenario(vmas, DETACHED, first, last)


def grid(profile: ArchProfile, trees: tuple[str, ...], max_vmas: int = 3) -> tuple[Scenario, ...]:
    """The exhaustive part, fewest VMAs first, then simplest addresses."""
    key = (profile.name, profile.bits, profile.pmd_size, trees, max_vmas)
    if key not in _GRIDS:
        _GRIDS[key] = _grid(profile, trees, max_vmas)
    return _GRIDS[key]


def _grid(profile: ArchProfile, trees: tuple[str, ...], max_vmas: int) -> tuple[Scenario, ...]:
    points = grid_points(profile)
    rank = {x: i for i, x in enumerate(points)}
    out: list[Scenario] = []
    for n in range(1, max_vmas + 1):
        layouts = sorted(_layouts(points, n),
                         key=lambda lay: (sum(rank[a] + rank[b] for a, b in lay), lay))
        for lay in layouts:
            vmas = tuple(Vma(i, s, e) for i, (s, e) in enumerate(lay))
            out.extend(_choices(vmas, trees))
    return tuple(out)


def random_scenarios(profile: ArchProfile, trees: tuple[str, ...], count: int, seed: int,
                     max_vmas: int = 12) -> tuple[Scenario, ...]:
    """*count* random layouts of up to *max_vmas* VMAs; the same for the same seed."""
    key = (profile.name, profile.bits, profile.pmd_size, count, seed, max_vmas)
    if key not in _RANDOM:
        if len(_RANDOM) > 8:
            _RANDOM.clear()
        _RANDOM[key] = _random_layouts(profile, count, seed, max_vmas)
    out = []
    for vmas, first, a, b, c in _RANDOM[key]:
        n = len(vmas)
        tree = trees[int(a * len(trees))]
        if tree == MM:
            zero = first + 1 + int(c * (n - first - 1)) if n > first + 1 and b < 0.25 else None
            out.append(Scenario(vmas, MM, first, first, zero))
        else:
            out.append(Scenario(vmas, DETACHED, first, first + int(c * (n - first))))
    return tuple(out)


RandomLayout = tuple[tuple[Vma, ...], int, float, float, float]


def _random_layouts(profile: ArchProfile, count: int, seed: int, max_vmas: int
                    ) -> list[RandomLayout]:
    """Layouts, a first VMA and three draws that pick the tree, marker and run.

    Draws through ``Random._randbelow``, the primitive ``randint``, ``choice``
    and ``randrange`` reduce to: the same numbers as calling them, at a third
    of the cost (tests compare with :func:`random_layouts_plain`)."""
    rng = random.Random(seed)
    below, unit = rng._randbelow, rng.random  # type: ignore[attr-defined]
    page, pmd = profile.page_size, profile.pmd_size
    pts = grid_points(profile)
    n_pts = len(pts)
    sizes = (page, pmd)
    top = profile.user_end  # layouts stay in user space
    low = profile.first_user_address
    pages = top // page
    out: list[RandomLayout] = []
    while len(out) < count:
        n = 1 + below(max_vmas)  # randint(1, max_vmas)
        cuts: set[int] = set()
        while len(cuts) < 2 * n:
            r = unit()
            if r < 0.3:  # near a point that matters
                x = pts[below(n_pts)] + (below(7) - 3) * sizes[below(2)]
            elif r < 0.7:  # clustered: within a few PMDs of one another
                base = pts[below(n_pts)]
                x = base + below(65) * page + below(4) * pmd
            else:
                x = below(pages) * page
            if low <= x <= top:
                cuts.add(x)
        vals = sorted(cuts)
        vmas = tuple(Vma(k, vals[2 * k], vals[2 * k + 1]) for k in range(n))
        out.append((vmas, below(n), unit(), unit(), unit()))
    return out


def random_layouts_plain(profile: ArchProfile, count: int, seed: int, max_vmas: int
                         ) -> list[RandomLayout]:
    """:func:`_random_layouts` written with the public ``random`` calls: the
    definition the fast one must equal."""
    rng = random.Random(seed)
    page, pmd = profile.page_size, profile.pmd_size
    pts = grid_points(profile)
    top = profile.user_end  # layouts stay in user space
    low = profile.first_user_address
    out: list[RandomLayout] = []
    while len(out) < count:
        n = rng.randint(1, max_vmas)
        cuts: set[int] = set()
        while len(cuts) < 2 * n:
            r = rng.random()
            if r < 0.3:  # near a point that matters
                x = rng.choice(pts) + rng.randint(-3, 3) * rng.choice((page, pmd))
            elif r < 0.7:  # clustered: within a few PMDs of one another
                base = rng.choice(pts)
                x = base + rng.randint(0, 64) * page + rng.randint(0, 3) * pmd
            else:
                x = rng.randrange(0, top // page) * page
            if low <= x <= top:
                cuts.add(x)
        vals = sorted(cuts)
        vmas = tuple(Vma(k, vals[2 * k], vals[2 * k + 1]) for k in range(n))
        out.append((vmas, rng.randrange(n), rng.random(), rng.random(), rng.random()))
    return out
