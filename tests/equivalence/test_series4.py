"""Arguments that travel (issue 11, point 1): a changed call of an unchanged
modelled callee, decided through the callers of the function it sits in.

The fixtures are ``fixtures/series4`` (see its make_fixtures.py): a two-patch
series (a new parameter; the parameter passed on to ``free_pgtables()``), the
same as one patch (``single/``), and mutants of each, in mbox and tree mode.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.series4.make_fixtures import HERE, build, outputs
from patchscope.commands.check import check_series
from patchscope.core import CheckOptions, Patch, Series, VerdictKind

SERIES = HERE / "series4.mbox"
MUTANTS = HERE / "mutants"
SINGLE = HERE / "single"

# file -> the verdict of each patch (both modes, x86_64)
EXPECTED: dict[str, tuple[str, ...]] = {
    "series4.mbox": ("proved", "proved", "proved", "proved"),
    # patch 3's mutants: the mutated patch is never proved; patch 4 keeps what
    # patch 3 left (it reads the field patch 3's callers store), and is proved
    "mutants/mutant-3-macro-field.mbox": ("proved", "proved", "unknown", "proved"),
    "mutants/mutant-3-helper-field.mbox": ("proved", "proved", "unknown", "proved"),
    "mutants/mutant-3-unset.mbox": ("proved", "proved", "unknown", "proved"),
    "mutants/mutant-3-macro-prev.mbox": ("proved", "proved", "unknown", "proved"),
    "mutants/mutant-4-shifted.mbox": ("proved", "proved", "proved", "refuted"),
    "mutants/mutant-4-caller-field.mbox": ("proved", "proved", "proved", "unknown"),
    "mutants/mutant-3-in-one-field.mbox": ("proved", "proved", "unknown"),
    "mutants/mutant-1-caller-next.mbox": ("unknown", "unknown"),
    "mutants/mutant-2-caller-end.mbox": ("proved", "refuted"),
    "mutants/mutant-2-shifted.mbox": ("proved", "refuted"),
    "mutants/variant-2-caller-zero.mbox": ("proved", "proved"),
    "mutants/variant-3-field-zero.mbox": ("proved", "proved", "proved", "proved"),
    "mutants/mutant-2-caller-line.mbox": ("proved", "unknown"),
    "mutants/mutant-2-new-caller.mbox": ("proved", "unknown"),
    "single/pass-on.patch": ("proved",),
    "single/mutant-pass-on-caller.patch": ("refuted",),
    "single/mutant-pass-on-shifted.patch": ("refuted",),
    "single/variant-pass-on-zero.patch": ("proved",),
    "single/warn-pass-on.patch": ("proved",),
    "single/mutant-warn-pass-on.patch": ("refuted",),
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build([], tmp_path_factory.mktemp("series4") / "tree")


def check(path: Path, tree: Path | None = None, arch: str = "x86_64",
          scenarios: int = 300) -> Series:
    return check_series(CheckOptions(source=str(path), tree=str(tree) if tree else None,
                                     arch=arch, scenarios=scenarios))


def inner(patch: Patch):  # type: ignore[no-untyped-def]
    (site,) = [c for c in patch.call_sites if c.function == "free_pgtables"]
    assert site.verdict is not None
    return site


def test_generated_fixtures_are_the_committed_ones() -> None:
    made = outputs()
    for rel, text in made.items():
        assert (HERE / rel).read_text() == text, rel
    committed = {str(p.relative_to(HERE)) for p in HERE.rglob("*")
                 if p.is_file() and p.suffix in (".patch", ".mbox")}
    assert committed == set(made)


@pytest.mark.parametrize("mode", ["mbox", "tree"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_patch_as_expected(name: str, mode: str, tree: Path) -> None:
    series = check(HERE / name, tree if mode == "tree" else None)
    got = tuple(p.nfc.verdict.value if p.nfc else "none" for p in series.patches)
    assert got == EXPECTED[name], [p.nfc.reasons if p.nfc else None for p in series.patches]
    if mode == "tree":
        assert all(p.mode.value.startswith("tree") for p in series.patches)


@pytest.mark.parametrize("mode", ["mbox", "tree"])
def test_the_inner_call_names_the_caller_binding_and_the_substitution(mode: str,
                                                                     tree: Path) -> None:
    series = check(SERIES, tree if mode == "tree" else None)
    site = inner(series.patches[1])
    v = site.verdict
    assert v.kind is VerdictKind.PROVED
    assert site.caller == "unmap_region"
    assert "map_undo()" in v.reason and "map_abort()" in v.reason
    steps = "\n".join(v.steps)
    assert ("binding of unmap_region()'s parameters by map_abort() (patch 1, mm/mmap.c:26): "
            "next := next, pg_max := next ? next->vm_start : USER_PGTABLES_CEILING") in steps
    assert "by map_undo() (patch 1, mm/mmap.c:16)" in steps
    assert "pg_max := map->next ? map->next->vm_start : USER_PGTABLES_CEILING" in steps
    # the lines are the inner call's, accounted by it
    acc = [a for a in series.patches[1].accounting]
    assert acc and all(a.by == "the call of free_pgtables() in unmap_region()" for a in acc)
    assumed = "\n".join(series.patches[1].assumptions)
    assert "next->vm_start" in assumed
    if mode == "mbox":
        assert "every caller of unmap_region() is in patch 1" in assumed
        assert "above those shown" in assumed
    else:
        assert "every caller" not in assumed  # tree mode searched the tree for them
        assert "does not write next, next->vm_start, pg_max before the call" in steps


def test_in_one_patch_the_body_substitution_is_named(tree: Path) -> None:
    patch = check(SINGLE / "pass-on.patch").patches[0]
    v = inner(patch).verdict
    assert v.kind is VerdictKind.PROVED
    assert ("unmap_region()'s body proof: proved (substitution pg_max := next ? "
            "next->vm_start : USER_PGTABLES_CEILING)") in v.steps


@pytest.mark.parametrize("name", ["mutants/mutant-2-caller-end.mbox",
                                  "mutants/mutant-2-shifted.mbox",
                                  "single/mutant-pass-on-caller.patch"])
def test_a_mutant_is_refuted_with_a_counterexample_and_left_unaccounted(name: str) -> None:
    patch = check(HERE / name).patches[-1]
    v = inner(patch).verdict
    assert v.kind is VerdictKind.REFUTED
    assert v.counterexample is not None and v.counterexample.arch == "x86_64"
    assert "with what map_abort() passes" in v.reason
    if name.startswith("mutants/"):
        # an inner call not proved accounts for nothing: its lines stay unaccounted
        assert all(a.by is None for a in patch.accounting)


def test_the_second_patch_alone_does_not_know_the_callers() -> None:
    (patch,) = check(HERE / "0002-mm-vma-pass-pg_max-on-to-free_pgtables.patch").patches
    v = inner(patch).verdict
    assert v.kind is VerdictKind.UNKNOWN
    assert "the callers of unmap_region() are not known" in v.reason
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.UNKNOWN


@pytest.mark.parametrize("mode", ["mbox", "tree"])
def test_zero_is_the_ceiling_on_x86_64_only(mode: str, tree: Path) -> None:
    """``next ? next->vm_start : 0`` for ``USER_PGTABLES_CEILING``: the top of
    the address space on x86_64 (the ceiling there is 0), below the ceiling
    0xbf000000 on arm-lpae, where the model finds the difference."""
    t = tree if mode == "tree" else None
    for name in ("mutants/variant-2-caller-zero.mbox", "single/variant-pass-on-zero.patch"):
        for arch, want in (("x86_64", VerdictKind.PROVED), ("x86_64-5level", VerdictKind.PROVED),
                           ("arm-lpae", VerdictKind.REFUTED)):
            patch = check(HERE / name, t, arch).patches[-1]
            assert patch.nfc is not None and patch.nfc.verdict is want, (name, arch)
            v = inner(patch).verdict
            assert v.kind is want
            if want is VerdictKind.PROVED:
                assert f"z3 on {arch}" in "\n".join(v.steps)
            else:
                ce = v.counterexample
                assert ce is not None and ce.arch == "arm-lpae"
                assert "ceiling=0xbf000000" in v.reason and "ceiling=0x0" in v.reason


@pytest.mark.parametrize("mode", ["mbox", "tree"])
def test_a_field_holding_zero_is_the_ceiling_on_x86_64_only(mode: str, tree: Path) -> None:
    """map_abort() stores ``next ? next->vm_start : 0`` in desc.pg_max where it
    passed ``... : USER_PGTABLES_CEILING``: the same value on x86_64 (the
    ceiling is 0, the top), another on arm-lpae (0xbf000000), where z3 finds
    the values that tell the field from the old argument."""
    t = tree if mode == "tree" else None
    name = HERE / "mutants" / "variant-3-field-zero.mbox"
    x86 = check(name, t, "x86_64").patches
    assert [p.nfc.verdict for p in x86 if p.nfc] == [VerdictKind.PROVED] * 4
    arm = check(name, t, "arm-lpae").patches
    assert [p.nfc.verdict for p in arm if p.nfc] == [
        VerdictKind.PROVED, VerdictKind.PROVED, VerdictKind.UNKNOWN, VerdictKind.PROVED]
    site = next(c for c in arm[2].call_sites if c.caller == "map_abort")
    assert site.verdict is not None and site.verdict.kind is VerdictKind.UNKNOWN
    assert "desc.pg_max" in site.verdict.reason and "they differ when" in site.verdict.reason
    steps = "\n".join(next(c for c in x86[2].call_sites if c.caller == "map_abort").verdict.steps)
    assert "x86_64" in steps  # the x86_64 proof rests on the profile's ceiling, and says so


@pytest.mark.parametrize("mode", ["mbox", "tree"])
def test_an_assertion_is_reported_only_with_values_a_caller_passes(mode: str,
                                                                   tree: Path) -> None:
    """free_pgtables() gains tree_max and WARN_ON_ONCE(tree_max - 1 > ceiling - 1);
    unmap_region() gains pg_max and passes it as tree_max.  Over free values of
    pg_max the WARN fires, but unmap_region()'s callers fill pg_max in: the
    model and z3 run with what each caller passes."""
    t = tree if mode == "tree" else None
    patch = check(SINGLE / "warn-pass-on.patch", t).patches[0]
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.PROVED
    assert not [f for f in patch.findings if f.severity.value == "error"], patch.findings
    site = next(c for c in patch.call_sites if c.caller == "unmap_region")
    assert site.verdict is not None and site.verdict.kind is VerdictKind.PROVED
    steps = "\n".join(site.verdict.steps)
    assert ("with what map_abort() passes to unmap_region() (this patch, mm/mmap.c:26): "
            "pg_max := next ? next->vm_start : USER_PGTABLES_CEILING: "
            "WARN_ON_ONCE(tree_max - 1 > ceiling - 1) with this call's arguments") in steps

    patch = check(SINGLE / "mutant-warn-pass-on.patch", t).patches[0]
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.REFUTED
    checks = [f.check for f in patch.findings]
    assert "engine-disagreement" not in checks and "internal-error" not in checks
    fired = [f.message for f in patch.findings if f.check == "assertion-reachable"]
    assert fired and all("with what map_abort() passes to unmap_region()" in m for m in fired)
    site = next(c for c in patch.call_sites if c.caller == "unmap_region")
    assert site.verdict is not None and site.verdict.kind is VerdictKind.REFUTED
    assert site.verdict.counterexample is not None


@pytest.mark.parametrize("mode", ["mbox", "tree"])
def test_the_packed_struct_is_read_field_by_field(mode: str, tree: Path) -> None:
    """Patch 3: unmap_region() takes a struct unmap_desc; map_abort() builds it
    with UNMAP_DESC(), map_undo() with unmap_desc_init() and an assignment.
    Each field is matched to what the caller stores; the lines that build the
    struct and the new definitions are accounted by the calls that read them."""
    series = check(SERIES, tree if mode == "tree" else None)
    patch = series.patches[2]
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.PROVED
    sites = {c.caller: c for c in patch.call_sites if c.function == "unmap_region"}
    abort = "\n".join(sites["map_abort"].verdict.steps)  # type: ignore[union-attr]
    assert "builds desc (new side) with UNMAP_DESC() from this patch" in abort
    assert "desc.pg_max := next ? next->vm_start : USER_PGTABLES_CEILING" in abort
    assert "every other field of desc is 0 (an initializer)" in abort
    assert "assumes vma_iter_reset() does not write next->vm_start" in abort
    undo = "\n".join(sites["map_undo"].verdict.steps)  # type: ignore[union-attr]
    assert "unmap_desc_init() from this patch (inlined)" in undo
    assert "desc.pg_max := map->next ? map->next->vm_start : USER_PGTABLES_CEILING" in undo
    assert "assumes vma_iter_reset() does not write next->vm_start" in \
        "\n".join(patch.assumptions)
    by = {a.text.strip(): a.by for a in patch.accounting}
    assert by["struct unmap_desc desc;"] == \
        "the struct map_undo() builds for its call of unmap_region()"
    assert by["desc.pg_max = map->next ? map->next->vm_start : USER_PGTABLES_CEILING;"] == \
        "the struct map_undo() builds for its call of unmap_region()"
    assert by["struct unmap_desc {"].startswith("struct unmap_desc from this patch")
    assert by["desc->pg_max = USER_PGTABLES_CEILING;"].startswith(
        "unmap_desc_init() from this patch")
    assert all(a.by is not None for a in patch.accounting)


@pytest.mark.parametrize("mode", ["mbox", "tree"])
def test_the_later_patch_knows_what_the_earlier_one_built(mode: str, tree: Path) -> None:
    """Patch 4 passes desc->pg_max where patch 3's local pg_max stood: decided
    through patch 3's callers, with UNMAP_DESC() and unmap_desc_init() from
    patch 3 (series memory), and the model run with the fields' values."""
    series = check(SERIES, tree if mode == "tree" else None)
    patch = series.patches[3]
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.PROVED
    v = inner(patch).verdict
    steps = "\n".join(v.steps)
    assert "map_abort() builds desc (new side) with UNMAP_DESC() from patch 3/4" in steps
    assert "map_undo() builds desc (new side) with unmap_desc_init() from patch 3/4" in steps
    assert "pg_max := desc.pg_max with what map_abort() passes" in steps
    assert ("new call: &tlb, mas, vma, prev ? prev->vm_end : FIRST_USER_ADDRESS, "
            "next ? next->vm_start : USER_PGTABLES_CEILING, true") in steps
    assert "model agreed" in steps
    assert "every caller of unmap_region() is in patch 3" in "\n".join(patch.assumptions) \
        or mode == "tree"
    # the removed local is accounted by the call that now reads the field
    by = {a.text.strip(): a.by for a in patch.accounting}
    assert by["unsigned long pg_max = desc->pg_max;"] == \
        "the local pg_max of unmap_region(), read by the call of free_pgtables()"

    shifted = check(MUTANTS / "mutant-4-shifted.mbox", tree if mode == "tree" else None)
    v = inner(shifted.patches[3]).verdict
    assert v.kind is VerdictKind.REFUTED and v.counterexample is not None


