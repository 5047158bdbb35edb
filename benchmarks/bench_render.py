"""Benchmark: rendering the seed report (patchscope side), medians of repeated runs.

Run from the repository root:  python benchmarks/bench_render.py [--runs N]

The seed series is checked once by the real pipeline (read, csource,
equivalence: not timed); then the HTML page and the text report are rendered
from that already-checked Series N times each.  Prints the medians and the
page size.  Targets (issue 6): HTML under 1 s, page under 1 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchscope.commands.check import check_series  # noqa: E402
from patchscope.core import CheckOptions  # noqa: E402
from patchscope.render.html import render_html, write_html  # noqa: E402
from patchscope.render.text import render_text  # noqa: E402

SEED = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per measurement (>= 7)")
    args = parser.parse_args()
    runs = max(args.runs, 7)

    options = CheckOptions(source=os.path.relpath(SEED, ROOT))
    series = check_series(options)
    page = render_html(series, options)
    size = len(page.encode("utf-8"))

    html_s = median_seconds(lambda: render_html(series, options), runs)
    text_s = median_seconds(lambda: render_text(series, options), runs)
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "seed.html")
        write_s = median_seconds(lambda: write_html(series, options, out), runs)

    cpus = os.cpu_count()
    print(f"machine: {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}")
    print(f"seed report ({runs} runs each, medians):")
    print(f"  render_html: {html_s * 1000:8.1f} ms   (target < 1000 ms)")
    print(f"  write_html:  {write_s * 1000:8.1f} ms   (render + atomic write)")
    print(f"  render_text: {text_s * 1000:8.1f} ms")
    print(f"  page size:   {size / 1024:8.1f} KiB  (target < 1024 KiB)")
    ok = html_s < 1.0 and size < 1 << 20
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
