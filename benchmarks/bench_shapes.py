"""Benchmark: the refactor-shape fixtures checked in one run.

    python benchmarks/bench_shapes.py [--runs R]

Every patch under fixtures/accounting/ and fixtures/equivalence/ is checked in
process (mbox mode, the kernel model on with its grid only); prints per fixture
its verdict and median time, then the share proved among the fixtures meant to
be proved (``proved-*`` and the seed's own variants) and among the mutants
(every other one: none may be proved), and the median time per patch.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchscope.commands.check import check_series  # noqa: E402
from patchscope.core import CheckOptions  # noqa: E402

MEANT_PROVED = {"seed-renamed.patch", "chain.patch", "chain2.patch", "attr-must-check.patch"}


def meant_proved(name: str) -> bool:
    """A shape fixture (proved as it stands), not a mutant of one."""
    return name.startswith(("proved-", "xa-")) or name in MEANT_PROVED


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fixtures = sorted((ROOT / "fixtures" / "accounting").glob("*.patch")) + sorted(
        (ROOT / "fixtures" / "equivalence").glob("*.patch"))
    rows = []
    for f in fixtures:
        times = []
        verdict = "?"
        for _ in range(args.runs):
            t0 = time.perf_counter()
            series = check_series(CheckOptions(source=str(f), scenarios=0))
            times.append(time.perf_counter() - t0)
            nfc = series.patches[0].nfc if series.patches else None
            verdict = str(nfc.verdict) if nfc else "none"
        meant = meant_proved(f.name)
        rows.append((f.name, meant, verdict, statistics.median(times)))
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    for name, meant, verdict, t in rows:
        print(f"  {name:45} {'shape ' if meant else 'mutant'} {verdict:12} {t * 1000:7.0f} ms")
    shapes = [r for r in rows if r[1]]
    mutants = [r for r in rows if not r[1]]
    proved = sum(1 for r in shapes if r[2] == "proved")
    wrong = [r[0] for r in mutants if r[2] == "proved"]
    print(f"shapes proved: {proved}/{len(shapes)}; mutants proved: {len(wrong)}/{len(mutants)}"
          f"{' ' + str(wrong) if wrong else ''}")
    print(f"median time per patch: {statistics.median(r[3] for r in rows) * 1000:.0f} ms "
          f"(median of {args.runs} runs each)")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
