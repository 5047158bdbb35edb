"""Properties of the model over generated layouts (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from patchscope.arch import ARM_LPAE, X86_64, ArchProfile
from patchscope.models.binding import Binder
from patchscope.models.free_pgtables import Runner
from patchscope.models.loop import CalleeValues, Observation, run_free_pgtables
from patchscope.models.maple import MapleTree, Vma
from patchscope.models.pgtable import LEVELS, TableGeometry
from patchscope.models.roles import establish
from patchscope.models.scenarios import DETACHED, MM, Scenario
from tests.models import helpers
from tests.models.naive import naive_free_pgtables

PAGE, PMD, PUD = 0x1000, 2 << 20, 1 << 30
PROFILES = st.sampled_from([X86_64, ARM_LPAE])


@st.composite
def layouts(draw: st.DrawFn, profile: ArchProfile, user: bool = False
            ) -> list[tuple[int, int]]:
    """Up to 6 VMAs, kept small enough for the naive implementation; *user*: all
    below the user page-table ceiling, as user space is."""
    limit = profile.user_pgtables_ceiling if user and profile.user_pgtables_ceiling \
        else (1 << profile.bits) - PAGE
    n = draw(st.integers(1, 6))
    cursor = draw(st.sampled_from([profile.first_user_address, PMD, PUD - PMD, 3 * PUD]))
    cursor = max(cursor, profile.first_user_address)
    out = []
    for _ in range(n):
        cursor += draw(st.sampled_from([0, PAGE, PMD - PAGE, PMD, 3 * PMD, PUD]))
        size = draw(st.sampled_from([PAGE, 2 * PAGE, PMD, PMD + PAGE, 4 * PMD]))
        if cursor + size >= limit:
            break
        out.append((cursor, cursor + size))
        cursor += size
    return out or [(profile.first_user_address + PAGE, profile.first_user_address + 2 * PAGE)]


def _run(profile: ArchProfile, spans: list[tuple[int, int]], first: int, limit: int,
         floor: int, ceiling: int, zero_at: int | None = None) -> Observation:
    geo = TableGeometry.of(profile)
    vmas = [Vma(i, s, e) for i, (s, e) in enumerate(spans)]
    owned = spans if zero_at is None else spans[:zero_at]
    m = profile.mask
    return run_free_pgtables(geo, vmas, MapleTree.by_address(vmas, zero_at), vmas[first].vm_end,
                             vmas[first], CalleeValues((limit - 1) & m, (limit - 1) & m, floor,
                                                       ceiling, False),
                             geo.present_for(owned))


def _bounds(profile: ArchProfile, spans: list[tuple[int, int]], first: int
            ) -> tuple[int, int]:
    """floor and ceiling as unmap_region() gives them."""
    floor = spans[first - 1][1] if first else profile.first_user_address
    ceiling = profile.user_pgtables_ceiling
    return floor, ceiling


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_model_matches_the_plain_implementation(data: st.DataObject) -> None:
    profile = data.draw(PROFILES)
    spans = data.draw(layouts(profile))
    first = data.draw(st.integers(0, len(spans) - 1))
    zero_at = data.draw(st.one_of(st.none(), st.integers(first + 1, len(spans))))
    if zero_at == len(spans):
        zero_at = None
    floor, ceiling = _bounds(profile, spans, first)
    limit = data.draw(st.sampled_from([ceiling, 0, spans[-1][1], spans[first][1] + PMD]))
    obs = _run(profile, spans, first, limit, floor, ceiling, zero_at)
    m = profile.mask
    entries = [(s, e - 1, "zero" if i == zero_at else (s, e)) for i, (s, e) in enumerate(spans)]
    owned = spans if zero_at is None else spans[:zero_at]
    unlinked, calls, freed = naive_free_pgtables(
        profile, entries, owned, spans[first][1], spans[first], (limit - 1) & m,
        (limit - 1) & m, floor, ceiling)
    assert [spans[i] for i in obs.unlinked] == unlinked
    assert list(obs.pgd_calls) == calls
    geo = TableGeometry.of(profile)
    mine = sorted((LEVELS[lv], b) for lv, lo, hi in obs.freed for b in range(lo, hi, geo.spans[lv]))
    assert mine == sorted(freed)


_RUNNERS: dict[tuple[str, str], Runner] = {}


def _runner(caller: str, profile: ArchProfile) -> Runner:
    key = (caller, profile.name)
    if key not in _RUNNERS:
        roles = establish(helpers.change())
        _RUNNERS[key] = Runner(roles, Binder(roles, getattr(helpers, caller)(), profile), profile)
    return _RUNNERS[key]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_search_limit_equal_to_the_ceiling_is_the_old_loop(data: st.DataObject) -> None:
    """Through roles and binding: old body searching to ``ceiling - 1``, new body to
    ``tree_max - 1``, the caller passing its ceiling as tree_max."""
    profile = data.draw(PROFILES)
    spans = data.draw(layouts(profile))
    caller = data.draw(st.sampled_from(["exit_mmap", "unmap_region", "vms_clear_ptes"]))
    runner = _runner(caller, profile)
    vmas = tuple(Vma(i, s, e) for i, (s, e) in enumerate(spans))
    first = data.draw(st.integers(0, len(spans) - 1))
    if caller == "vms_clear_ptes":
        sc = Scenario(vmas, DETACHED, first, data.draw(st.integers(first, len(spans) - 1)))
    else:
        zero = data.draw(st.one_of(st.none(), st.integers(first + 1, len(spans))))
        sc = Scenario(vmas, MM, first, first, None if zero == len(spans) else zero)
    outcomes = runner.run(sc)
    assert outcomes
    for o in outcomes:
        assert o.new_args["tree_max"] == o.old_args["ceiling"]
        assert o.old == o.new


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_no_table_freed_outside_floor_and_ceiling(data: st.DataObject) -> None:
    profile = data.draw(PROFILES)
    spans = data.draw(layouts(profile, user=True))
    first = data.draw(st.integers(0, len(spans) - 1))
    last = data.draw(st.integers(first, len(spans) - 1))
    # the region [first, last] is unmapped: floor and ceiling are its neighbours' edges
    floor = spans[first - 1][1] if first else profile.first_user_address
    ceiling = spans[last + 1][0] if last + 1 < len(spans) else profile.user_pgtables_ceiling
    geo = TableGeometry.of(profile)
    vmas = [Vma(i, s, e) for i, (s, e) in enumerate(spans)]
    m = profile.mask
    obs = run_free_pgtables(geo, vmas, MapleTree.by_sequence(vmas[first:last + 1]), 1,
                            vmas[first], CalleeValues((ceiling - 1) & m, (ceiling - 1) & m,
                                                      floor, ceiling, False),
                            geo.present_for(spans))
    top = ceiling or profile.top
    for lv, lo, hi in obs.freed:
        assert floor <= lo and hi <= top, (LEVELS[lv], hex(lo), hex(hi))
    # and no table a VMA outside the region still maps is freed
    for i, (s, e) in enumerate(spans):
        if first <= i <= last:
            continue
        for lv, lo, hi in obs.freed:
            assert not (lo < e and s < hi), (i, LEVELS[lv], hex(lo))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_nothing_past_an_xa_zero_entry_is_touched(data: st.DataObject) -> None:
    profile = data.draw(PROFILES)
    spans = data.draw(layouts(profile))
    if len(spans) < 2:
        spans = spans + [(spans[-1][1] + PMD, spans[-1][1] + 2 * PMD)]
    zero_at = data.draw(st.integers(1, len(spans) - 1))
    limit = data.draw(st.sampled_from([0, spans[-1][1], profile.user_pgtables_ceiling]))
    obs = _run(profile, spans, 0, limit, profile.first_user_address,
               profile.user_pgtables_ceiling, zero_at)
    assert all(i < zero_at for i in obs.unlinked)
    # the parent's VMAs past the marker have no tables here; none of theirs is freed
    for lv, lo, hi in obs.freed:
        for s, e in spans[zero_at:]:
            assert not (lo <= s and e <= hi and all(not (lo < e2 and s2 < hi)
                                                     for s2, e2 in spans[:zero_at])), lv
