"""A counterexample read for people: facts, words and the address-space drawing."""

from __future__ import annotations

from patchscope.core import Counterexample
from patchscope.render.addrspace import draw
from patchscope.render.counterexample import facts, level_span, show_value, words
from tests.render.builders import MODEL_COUNTEREXAMPLE

MiB = 1 << 20
GiB = 1 << 30


def test_words_say_layout_arguments_and_both_calls() -> None:
    said = dict(words(MODEL_COUNTEREXAMPLE))
    assert said["Layout"] == (
        "x86_64: VMA 0 [0x400000, 0x401000), VMA 1 [0x600000, 0x601000); tree: mm; "
        "first_vma: VMA 0; start_position: 0x401000"
    )
    assert said["Roles"] == (
        "old: search limit `ceiling - 1`, floor `floor`, ceiling `ceiling`; "
        "new: search limit `tree_max - 1`, floor `floor`, ceiling `ceiling`"
    )
    assert said["Arguments"] == (
        "floor = 0x0; ceiling = 0x600000; mm_wr_locked = true; tree_max = 0x800000 (new only)"
    )
    assert said["Old call"] == (
        "unlinks VMA 0; free_pgd_range(addr=0x400000, end=0x401000, floor=0x0, "
        "ceiling=0x600000); frees PTE table @0x400000; no WARN"
    )
    assert said["New call"].endswith("frees PTE table @0x400000, PTE table @0x600000; WARN fires")


def test_zero_is_the_top_only_for_limits() -> None:
    assert show_value(0, "ceiling") == "0 (the top)"
    assert show_value(0, "tree_max") == "0 (the top)"
    assert show_value(0, "floor") == "0x0"
    # a model that names roles is believed over the parameter's name
    assert show_value(0, "pg_end", {"pg_end": "ceiling"}) == "0 (the top)"
    assert show_value(None, "vma") == "NULL" and show_value(True) == "true"


def test_drawing_places_every_fact_on_the_scale() -> None:
    d = draw(facts(MODEL_COUNTEREXAMPLE))
    vmas = [b for b in d.boxes if b.cls == "vma"]
    assert [b.title for b in vmas] == ["VMA 0: [0x400000, 0x401000)", "VMA 1: [0x600000, 0x601000)"]
    assert vmas[0].x < vmas[1].x
    old = [b for b in d.boxes if b.cls.startswith("table-old")]
    new = [b for b in d.boxes if b.cls.startswith("table-new")]
    assert len(old) == 1 and len(new) == 2
    assert [b.cls for b in new] == ["table-new", "table-new only"]
    # a PTE table spans one PMD: it ends where the next begins
    assert abs((new[0].x + new[0].w) - new[1].x) < 0.01
    texts = [lb.text for lb in d.labels]
    assert "floor" in texts and "ceiling: search limit and ceiling" in texts
    assert "tree_max (new): search limit" in texts
    assert "0x600000" in texts and "0x800000" in texts
    assert {"PMD", "PUD"} <= set(texts)


def test_ceiling_zero_drawn_at_the_top_of_a_32_bit_space() -> None:
    cx = Counterexample(
        arch="arm-lpae",
        scenario={"vmas": [{"start": 0x8000, "end": 0x9000}]},
        old_args={"floor": 0x2000, "ceiling": 0},
        new_args={"floor": 0x2000, "ceiling": 0xBF000000},
        old={"freed": [{"level": "pte", "base": 0}, {"level": "pmd", "base": 0}]},
        new={"freed": [{"level": "pte", "base": 0}]},
        difference="the old call frees the PMD table",
    )
    f = facts(cx)
    assert f.arch.bits == 32 and level_span(f.arch, "pmd") == GiB
    d = draw(f)
    texts = [lb.text for lb in d.labels]
    assert "2^32 (top)" in texts and "ceiling (old)" in texts and "ceiling (new)" in texts
    old_ceiling = next(r for r in d.rules if r.cls == "marker-old")
    assert old_ceiling.x == max(r.x for r in d.rules)  # 0 as the top: the right end
    assert dict(words(cx))["Arguments"] == (
        "floor = 0x2000; ceiling = 0 (the top) (old), 0xbf000000 (new)")


def test_observations_in_other_shapes() -> None:
    cx = Counterexample(
        arch="x86_64",
        scenario={"vmas": [[0x1000, 0x2000], [0x3000, 0x4000]], "xa_zero_entry": 1},
        old_args={}, new_args={},
        old={"unlinked_vmas": [{"start": 0x3000, "end": 0x4000}],
             "pgd_calls": [[0x0, 0x200000, 0, 0]], "tables": [["PTE", "0x0"]], "warned": True},
        new={"unlinked": [], "free_pgd_range": [], "freed": []},
        difference="",
    )
    said = dict(words(cx))
    assert said["Layout"] == "x86_64: VMA 0 [0x1000, 0x2000), VMA 1 [0x3000, 0x4000); " \
        "xa_zero_entry: 1"
    assert said["Old call"] == ("unlinks VMA 1; free_pgd_range(addr=0x0, end=0x200000, "
                                "floor=0x0, ceiling=0x0); frees PTE table @0x0; WARN fires")
    assert said["New call"] == "no observations recorded"
    assert "Difference" not in said


def test_a_run_of_tables_is_one_span() -> None:
    cx = Counterexample(
        arch="x86_64", scenario={"vmas": [{"start": 0, "end": 64 << 20}]}, old_args={},
        new_args={}, old={"freed": [{"level": "pte", "base": 0, "count": 32}]},
        new={"freed": []}, difference="",
    )
    assert dict(words(cx))["Old call"] == "frees 32 PTE tables from @0x0"
    box = next(b for b in draw(facts(cx)).boxes if b.cls.startswith("table-old"))
    assert box.title == "old: PTE tables x32 from @0x0 (only old)"


def test_two_search_limits_told_apart() -> None:
    roles = {"new first_bound": "tree_max - 1", "new gather_bound": "tree_max",
             "new floor": "floor", "new ceiling": "ceiling"}
    cx = Counterexample("x86_64", {"roles": roles}, {}, {"tree_max": 0}, {}, {}, "")
    said = dict(words(cx))
    assert said["Roles"] == (
        "new: search limit (first lookup) `tree_max - 1`, "
        "search limit (gathering) `tree_max`, floor `floor`, ceiling `ceiling`"
    )
    assert facts(cx).roles["tree_max"] == "search limit"
