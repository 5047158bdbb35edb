"""Benchmark: ``patchscope check`` of huge mailboxes (issue 15, acceptance).

    python benchmarks/bench_scale.py [--sizes 10,100,1000,10000] [--big-mb 200]
                                     [--format text|json] [--keep DIR]

Builds, in a temporary directory (no network), mboxes of N real-sized patches
(:mod:`benchmarks.scale_mbox`: the seed patch with its replies, its code
varied per patch) and one of about ``--big-mb`` MB of fewer, bigger patches,
and runs ``python -m patchscope check --no-cache`` on each in a fresh process,
its report written to a file.  Prints per mailbox: size, patches, wall time,
CPU time (user + system of the check and the processes it waited for), CPU
time per patch and peak RSS (``ru_maxrss`` from ``wait4``: the largest of the
check's process and those it waited for).  Targets: peak RSS < 500 MB for the
200 MB and 10,000-patch mailboxes; time per patch flat within 2x from 10 to
10,000 patches.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scale_mbox import ROOT, build  # noqa: E402


def machine() -> str:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((ln.split(":", 1)[1].strip() for ln in out.splitlines()
                      if ln.startswith("Model name")), "")
    except OSError:
        pass
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{model or platform.processor()}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, load average {load}")


def check(mbox: Path, fmt: str, out: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak RSS in MB and exit code of one check."""
    env = dict(os.environ, XDG_CACHE_HOME=str(out.parent / "cache"))
    with out.open("wb") as sink:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "patchscope", "check", "--no-cache", "--format", fmt,
             str(mbox)], stdout=sink, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode


def row(name: str, mbox: Path, n: int, fmt: str, tmp: Path) -> None:
    wall, cpu, rss, code = check(mbox, fmt, tmp / "report.out")
    mb = mbox.stat().st_size / 1e6
    report = (tmp / "report.out").stat().st_size / 1e6
    print(f"| {name} | {mb:.1f} MB | {n:,} | {wall:.1f} s | {cpu:.1f} s | "
          f"{cpu / n * 1000:.0f} ms | {rss:.0f} MB | exit {code}, report {report:.1f} MB |",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10,100,1000,10000")
    ap.add_argument("--big-mb", type=int, default=200, help="0: no big-patch mailbox")
    ap.add_argument("--pad-lines", type=int, default=4000,
                    help="added lines per patch of the big mailbox")
    ap.add_argument("--format", default="text", choices=["text", "json"])
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print("| mailbox | size | patches | wall | CPU | CPU per patch | peak RSS | |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        tmp = Path(name)
        for n in [int(x) for x in args.sizes.split(",") if x]:
            mbox = tmp / f"n{n}.mbox"
            build(mbox, n)
            row(f"{n:,} patches", mbox, n, args.format, tmp)
            mbox.unlink()
        if args.big_mb:
            mbox = tmp / "big.mbox"
            one = build(mbox, 1, pad_lines=args.pad_lines)
            n = max(1, args.big_mb * 1_000_000 // one)
            build(mbox, n, pad_lines=args.pad_lines)
            row(f"~{args.big_mb} MB, {args.pad_lines:,} added lines a patch", mbox, n,
                args.format, tmp)
    print(f"machine after: {machine()}")


if __name__ == "__main__":
    main()
