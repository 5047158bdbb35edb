"""Benchmark: the cost of the whole-patch accounting on a 100-patch series.

    python benchmarks/bench_accounting.py [--patches N] [--runs R]

The series is bench_series.py's (each patch: 3 files, 4 hunks each).  Prints
the median of R whole checks (read, C analysis, verdicts, accounting) in
process, the median of the accounting alone over the same analysed series,
and its share of the check (issue 10's target: < 10%).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_series import _median, make_series  # noqa: E402
from patchscope.commands.check import check_series  # noqa: E402
from patchscope.core import AnalysisMode, CheckOptions  # noqa: E402
from patchscope.equivalence.accounting import account_patch  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mbox = Path(tmp) / "series.mbox"
        size = make_series(mbox, args.patches)
        options = CheckOptions(source=str(mbox), scenarios=0)
        series = check_series(options)
        lines = sum(len(p.accounting) for p in series.patches)

        def accounting() -> None:
            for p in series.patches:
                account_patch(p, tree=p.mode is not AnalysisMode.MBOX)

        whole = _median(lambda: check_series(options), args.runs)
        alone = _median(accounting, args.runs)
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    print(f"series: {args.patches} patches, {size / 1e6:.2f} MB, {lines} changed lines accounted")
    print(f"whole check (in process)  median of {args.runs}: {whole * 1000:.0f} ms")
    print(f"accounting alone          median of {args.runs}: {alone * 1000:.0f} ms "
          f"({100 * alone / whole:.1f}% of the check; target < 10%)")


if __name__ == "__main__":
    main()
