"""Benchmark: the free_pgtables model.

- scenarios per second on one core: ``check_call`` on the seed's three call
  sites (grid + 2,000 random each), caches of scenario lists cleared per run;
- the loop alone: ``run_free_pgtables`` over the same scenarios, no memo;
- the whole seed check with both engines (proof and model): in-process
  (after a warm-up that loads libclang and z3) and as a subprocess.

Run from the repository root: ``python benchmarks/bench_model.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchscope.arch import get_profile  # noqa: E402
from patchscope.commands.check import check_series  # noqa: E402
from patchscope.core import CheckOptions  # noqa: E402
from patchscope.models import find_model, forget_caches  # noqa: E402
from patchscope.models import scenarios as scenario_lists  # noqa: E402
from patchscope.models.loop import CalleeValues, run_free_pgtables  # noqa: E402
from patchscope.models.maple import MapleTree  # noqa: E402
from patchscope.models.pgtable import TableGeometry  # noqa: E402
from patchscope.progress import Progress  # noqa: E402

SEED = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"


def _median(values: list[float]) -> float:
    return statistics.median(values)


def model_rate(arch: str, scenarios: int, runs: int) -> tuple[float, int, float]:
    """(median seconds for the three call sites, scenarios, scenarios/s)."""
    series = check_series(CheckOptions(source=str(SEED), arch=arch, scenarios=0))
    patch = next(p for p in series.patches if p.signature_changes)
    change = patch.signature_changes[0]
    model = find_model(change)
    assert model is not None
    profile = get_profile(arch)
    times, count = [], 0
    for _ in range(runs):
        forget_caches()  # scenario lists and the loop memo: each run starts cold
        count = 0
        start = time.perf_counter()
        for call in patch.call_sites:
            r = model.check_call(change, call, profile, scenarios=scenarios, seed=1,
                                 progress=Progress(False))
            count += r.verdict.scenarios or 0
        times.append(time.perf_counter() - start)
    t = _median(times)
    return t, count, count / t


def loop_rate(arch: str, scenarios: int, runs: int) -> float:
    """Scenarios/s of the loop and free_pgd_range alone (limit = ceiling = 0, no memo)."""
    profile = get_profile(arch)
    geo = TableGeometry.of(profile)
    scs = list(scenario_lists.grid(profile, ("mm",))) + list(
        scenario_lists.random_scenarios(profile, ("mm",), scenarios, 1))
    m = profile.mask
    values = CalleeValues(m, m, profile.first_user_address, 0, False)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for sc in scs:
            vmas = list(sc.vmas)
            run_free_pgtables(geo, vmas, MapleTree.by_address(vmas, sc.zero_at),
                              vmas[sc.first].vm_end, vmas[sc.first], values,
                              geo.present_for([(v.vm_start, v.vm_end) for v in vmas]))
        times.append(time.perf_counter() - start)
    return len(scs) / _median(times)


def seed_check(runs: int) -> tuple[float, float]:
    """(in-process median, subprocess median) of the whole seed check, both engines."""
    check_series(CheckOptions(source=str(SEED)))  # warm-up: libclang, z3
    inproc = []
    for _ in range(runs):
        forget_caches()
        start = time.perf_counter()
        check_series(CheckOptions(source=str(SEED)))
        inproc.append(time.perf_counter() - start)
    sub = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "patchscope", "check", str(SEED), "--format",
                        "json"], check=False, capture_output=True, cwd=ROOT)
        sub.append(time.perf_counter() - start)
    return _median(inproc), _median(sub)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scenarios", type=int, default=2000)
    args = ap.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} cpus, Python {platform.python_version()}")
    for arch in ("x86_64", "arm-lpae"):
        t, n, rate = model_rate(arch, args.scenarios, args.runs)
        print(f"model check_call, seed call sites, {arch}: {n} scenarios in {t:.3f} s "
              f"median = {rate:,.0f} scenarios/s")
    print(f"loop + free_pgd_range alone, x86_64: "
          f"{loop_rate('x86_64', args.scenarios, args.runs):,.0f} scenarios/s")
    inproc, sub = seed_check(args.runs)
    print(f"whole seed check (proof + model), in-process median: {inproc:.3f} s")
    print(f"whole seed check (proof + model), subprocess median: {sub:.3f} s")


if __name__ == "__main__":
    main()
