"""Every proof fixture keeps its verdicts (fixtures/verdicts.txt): a prover or
model change that moves one shows here, and is reviewed before the table is
regenerated (``python -m tests.equivalence.verdicts --regen``)."""

from __future__ import annotations

from tests.equivalence.verdicts import TABLE, produce, weakened


def test_every_fixture_keeps_its_verdicts() -> None:
    assert produce() == TABLE.read_text().splitlines()


def test_weakened_names_a_lost_proof_and_a_flip_but_not_a_gain() -> None:
    old = ["a.patch [1/1]: proved", "b.patch [1/1]: unknown", "c.patch [1/1]: refuted"]
    new = ["a.patch [1/1]: unknown", "b.patch [1/1]: proved", "c.patch [1/1]: proved"]
    assert weakened(old, new) == ["a.patch [1/1]: proved -> unknown",
                                  "c.patch [1/1]: refuted -> proved"]
