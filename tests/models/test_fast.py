"""The fast engine against the reference: the same inputs and observations
on every grid scenario and on hypothesis-drawn layouts, the same results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patchscope.arch import ARM_LPAE, X86_64, ArchProfile
from patchscope.core import CallSite, SignatureChange
from patchscope.models import fast
from patchscope.models import free_pgtables as fp
from patchscope.models.binding import Binder
from patchscope.models.compiled import Unsupported
from patchscope.models.free_pgtables import _acts
from patchscope.models.maple import Vma
from patchscope.models.roles import establish
from patchscope.models.scenarios import (
    DETACHED,
    MM,
    Scenario,
    _random_layouts,
    grid,
    random_layouts_plain,
    random_scenarios,
)
from tests.models import helpers
from tests.models.test_model import check

OFF_BY_ONE = helpers.body("tree_max - 1", gather="tree_max", warn="tree_max - 1 > ceiling - 1")

# (name, change, call, profile): the seed's call sites, its mutants, and
# arguments that exercise each shape the translation covers
CASES: list[tuple[str, SignatureChange, CallSite, ArchProfile]] = [
    ("exit_mmap", helpers.change(), helpers.exit_mmap(), X86_64),
    ("unmap_region", helpers.change(), helpers.unmap_region(), X86_64),
    ("vms_clear_ptes", helpers.change(), helpers.vms_clear_ptes(), X86_64),
    ("vms_clear_ptes arm", helpers.change(), helpers.vms_clear_ptes(), ARM_LPAE),
    ("renamed", helpers.change(("pg_start", "pg_end", "vma_end")),
     helpers.unmap_region(), X86_64),
    ("ceiling for next", helpers.change(), helpers.unmap_region("USER_PGTABLES_CEILING"), X86_64),
    ("plus PMD", helpers.change(), helpers.vms_clear_ptes("vms->unmap_end + PMD_SIZE"), X86_64),
    ("top on arm", helpers.change(), helpers.exit_mmap("0"), ARM_LPAE),
    ("ULONG_MAX", helpers.change(), helpers.exit_mmap("ULONG_MAX"), X86_64),
    ("ULONG_MAX arm", helpers.change(), helpers.exit_mmap("ULONG_MAX"), ARM_LPAE),
    ("callee off by one", helpers.change(new_body=OFF_BY_ONE), helpers.exit_mmap(), X86_64),
    ("negated test", helpers.change(), helpers.unmap_region(
        "!next ? USER_PGTABLES_CEILING : next->vm_start"), X86_64),
    ("and, or, compare", helpers.change(), helpers.unmap_region(
        "next && prev || vms->vma_count > 1 ? vms->unmap_end : 0"), X86_64),
    ("bits", helpers.change(), helpers.vms_clear_ptes(
        "((vms->unmap_end | 0xfff) ^ 0xfff) & ~(PAGE_SIZE - 1)"), X86_64),
    ("shift, negate", helpers.change(), helpers.vms_clear_ptes(
        "(vms->unmap_end >> 1 << 1) + -vms->unmap_start * 2 + +vms->unmap_start * 2"), ARM_LPAE),
    ("munmap fields", helpers.change(), helpers.vms_clear_ptes(
        "vms->end - vms->start + vms->unmap_start"), X86_64),
    ("pointer choice", helpers.change(), helpers.call(
        "pick", ["&tlb", "mas", "vms->vma", "vms->unmap_start", "vms->unmap_end", "true"],
        ["&tlb", "mas", "prev ? vms->vma : vms->next", "vms->unmap_start", "vms->unmap_end",
         "vms->unmap_end", "true"], "\tmas_set(mas, vma->vm_end);\n\t"), X86_64),
]


def _runner(change: SignatureChange, call: CallSite, profile: ArchProfile) -> fp.Runner:
    roles = establish(change)
    return fp.Runner(roles, Binder(roles, call, profile), profile)


def _compare(runner: fp.Runner, scenarios: tuple[Scenario, ...], profile: ArchProfile) -> int:
    """Assert that the fast pass gives every scenario the reference's loop
    inputs and observations; return how many scenarios counted."""
    src = fast.source(runner.binder, runner.roles, profile, every=True)
    got = fast.compiled_pass(src, fast.rows_of(scenarios, profile))
    assert got is not None
    by_index = {inp.index: inp for inp in got.differ}
    counted = 0
    same_walks: list[int] = []
    for k, sc in enumerate(scenarios):
        outs = runner.run(sc)
        assert got.valid[k] == bool(outs), sc
        assert (k in got.warns) == any(o.new.warn for o in outs)
        if not outs:
            assert k not in by_index
            continue
        counted += 1
        (o,) = outs
        inp = by_index[k]
        roles = runner.roles
        assert inp.start == o.start
        assert inp.old_first == o.old_args[roles.old.vma_param]
        assert inp.new_first == o.new_args[roles.new.vma_param]
        assert inp.old == runner._callee(roles.old, o.old_args)
        assert inp.new == runner._callee(roles.new, o.new_args)
        assert fast.observations(runner, sc, inp) == (o.old, o.new)
        if fast.same_walk(sc, inp):
            assert _acts(o.old) == _acts(o.new)
            same_walks.append(k)
    return counted


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_same_inputs_and_observations_on_every_grid_scenario(
        case: tuple[str, SignatureChange, CallSite, ArchProfile]) -> None:
    _, change, call, profile = case
    runner = _runner(change, call, profile)
    scenarios = grid(profile, runner.binder.trees) + random_scenarios(
        profile, runner.binder.trees, 200, 3)
    assert _compare(runner, scenarios, profile) > 0


@contextmanager
def engine(name: str) -> Iterator[None]:
    saved = fp.ENGINE
    fp.ENGINE = name
    fp._SCANS.clear()
    try:
        yield
    finally:
        fp.ENGINE = saved


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_same_results_as_the_reference(
        case: tuple[str, SignatureChange, CallSite, ArchProfile]) -> None:
    _, change, call, profile = case
    with engine("reference"):
        want = check(change, call, profile, scenarios=300, seed=2)
    with engine("fast"):
        got = check(change, call, profile, scenarios=300, seed=2)
    assert got == want


def test_the_engines_differ_in_how_they_get_there() -> None:
    """The reference is not the fast engine in disguise: only the fast one
    compiles a pass (so the comparisons above compare two engines)."""
    fast._CODE.clear()
    with engine("reference"):
        check(helpers.change(), helpers.exit_mmap())
    assert not fast._CODE
    with engine("fast"):
        check(helpers.change(), helpers.exit_mmap())
    assert fast._CODE


@pytest.mark.parametrize("limit", [
    "min(vms->unmap_end, USER_PGTABLES_CEILING)",  # a call
    "(unsigned int)vms->unmap_end",  # a cast
    "vms->unmap_end / 2",  # division
    "vms->unmap_end << vms->vma_count",  # a variable shift
])
def test_shapes_outside_the_translation_run_on_the_reference(limit: str) -> None:
    runner = _runner(helpers.change(), helpers.vms_clear_ptes(limit), X86_64)
    with pytest.raises(Unsupported):
        fast.source(runner.binder, runner.roles, X86_64)
    with engine("reference"):
        want = check(helpers.change(), helpers.vms_clear_ptes(limit), scenarios=100)
    with engine("fast"):
        assert check(helpers.change(), helpers.vms_clear_ptes(limit), scenarios=100) == want


@pytest.mark.parametrize(("limit", "words"), [
    ("next->vm_start + 1", "NULL dereference"),
    ("next->vm_start", "pointer used as an integer"),  # read as NULL, then used
])
def test_a_null_dereference_is_reported_in_the_references_words(limit: str, words: str) -> None:
    call = helpers.unmap_region(limit)
    with engine("reference"):
        want = check(helpers.change(), call)
    with engine("fast"):
        got = check(helpers.change(), call)
    assert got == want and words in got.verdict.reason


def test_call_sites_that_reduce_to_the_same_expressions_share_one_run() -> None:
    first = helpers.unmap_region()
    again = helpers.unmap_region()
    again.caller, again.line = "unmap_region_again", 99
    change = helpers.change()
    with engine("fast"):
        a = check(change, first)
        b = check(change, again)
        other = check(change, helpers.exit_mmap())
        # another check (another patch object) reuses the run but says nothing:
        # the output never depends on what the process did before
        later = check(helpers.change(), helpers.unmap_region())
    assert later == a
    shared = [s for s in b.verdict.steps if "shared with an earlier call site" in s]
    assert len(shared) == 1
    assert not any("shared" in s for s in a.verdict.steps + other.verdict.steps)
    assert b.verdict.scenarios == a.verdict.scenarios
    assert [s for s in b.verdict.steps if s not in shared] == a.verdict.steps


@st.composite
def scenario_lists(draw: st.DrawFn, profile: ArchProfile) -> tuple[Scenario, ...]:
    """A few layouts of up to 8 VMAs at page, PMD and PUD steps, each with a
    first VMA, a tree and (mm) a marker."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        cursor = max(profile.first_user_address, draw(st.sampled_from([0, 1 << 21, 1 << 30])))
        spans = []
        for _ in range(draw(st.integers(1, 8))):
            cursor += draw(st.sampled_from([0, 0x1000, (1 << 21) - 0x1000, 1 << 21, 1 << 30]))
            size = draw(st.sampled_from([0x1000, 1 << 21, (1 << 21) + 0x1000, 1 << 30]))
            if cursor + size >= profile.top:
                break
            spans.append((cursor, cursor + size))
            cursor += size
        if not spans:
            continue
        vmas = tuple(Vma(i, s, e) for i, (s, e) in enumerate(spans))
        first = draw(st.integers(0, len(vmas) - 1))
        if draw(st.booleans()):
            zero = draw(st.none() | st.integers(first + 1, len(vmas)))
            out.append(Scenario(vmas, MM, first, first, zero if zero != len(vmas) else None))
        else:
            out.append(Scenario(vmas, DETACHED, first, draw(st.integers(first, len(vmas) - 1))))
    return tuple(out)


@settings(max_examples=60, deadline=None)
@given(st.data(), st.sampled_from(range(len(CASES))))
def test_same_inputs_and_observations_on_drawn_layouts(data: st.DataObject, case: int) -> None:
    _, change, call, profile = CASES[case]
    runner = _runner(change, call, profile)
    scenarios = tuple(sc for sc in data.draw(scenario_lists(profile))
                      if sc.tree in runner.binder.trees)
    _compare(runner, scenarios, profile)


@pytest.mark.parametrize("profile", [X86_64, ARM_LPAE], ids=lambda p: p.name)
@pytest.mark.parametrize("seed", [1, 2, 99])
def test_random_layouts_are_the_public_random_calls(profile: ArchProfile, seed: int) -> None:
    assert _random_layouts(profile, 300, seed, 12) == random_layouts_plain(profile, 300, seed, 12)