def test_the_argument_table_has_one_row_per_field() -> None:
    """Text, JSON and HTML: a removed parameter that travels in a field is a
    row of its own, the old argument beside what the caller stores."""
    import json

    from patchscope.render.html import render_html
    from patchscope.render.json import render_json
    from patchscope.render.text import render_text

    path = MUTANTS / "mutant-3-macro-field.mbox"
    series = check(path)
    site = next(c for c in series.patches[2].call_sites if c.caller == "map_abort")
    rows = {r.param: r for r in site.aligned()}
    assert set(rows) >= {"desc", "desc->mas", "desc->vma", "desc->prev", "desc->pg_max"}
    assert rows["desc->pg_max"].old is not None and rows["desc->pg_max"].new is not None
    assert rows["desc->pg_max"].new.text == "next ? next->vm_end : USER_PGTABLES_CEILING"
    assert rows["desc->pg_max"].changed and not rows["desc->mas"].changed
    options = CheckOptions(source=str(path))
    text = render_text(series, options)
    assert ("desc->pg_max: next ? next->vm_start : USER_PGTABLES_CEILING -> "
            "next ? next->vm_end : USER_PGTABLES_CEILING") in text
    data = json.loads(render_json(series, options))
    (js,) = [c for c in data["patches"][2]["call_sites"] if c["caller"] == "map_abort"]
    assert {"param": "desc->pg_max", "old": "next ? next->vm_start : USER_PGTABLES_CEILING",
            "new": "next ? next->vm_end : USER_PGTABLES_CEILING", "changed": True} \
        in js["aligned"]
    page = render_html(series, options)
    assert "desc-&gt;pg_max" in page or "desc->pg_max" in page


