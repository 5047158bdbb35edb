"""The free_pgtables model through its registry API, on seed-shaped call sites."""

from __future__ import annotations

from typing import Any

import pytest

from patchscope.arch import ARM_LPAE, X86_64, ArchProfile
from patchscope.core import Basis, Param, SignatureChange, VerdictKind
from patchscope.models import ModelResult, find_model
from patchscope.progress import Progress
from tests.models import helpers
from tests.models.naive import naive_free_pgtables

CALLERS = ("exit_mmap", "unmap_region", "vms_clear_ptes")


def check(change: SignatureChange, call: Any, profile: ArchProfile = X86_64,
          scenarios: int = 300, seed: int = 1) -> ModelResult:
    model = find_model(change)
    assert model is not None
    return model.check_call(change, call, profile, scenarios=scenarios, seed=seed,
                            progress=Progress(False))


def test_registry_is_keyed_by_function() -> None:
    other = SignatureChange("free_pgd_range", "mm/memory.c", 1, [], [])
    assert find_model(other) is None
    assert find_model(helpers.change()) is not None


@pytest.mark.parametrize("caller", CALLERS)
def test_seed_call_sites_agree_on_every_scenario(caller: str) -> None:
    result = check(helpers.change(), getattr(helpers, caller)())
    v = result.verdict
    assert v.kind is VerdictKind.VERIFIED, v.reason
    assert v.basis is Basis.SAMPLING and v.seed == 1 and v.arch == "x86_64"
    assert v.scenarios is not None and v.scenarios > 1000
    assert f"{v.scenarios} scenarios (grid {v.scenarios - 300} + 300 random" in v.method
    assert "from code first_bound `tree_max - 1`" in v.method
    assert result.assertion is None


@pytest.mark.parametrize("caller", CALLERS)
def test_renamed_parameters_give_the_same_verdicts(caller: str) -> None:
    names = ("pg_start", "pg_end", "vma_end")
    plain = check(helpers.change(), getattr(helpers, caller)())
    renamed = check(helpers.change(names), helpers.__dict__[caller](
        *({"exit_mmap": [], "unmap_region": [], "vms_clear_ptes": []}[caller])))
    # the call's argument list is positional: only the callee's names differ
    assert renamed.verdict.kind is plain.verdict.kind
    assert renamed.verdict.scenarios == plain.verdict.scenarios
    assert "`vma_end - 1`" in renamed.verdict.method


def test_tree_kind_and_start_come_from_the_callers_code() -> None:
    assert "mm tree, walk started by `vma_iter_set(&vmi, vma->vm_end)`" in \
        check(helpers.change(), helpers.exit_mmap()).verdict.method
    assert "detached tree, walk started by `mas_set(mas_detach, 1)`" in \
        check(helpers.change(), helpers.vms_clear_ptes()).verdict.method
    call = helpers.exit_mmap()
    call.old_context = call.new_context = "\t/* nothing */\n"
    v = check(helpers.change(), call).verdict
    assert "both trees tried" in v.method and v.kind is VerdictKind.VERIFIED


def test_roles_not_visible_are_assumed_and_said_so() -> None:
    change = helpers.change(new_body=helpers.body("tree_max - 1", pgd_call=False,
                                                  warn="tree_max - 1 > ceiling - 1"),
                            old_body=helpers.body("ceiling - 1", pgd_call=False))
    v = check(change, helpers.unmap_region()).verdict
    assert v.kind is VerdictKind.VERIFIED
    assert "assumed floor `floor`" in v.method and "from code first_bound" in v.method


def test_roles_come_from_uses_not_positions() -> None:
    # the new body swaps which parameter bounds the search: tree_max is the page-table
    # ceiling and ceiling the search limit; a caller passing equal values is unaffected
    change = helpers.change(new_body=helpers.body("ceiling - 1", ceiling="tree_max"))
    v = check(change, helpers.vms_clear_ptes()).verdict
    assert v.kind is VerdictKind.VERIFIED
    assert "first_bound `ceiling - 1`" in v.method and "ceiling `tree_max`" in v.method


def test_unknown_when_roles_cannot_be_found() -> None:
    params = [Param("struct mmu_gather *", "tlb"), Param("struct ma_state *", "mas"),
              Param("struct vm_area_struct *", "vma"), Param("bool", "locked")]
    change = SignatureChange("free_pgtables", "mm/memory.c", 1, params,
                             params + [Param("unsigned long", "lim")], added=["lim"])
    v = check(change, helpers.exit_mmap()).verdict
    assert v.kind is VerdictKind.UNKNOWN and "roles not found" in v.reason


def test_unknown_when_an_argument_cannot_be_bound() -> None:
    v = check(helpers.change(), helpers.exit_mmap("last->vm_end")).verdict
    assert v.kind is VerdictKind.UNKNOWN and "cannot bind `last`" in v.reason


def test_free_integer_names_are_tried_over_the_layouts_points() -> None:
    result = check(helpers.change(), helpers.exit_mmap("end"))
    assert result.verdict.kind is VerdictKind.REFUTED
    cx = result.verdict.counterexample
    assert cx is not None and "caller end" in cx.scenario
    assert cx.new_args["tree_max"] == cx.scenario["caller end"]


def test_same_seed_same_result_other_seed_same_count() -> None:
    a = check(helpers.change(), helpers.unmap_region(), seed=5)
    b = check(helpers.change(), helpers.unmap_region(), seed=5)
    c = check(helpers.change(), helpers.unmap_region(), seed=6)
    assert a.verdict.method == b.verdict.method
    assert a.verdict.scenarios == c.verdict.scenarios


# --------------------------------------------------------------------------
# mutants and their counterexamples, replayed through the plain implementation


