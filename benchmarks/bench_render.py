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
from patchscope.render.html import environment, render_html, write_html  # noqa: E402
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
    parser.add_argument("--large", type=int, default=100, metavar="N",
                        help="also render a synthetic N-patch series (0: skip)")
    args = parser.parse_args()
    runs = max(args.runs, 7)

    options = CheckOptions(source=os.path.relpath(SEED, ROOT))
    series = check_series(options)
    page = render_html(series, options)
    size = len(page.encode("utf-8"))

    html_s = median_seconds(lambda: render_html(series, options), runs)
    cold_s = median_seconds(lambda: (environment.cache_clear(), render_html(series, options)), runs)
    text_s = median_seconds(lambda: render_text(series, options), runs)
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "seed.html")
        write_s = median_seconds(lambda: write_html(series, options, out), runs)

    cpus = os.cpu_count()
    print(f"machine: {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}")
    print(f"seed report ({runs} runs each, medians):")
    print(f"  render_html: {html_s * 1000:8.1f} ms   (target < 1000 ms; templates compiled)")
    print(f"  render_html: {cold_s * 1000:8.1f} ms   (first render of a process: compiling too)")
    print(f"  write_html:  {write_s * 1000:8.1f} ms   (render + atomic write)")
    print(f"  render_text: {text_s * 1000:8.1f} ms")
    print(f"  page size:   {size / 1024:8.1f} KiB  (target < 1024 KiB)")
    ok = cold_s < 1.0 and size < 1 << 20
    print("targets met" if ok else "TARGETS MISSED")
    if args.large:
        _large(args.large, runs)
    return 0 if ok else 1


def _large(patches: int, runs: int) -> None:
    """A big series (bench_series' synthetic one, read but not analysed): how render scales."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_series import make_series  # type: ignore[import-not-found]

    from patchscope.series import read_series

    with tempfile.TemporaryDirectory() as tmp:
        mbox = Path(tmp) / "series.mbox"
        mbox_size = make_series(mbox, patches)
        series = read_series(str(mbox), cwd=tmp)
        options = CheckOptions(source=str(mbox))
        size = len(render_html(series, options).encode("utf-8"))
        html_s = median_seconds(lambda: render_html(series, options), runs)
    print(f"synthetic series, {patches} patches ({mbox_size / 1e6:.2f} MB mbox, read only):")
    print(f"  render_html: {html_s * 1000:8.1f} ms   page {size / 1e6:.2f} MB")


if __name__ == "__main__":
    raise SystemExit(main())