def test_the_struct_patches_alone() -> None:
    """Patch 3 alone holds its own definitions: proved.  Patch 4 alone cannot
    know who calls unmap_region() nor what they store: unknown."""
    (third,) = check(HERE / "0003-mm-vma-pack-the-arguments-of-unmap_region-into-struc.patch"
                     ).patches
    assert third.nfc is not None and third.nfc.verdict is VerdictKind.PROVED
    (fourth,) = check(HERE / "0004-mm-vma-pass-the-page-table-limit-on-from-the-unmap_d.patch"
                      ).patches
    assert fourth.nfc is not None and fourth.nfc.verdict is VerdictKind.UNKNOWN
    assert "the callers of unmap_region() are not known" in inner(fourth).verdict.reason


@pytest.mark.parametrize("mode", ["mbox", "tree"])
def test_packed_and_read_in_one_patch(mode: str, tree: Path) -> None:
    """Patches 3 and 4 as one: in tree mode the whole unmap_region() is seen,
    its locals too, and the inner call is proved through this patch's callers;
    in mbox mode the hunk of the call does not show where mas, vma and prev
    come from: the same names are not the same variables (the old parameter,
    the new local), so it is unknown, never proved by their spelling."""
    series = check(MUTANTS / "variant-3-packed-in-one.mbox", tree if mode == "tree" else None)
    patch = series.patches[2]
    assert patch.nfc is not None
    if mode == "tree":
        assert patch.nfc.verdict is VerdictKind.PROVED
        steps = "\n".join(inner(patch).verdict.steps)
        assert "builds desc (new side) with UNMAP_DESC() from this patch" in steps
    else:
        assert patch.nfc.verdict is VerdictKind.UNKNOWN
        assert "reads mas, prev, vma, which unmap_region() does not take from its callers" \
            in inner(patch).verdict.reason


