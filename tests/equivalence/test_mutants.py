"""Mutation testing of the prover: no mutant of a proved fixture is proved.

Each fixture below is proved as it stands (checked first, so a test that
cannot fail is not possible here); every single-token mutant of its added and
context lines (:mod:`tests.equivalence.mutants`) must then come out anything
but ``proved`` with the substitution proof alone, and anything but
``proved``/``verified`` with the kernel model on.  Mutants that are truly
equivalent are listed, with the reason, in ``EQUIVALENT``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import patchscope.equivalence.decide as decide
from patchscope.commands.check import check_series
from patchscope.core import CheckOptions, VerdictKind
from tests.equivalence.mutants import (
    EQUIVALENT,
    SAMPLED_EQUIVALENT,
    equivalent_for,
    mutants,
    run_mutants,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PROVED = [
    FIXTURES / "seed" / "free_pgtables-v1-4of9.mbox",
    FIXTURES / "equivalence" / "seed-renamed.patch",
    FIXTURES / "equivalence" / "chain.patch",
    FIXTURES / "equivalence" / "chain2.patch",
    *sorted((FIXTURES / "accounting").glob("proved-*.patch")),
    # issue 12: declarators the reader used to miss, and an attribute-only change
    # (no caller in the mail: a body proved "provided the guard never runs" is no
    # proof then).  Not xa-proto-rename: a prototype holds too few tokens to
    # mutate; its mutants are fixtures of their own.
    *sorted(p for p in (FIXTURES / "equivalence").glob("xa-*.patch")
            if p.name != "xa-proto-rename.patch"),
    FIXTURES / "equivalence" / "attr-must-check.patch",
    # issue 12: a neutral argument, a pure result passed, a flag word become a bool,
    # a bool an enum (fixtures/equivalence/make_shapes.py)
    *sorted((FIXTURES / "equivalence").glob("proved-*.patch")),
    # issue 11: a new parameter passed on to the unchanged free_pgtables(), then
    # packed into struct unmap_desc, as a series of four (a mutant of any patch:
    # the worst verdict counts), and the first two as one patch
    FIXTURES / "series4" / "series4.mbox",
    FIXTURES / "series4" / "single" / "pass-on.patch",
]
WRONG = {"proved", "verified"}


def _ids(p: Path) -> str:
    return p.name


@pytest.mark.parametrize("fixture", PROVED, ids=_ids)
def test_no_mutant_of_a_proved_fixture_is_proved(fixture: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decide, "find_model", lambda change: None)  # the proof alone
    series = check_series(CheckOptions(source=str(fixture), scenarios=0))
    assert series.patches and all(p.nfc is not None and p.nfc.verdict is VerdictKind.PROVED
                                  for p in series.patches), "the fixture itself is proved"
    outcomes = run_mutants(str(fixture), fixture.suffix)
    assert len(outcomes) >= 5, "too few mutants to mean anything"
    survivors = [o.mutant.what for o in outcomes
                 if o.verdict in WRONG and o.mutant.what not in equivalent_for(fixture.name)]
    assert not survivors, f"{len(survivors)} of {len(outcomes)} mutants proved: {survivors}"


def test_mutants_with_the_model_are_neither_proved_nor_verified() -> None:
    seed = FIXTURES / "seed" / "free_pgtables-v1-4of9.mbox"
    outcomes = run_mutants(str(seed), ".mbox", every=5)
    assert len(outcomes) >= 10
    survivors = [o.mutant.what for o in outcomes
                 if o.verdict == "proved" and o.mutant.what not in EQUIVALENT
                 or o.verdict == "verified" and o.mutant.what not in EQUIVALENT
                 and o.mutant.what not in SAMPLED_EQUIVALENT]
    assert not survivors, survivors


def test_the_mutants_are_real_changes() -> None:
    text = (FIXTURES / "equivalence" / "chain.patch").read_text()
    found = mutants(text)
    assert found and all(m.text != text for m in found)
    kinds = {m.what.split(" ", 1)[1].split("`")[0] for m in found}
    assert any("after the call" in m.what for m in found), kinds


def test_tree_mode_mutants_are_not_proved(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The same attack in tree mode: whole files, whole-tree callers."""
    from fixtures.series4.make_fixtures import build
    from tests.csource.kernel_tree import build_kernel_tree
    from tests.equivalence.test_accounting import tree
    from tests.equivalence.test_type_shapes_e2e import SHAPES, repository

    monkeypatch.setattr(decide, "find_model", lambda change: None)
    cases = [
        (FIXTURES / "accounting" / "proved-region-limit.patch",
         tree(tmp_path, "proved-region-limit.patch", 5), 1),
        (FIXTURES / "seed" / "0004-mm-memory-Add-tree-limit-to-free_pgtables.patch",
         build_kernel_tree(tmp_path / "mm"), 3),
        (FIXTURES / "series4" / "series4.mbox", build([], tmp_path / "series4"), 2),
        (FIXTURES / "series4" / "single" / "pass-on.patch", tmp_path / "series4", 2),
        *[(FIXTURES / "equivalence" / f"{name}.patch",
           repository(tmp_path / name, SHAPES[name][0]), 3) for name in sorted(SHAPES)],
    ]
    for fixture, repo, every in cases:
        series = check_series(CheckOptions(source=str(fixture), tree=str(repo), scenarios=0))
        assert all(p.nfc is not None and p.nfc.verdict is VerdictKind.PROVED
                   for p in series.patches), fixture.name
        outcomes = run_mutants(str(fixture), fixture.suffix, tree=str(repo), every=every)
        assert len(outcomes) >= 10
        survivors = [o.mutant.what for o in outcomes
                     if o.verdict in WRONG and o.mutant.what not in equivalent_for(fixture.name)]
        assert not survivors, f"{fixture.name}: {survivors}"


def test_struct_mutants_with_the_model_are_neither_proved_nor_verified() -> None:
    """series4's struct patches with the kernel model on: a field stored
    differently is never proved, nor verified by sampling (issue 11.2)."""
    fixture = FIXTURES / "series4" / "series4.mbox"
    outcomes = [o for o in run_mutants(str(fixture), ".mbox")
                if o.mutant.what.startswith(("mm/internal.h", "mm/mmap.c:2", "mm/mmap.c:3"))]
    assert len(outcomes) >= 10
    assert any("field store removed" in o.mutant.what for o in outcomes)
    survivors = [o.mutant.what for o in outcomes
                 if o.verdict in WRONG and o.mutant.what not in equivalent_for(fixture.name)]
    assert not survivors, survivors