def replay(cx: Any, profile: ArchProfile, old_bounds: tuple[int, int],
           new_bounds: tuple[int, int]) -> None:
    """Re-run both sides of *cx* by hand and check they do what it says."""
    sc = cx.scenario
    spans = [(v["start"], v["end"]) for v in sc["vmas"]]
    first = int(sc["first_vma"].split()[-1])
    zero = sc["zero_entry"]
    zero_at = int(zero.split()[-1]) if zero else None
    if sc["tree"] == "mm":
        entries = [(s, e - 1, "zero" if i == zero_at else (s, e))
                   for i, (s, e) in enumerate(spans)]
        owned = spans if zero_at is None else spans[:zero_at]
    else:
        detached = [int(x.split()[-1]) for x in sc["detached_entries"]]
        entries = [(k, k, spans[i]) for k, i in enumerate(detached)]
        owned = spans
    results = []
    for args, (first_max, gather_max), obs in ((cx.old_args, old_bounds, cx.old),
                                                (cx.new_args, new_bounds, cx.new)):
        unlinked, calls, freed = naive_free_pgtables(
            profile, entries, owned, sc["start_position"], spans[first], first_max, gather_max,
            args["floor"], args["ceiling"])
        assert [f"VMA {spans.index(u)}" for u in unlinked] == obs["unlinked"]
        assert [dict(zip(("addr", "end", "floor", "ceiling"), c, strict=True))
                for c in calls] == obs["free_pgd_range"]
        results.append((unlinked, calls, sorted(freed)))
    assert results[0] != results[1], "the counterexample does not behave differently"


def test_caller_passing_another_limit_is_refuted_with_a_real_difference() -> None:
    result = check(helpers.change(), helpers.unmap_region("USER_PGTABLES_CEILING"))
    v = result.verdict
    assert v.kind is VerdictKind.REFUTED and v.basis is Basis.COUNTEREXAMPLE
    cx = v.counterexample
    assert cx is not None and len(cx.scenario["vmas"]) == 2  # a next VMA is needed
    m = X86_64.mask
    replay(cx, X86_64, ((cx.old_args["ceiling"] - 1) & m,) * 2,
           ((cx.new_args["tree_max"] - 1) & m,) * 2)
    assert "unlinks" in cx.difference
    assert result.assertion is not None and result.assertion.new["warn"] is True


def test_callee_bound_off_by_one_is_refuted() -> None:
    change = helpers.change(new_body=helpers.body("tree_max - 1", gather="tree_max",
                                                  warn="tree_max - 1 > ceiling - 1"))
    result = check(change, helpers.exit_mmap())
    cx = result.verdict.counterexample
    assert result.verdict.kind is VerdictKind.REFUTED and cx is not None
    m = X86_64.mask
    replay(cx, X86_64, ((cx.old_args["ceiling"] - 1) & m,) * 2,
           ((cx.new_args["tree_max"] - 1) & m, cx.new_args["tree_max"]))
    # gathering needs a third VMA for the bound to matter: the smallest has three
    assert len(cx.scenario["vmas"]) == 3
    assert result.assertion is None


def test_only_arm_lpae_ceiling_makes_a_top_limit_differ() -> None:
    call = helpers.exit_mmap("0")
    assert check(helpers.change(), call, X86_64).verdict.kind is VerdictKind.VERIFIED
    result = check(helpers.change(), call, ARM_LPAE)
    v = result.verdict
    assert v.kind is VerdictKind.REFUTED and v.arch == "arm-lpae"
    cx = v.counterexample
    assert cx is not None and cx.arch == "arm-lpae"
    # the layouts stay in user space, below TASK_SIZE (= USER_PGTABLES_CEILING
    # on arm-lpae): no VMA lies above the ceiling for the new walk to reach,
    # so the walks agree and the new call's WARN alone tells them apart
    assert all(v["end"] <= ARM_LPAE.task_size for v in cx.scenario["vmas"])
    assert cx.old["unlinked"] == cx.new["unlinked"]
    assert cx.old["warn"] is False and cx.new["warn"] is True
    assert result.assertion is not None


def test_a_change_the_model_does_not_parameterise_is_unknown() -> None:
    new = helpers.body("tree_max - 1", warn="tree_max - 1 > ceiling - 1").replace(
        "vma->vm_end + PMD_SIZE", "vma->vm_end + PUD_SIZE")
    v = check(helpers.change(new_body=new), helpers.exit_mmap()).verdict
    assert v.kind is VerdictKind.UNKNOWN
    assert "does not take from the body" in v.reason and "PUD_SIZE" in v.reason


def test_a_visible_bound_that_is_not_a_parameter_expression_is_unknown() -> None:
    new = helpers.body("limit").replace(
        "\tdo {", "\tunsigned long limit = tree_max - 1;\n\tdo {")
    old = helpers.body("limit").replace(
        "\tdo {", "\tunsigned long limit = tree_max - 1;\n\tdo {")
    v = check(helpers.change(new_body=new, old_body=old), helpers.exit_mmap()).verdict
    assert v.kind is VerdictKind.UNKNOWN and "`limit`" in v.reason


def test_unknown_vms_fields_are_free_values() -> None:
    result = check(helpers.change(), helpers.vms_clear_ptes("vms->tree_end"))
    cx = result.verdict.counterexample
    assert result.verdict.kind is VerdictKind.REFUTED and cx is not None
    assert cx.new_args["tree_max"] == cx.scenario["caller vms->tree_end"]


def test_vma_fields_the_model_lacks_are_unknown() -> None:
    v = check(helpers.change(), helpers.exit_mmap("vma->vm_pgoff")).verdict
    assert v.kind is VerdictKind.UNKNOWN and "vma->vm_pgoff" in v.reason