def test_tree_mode_reads_a_macro_the_tree_already_has(tmp_path: Path) -> None:
    """Tree mode: UNMAP_DESC() and unmap_desc_init() are in a header of the
    tree (mm/unmap_desc.h) that the patch does not touch; the patch switches
    unmap_region() to the struct and its callers to the macro and helper.
    The definitions are looked up in the tree, and named so."""
    from fixtures.series4.make_fixtures import (
        DESC_STRUCT,
        NEW_PROTO,
        SERIES,
        Step,
        patch_files,
    )

    proto = "void unmap_region(struct unmap_desc *desc);"
    header = Step("mm: add unmap_desc.h", "The struct unmap_region() will take.",
                  (("mm/unmap_desc.h", "", DESC_STRUCT.replace(proto, "").rstrip() + "\n"),
                   ("mm/internal.h", "#include <linux/mm_types.h>\n",
                    "#include <linux/mm_types.h>\n#include \"unmap_desc.h\"\n")))
    pack = SERIES[2]
    edits = tuple((p, o, n) if p != "mm/internal.h" else (p, NEW_PROTO, proto)
                  for p, o, n in pack.edits)
    steps = [SERIES[0], SERIES[1], header]
    repo = build(steps, tmp_path / "tree")
    *_, last = patch_files(build([*steps, Step(pack.subject, pack.body, edits)],
                                 tmp_path / "series")).values()
    (tmp_path / "pack.patch").write_text(last)
    (patch,) = check(tmp_path / "pack.patch", repo).patches
    assert patch.mode.value.startswith("tree")
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.PROVED, patch.nfc.reasons
    site = next(c for c in patch.call_sites if c.caller == "map_abort")
    assert "UNMAP_DESC() from the tree (mm/unmap_desc.h)" in "\n".join(site.verdict.steps)
    # in mbox mode the mail does not hold the macro: the caller's struct is not read
    (alone,) = check(tmp_path / "pack.patch").patches
    assert alone.nfc is not None and alone.nfc.verdict is VerdictKind.UNKNOWN


def test_a_later_change_to_the_callers_file_forgets_what_they_stored(tmp_path: Path) -> None:
    """Patch 4 also changes mm/mmap.c (here a comment, far from the calls): a
    hunk above a call need not show it, so what the callers of patch 3 store
    is no longer taken as known; patch 4 is unknown, never proved on stale
    values."""
    from fixtures.series4.make_fixtures import SERIES, mbox, read_desc

    comment = "/* Undo a mapping whose file hook failed: its vma goes again. */"
    steps = [*SERIES[:3], read_desc(also=(("mm/mmap.c", comment,
                                            comment.replace("its vma", "the vma")),))]
    path = tmp_path / "touched.mbox"
    path.write_text(mbox(build(steps, tmp_path / "repo")))
    patch = check(path).patches[3]
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.UNKNOWN
    assert "mm/mmap.c changes after patch 3" in inner(patch).verdict.reason
