"""Scenario lists and counterexample shrinking."""

from __future__ import annotations

from patchscope.arch import ARM_LPAE, X86_64
from patchscope.models.counterexample import shrink
from patchscope.models.maple import MapleState, MapleTree, Vma
from patchscope.models.scenarios import DETACHED, MM, Scenario, grid, grid_points, random_scenarios


def test_grid_is_ordered_fewest_vmas_first_and_covers_every_choice() -> None:
    g = grid(X86_64, (MM, DETACHED))
    sizes = [len(s.vmas) for s in g]
    assert sizes == sorted(sizes) and max(sizes) == 3
    three = [s for s in g if len(s.vmas) == 3 and s.tree == MM]
    assert {(s.first, s.zero_at) for s in three} == {
        (0, None), (0, 1), (0, 2), (1, None), (1, 2), (2, None)}
    assert {(s.first, s.last) for s in g if len(s.vmas) == 3 and s.tree == DETACHED} == {
        (0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)}


def test_grid_points_follow_the_profile() -> None:
    x86 = grid_points(X86_64)
    # user space ends at TASK_SIZE: the last page below it, not the top of the word
    assert 1 << 30 in x86 and X86_64.task_size - 0x1000 in x86
    assert max(x86) <= X86_64.task_size
    arm = grid_points(ARM_LPAE)
    assert 0xBF000000 in arm and min(arm) >= ARM_LPAE.first_user_address
    assert max(arm) <= ARM_LPAE.task_size


def test_random_layouts_are_deterministic_and_valid() -> None:
    a = random_scenarios(X86_64, (MM,), 200, 7)
    assert a == random_scenarios(X86_64, (MM,), 200, 7)
    assert a != random_scenarios(X86_64, (MM,), 200, 8)
    assert len(a) == 200 and max(len(s.vmas) for s in a) <= 12
    for s in a:
        flat = [x for v in s.vmas for x in (v.vm_start, v.vm_end)]
        assert flat == sorted(flat) and len(set(flat)) == len(flat)
        assert flat[0] >= X86_64.first_user_address and flat[-1] <= X86_64.task_size
    for s in random_scenarios(ARM_LPAE, (MM,), 200, 7):  # inside the arch's user range
        assert s.vmas[0].vm_start >= ARM_LPAE.first_user_address
        assert s.vmas[-1].vm_end <= ARM_LPAE.task_size


def test_shrink_drops_vmas_and_simplifies_addresses() -> None:
    vmas = tuple(Vma(i, 0x7000 + i * 0x345000, 0x7000 + i * 0x345000 + 0x3000)
                 for i in range(6))
    sc = Scenario(vmas, MM, 0, 0)

    def still(s: Scenario) -> bool:  # "a VMA after the first one lies above 4 MiB"
        return any(v.vm_start >= 0x400000 for v in s.vmas[1:])
    small = shrink(sc, X86_64, still)
    assert len(small.vmas) == 2 and still(small)
    assert small.vmas[1].vm_start % 0x200000 == 0  # rounded to a simpler address


def test_mas_find_first_and_next_calls() -> None:
    vmas = [Vma(0, 0x1000, 0x2000), Vma(1, 0x5000, 0x6000), Vma(2, 0x9000, 0xA000)]
    tree = MapleTree.by_address(vmas)
    mas = MapleState(tree, 0x1800)  # inside VMA 0: the first call returns it
    assert mas.find(0x4FFF) == 0 and mas.find(0x4FFF) is None
    mas = MapleState(tree, 0x2000)
    assert mas.find(0x5000) == 1 and mas.find(0x8FFF) is None
    mas = MapleState(tree, 0x7000)
    assert mas.find(0x6FFF) is None  # index above max
    zero = MapleState(MapleTree.by_address(vmas, zero_at=1), 0x2000)
    assert zero.find(2**64 - 1) == -1  # the marker comes back like an entry
    detached = MapleState(MapleTree.by_sequence(vmas), 1)
    assert detached.find(0x5000) == 1 and detached.find(0x5000) == 2  # indexes 1, 2 <= max
