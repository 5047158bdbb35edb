"""Benchmark: patchscope side by side with the kernel's checkpatch.pl, same mails, one run.

For each workload (the seed's 4/9 as one mail, the seed mbox, a 9-patch
series) it runs pairs: checkpatch.pl (``--no-tree -q``) and ``patchscope
check`` on the same file, in alternating order, each a fresh process, and
reports the CPU (user + system, from the child's rusage) and wall medians
and the median of the per-pair ratios.  patchscope runs cold (an empty cache
directory per run) and warm (the cache filled by a first run).  Then the
model's scenarios per second, the reference engine against the fast one.

checkpatch.pl is not part of patchscope: give its path, e.g. the copy kept
for this benchmark (``--checkpatch ../shared/ref/checkpatch/checkpatch.pl``).

Run from the repository root:
``python benchmarks/bench_checkpatch.py --checkpatch PATH``.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
ONE = FIXTURES / "seed" / "0004-mm-memory-Add-tree-limit-to-free_pgtables.patch"
SEED_MBOX = FIXTURES / "seed" / "free_pgtables-v1-4of9.mbox"
# nine kernel-like patches of our own fixtures: seed variants (proved, refuted,
# sampled, not claimed) and the two-function chains
SERIES = [FIXTURES / "equivalence" / n for n in (
    "seed-renamed.patch", "mutant-callee-bound.patch", "mutant-caller-limit.patch",
    "mutant-caller-pmd.patch", "caller-ulong-max.patch", "seed-no-claim.patch",
    "chain.patch", "chain2.patch")] + [ONE]


def build_series(dest: Path) -> Path:
    """One mbox of the nine mails (each a ``git format-patch`` mail)."""
    out = dest / "nine.mbox"
    out.write_bytes(b"".join(p.read_bytes().rstrip(b"\n") + b"\n\n" for p in SERIES))
    return out


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds of the child, wall seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=ROOT, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)}: exit {code}")
    return usage.ru_utime + usage.ru_stime, wall


def pairs(mail: Path, checkpatch: str, runs: int, warm: bool) -> dict[str, float]:
    cp_cmd = ["perl", checkpatch, "--no-tree", "-q", str(mail)]
    ps_cmd = [sys.executable, "-m", "patchscope", "check", str(mail)]
    cp_cpu, cp_wall, ps_cpu, ps_wall, cpu_ratio, wall_ratio = [], [], [], [], [], []
    with tempfile.TemporaryDirectory() as warm_dir:
        env = {**os.environ, "XDG_CACHE_HOME": warm_dir}
        if warm:
            timed(ps_cmd, env)  # fills the cache
        for i in range(runs):
            if not warm:
                env = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(dir=warm_dir)}
            order = [("cp", cp_cmd), ("ps", ps_cmd)]
            if i % 2:
                order.reverse()
            got = {name: timed(cmd, env) for name, cmd in order}
            cp_cpu.append(got["cp"][0])
            cp_wall.append(got["cp"][1])
            ps_cpu.append(got["ps"][0])
            ps_wall.append(got["ps"][1])
            cpu_ratio.append(got["ps"][0] / got["cp"][0])
            wall_ratio.append(got["ps"][1] / got["cp"][1])
    m = statistics.median
    return {"ps_cpu": m(ps_cpu), "cp_cpu": m(cp_cpu), "cpu_ratio": m(cpu_ratio),
            "ps_wall": m(ps_wall), "cp_wall": m(cp_wall), "wall_ratio": m(wall_ratio)}


def model_rates(runs: int) -> tuple[float, float]:
    """Scenarios/s of the seed's three call sites: reference engine, fast engine."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    import bench_model

    from patchscope.models import free_pgtables

    rates = []
    for engine in ("reference", "fast"):
        free_pgtables.ENGINE = engine
        rates.append(bench_model.model_rate("x86_64", 2000, runs)[2])
    free_pgtables.ENGINE = "fast"
    return rates[0], rates[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpatch", required=True, metavar="PATH", help="checkpatch.pl")
    ap.add_argument("--runs", type=int, default=7, help="pairs per row (default 7)")
    args = ap.parse_args()
    # An installed patchscope runs from bytecode (pip compiles it on install);
    # an editable checkout with PYTHONDONTWRITEBYTECODE set would compile every
    # module in every run, about 1 s that no user pays.
    compileall.compile_dir(str(ROOT / "patchscope"), quiet=1)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python "
          f"{platform.python_version()}, load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        nine = build_series(Path(tmp))
        work = [("one patch (seed 4/9 mail)", ONE), ("seed mbox (4/9 + replies)", SEED_MBOX),
                ("9-patch series", nine)]
        print("| work | cache | patchscope CPU | checkpatch.pl CPU | CPU ratio | "
              "patchscope wall | checkpatch.pl wall | wall ratio |")
        print("|---|---|---|---|---|---|---|---|")
        for name, mail in work:
            for warm in (False, True):
                r = pairs(mail, args.checkpatch, args.runs, warm)
                print(f"| {name} | {'warm' if warm else 'cold'} | {r['ps_cpu']:.3f} s | "
                      f"{r['cp_cpu']:.3f} s | {r['cpu_ratio']:.2f}x | {r['ps_wall']:.3f} s | "
                      f"{r['cp_wall']:.3f} s | {r['wall_ratio']:.2f}x |", flush=True)
    ref, fast = model_rates(max(3, args.runs // 2))
    print(f"model, seed call sites, x86_64, caches cold: reference {ref:,.0f} scenarios/s, "
          f"fast engine {fast:,.0f} scenarios/s ({fast / ref:.1f}x)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
