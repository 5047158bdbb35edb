"""The fuzz budget CI runs on every change, and the kept crash/hang fixtures.

A fixed budget of mutated inputs (seed fixed: the same inputs every run, so a
failure reproduces) must give no crash and no hang; every input a fuzz run
ever found (fixtures/fuzz/) must now run without a crash, within the limit.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.fuzz.harness import run_one
from tests.fuzz.mutate import ROOT, mutant, seeds

BUDGET_SECONDS = 40.0
LIMIT = 60.0  # seconds before an input counts as a hang (slow CI machines)
# found/ is where a fuzz run writes; what is kept is copied to regress/
KEPT = sorted(p for p in (ROOT / "fixtures" / "fuzz").rglob("*.mbox") if "found" not in p.parts)


def test_fuzz_budget_finds_nothing() -> None:
    base = seeds()
    assert base, "no seed fixtures found"
    start = time.monotonic()
    n = 0
    bad = []
    while time.monotonic() - start < BUDGET_SECONDS:
        n += 1
        out = run_one(mutant(base, 20261202, n), LIMIT)
        if out.kind != "ok":
            bad.append((n, out.kind, out.detail[:200]))
    assert n >= 5
    assert not bad, bad


@pytest.mark.parametrize("path", KEPT, ids=[p.name for p in KEPT])
def test_kept_fuzz_fixture(path: Path) -> None:
    out = run_one(path.read_bytes(), LIMIT)
    assert out.kind == "ok", out.detail
