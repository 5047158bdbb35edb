"""Benchmark: the whole ``patchscope check`` of the seed patch.

Medians of repeated runs, in-process (``check_series`` + JSON rendering,
after one warm-up run that loads libclang and z3) and as a subprocess (what
a user waits for, interpreter start and imports included); mbox mode and
tree mode (a git repository built from ``fixtures/trees/mm`` in a temporary
directory).  Run from the repository root: ``python benchmarks/bench_check.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchscope.commands.check import check_series  # noqa: E402
from patchscope.core import CheckOptions  # noqa: E402
from patchscope.render import render  # noqa: E402
from tests.csource.kernel_tree import SEED_MBOX, SEED_PATCH, build_kernel_tree  # noqa: E402


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _clear_caches() -> None:
    """Forget memoised parses and model results so each in-process run does the whole work."""
    from patchscope.models import forget_caches

    forget_caches()
    from patchscope.cexpr.cparse import parse_expr
    from patchscope.equivalence.callsite import _normal_spelling

    parse_expr.cache_clear()
    _normal_spelling.cache_clear()
    try:
        from patchscope.csource import parse as csource_parse
    except ImportError:
        return
    for name in dir(csource_parse):
        clear = getattr(getattr(csource_parse, name), "cache_clear", None)
        if callable(clear):
            clear()


def in_process(source: Path, tree: Path | None, scenarios: int) -> Callable[[], object]:
    def run() -> object:
        _clear_caches()
        options = CheckOptions(source=str(source), tree=str(tree) if tree else None,
                               output_format="json", scenarios=scenarios)
        return render(check_series(options), options)

    return run


def as_subprocess(source: Path, tree: Path | None, scenarios: int,
                  jobs: int = 1) -> Callable[[], object]:
    cmd = [sys.executable, "-m", "patchscope", "check", str(source), "--format", "json",
           "--scenarios", str(scenarios), "--jobs", str(jobs)]
    if tree:
        cmd += ["--tree", str(tree)]

    def run() -> object:
        done = subprocess.run(cmd, capture_output=True, cwd=ROOT)
        if done.returncode not in (0, 1):
            raise SystemExit(f"check failed: {done.stderr.decode()}")
        return done

    return run


def large_body(lines: int) -> Callable[[], object]:
    """The substitution proof alone on a synthetic body of *lines* lines."""
    from patchscope.arch import X86_64
    from patchscope.core import Declaration, Param, SignatureChange
    from patchscope.equivalence.substitution import prove_body

    body = [f"\tx{i % 50} = y{i % 37} + ceiling - {i % 7};" if i % 11
            else f"\tuse(ceiling - 1, x{i % 50});" for i in range(lines)]
    old = "{\n" + "\n".join(body) + "\n}"
    new = old.replace("use(ceiling - 1", "use(limit - 1")
    op = [Param("unsigned long", "ceiling")]
    np = op + [Param("unsigned long", "limit")]
    change = SignatureChange("big", "big.c", 1, op, np, added=["limit"], declarations=[
        Declaration("big.c", 1, "definition", op, np, old, new, True)])

    def run() -> object:
        return prove_body(change, X86_64)

    return run


def proof_only() -> Callable[[], object]:
    """decide_series on the analysed seed, the kernel model switched off."""
    from patchscope.csource import analyse_series
    from patchscope.equivalence import decide, decide_series
    from patchscope.progress import Progress
    from patchscope.series import read_series

    options = CheckOptions(source=str(SEED_MBOX))

    def run() -> object:
        _clear_caches()
        series = read_series(str(SEED_MBOX), cwd=str(ROOT))
        analyse_series(series, None, options, Progress(False))
        saved = decide.find_model
        decide.find_model = lambda change: None  # type: ignore[assignment]
        try:
            start = time.perf_counter()
            decide_series(series, options, Progress(False))
            return time.perf_counter() - start
        finally:
            decide.find_model = saved  # type: ignore[assignment]

    return run


# A fresh `patchscope check` with the kernel model switched off: what issue 4's
# engine (the substitution proof) costs a user on its own.
_PROOF_ONLY = (
    "import sys; import patchscope.equivalence.decide as d; d.find_model = lambda c: None; "
    "from patchscope.main import main; sys.exit(main(sys.argv[1:]))"
)


def proof_only_subprocess(source: Path) -> Callable[[], object]:
    cmd = [sys.executable, "-c", _PROOF_ONLY, "check", str(source), "--format", "json"]

    def run() -> object:
        done = subprocess.run(cmd, capture_output=True, cwd=ROOT)
        if done.returncode != 0 or b'"scenarios": null' not in done.stdout:
            raise SystemExit(f"proof-only check failed: {done.stderr.decode()}")
        return done

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--scenarios", type=int, default=CheckOptions("x").scenarios,
                    help="--scenarios passed to the check (the model's sample size)")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.processor() or '?'}"
          f", Python {platform.python_version()}")
    print(f"runs: {args.runs}, --scenarios {args.scenarios}")
    with tempfile.TemporaryDirectory() as tmp:
        tree = build_kernel_tree(Path(tmp) / "tree")
        cases = [("mbox", SEED_MBOX, None), ("tree", SEED_PATCH, tree)]
        for label, source, t in cases:
            fn = in_process(source, t, args.scenarios)
            fn()  # warm-up: libclang and z3 loaded once, as in one CLI run
            med, times = median_time(fn, args.runs)
            print(f"seed check, {label} mode, in-process: median {med * 1000:.0f} ms "
                  f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
            med, times = median_time(as_subprocess(source, t, args.scenarios), args.runs)
            print(f"seed check, {label} mode, subprocess: median {med * 1000:.0f} ms "
                  f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
        for jobs in (2, 3):
            med, times = median_time(as_subprocess(SEED_MBOX, None, args.scenarios, jobs),
                                     args.runs)
            print(f"seed check, mbox mode, subprocess, --jobs {jobs}: median "
                  f"{med * 1000:.0f} ms (min {min(times) * 1000:.0f}, "
                  f"max {max(times) * 1000:.0f})")
    med, times = median_time(proof_only_subprocess(SEED_MBOX), args.runs)
    print(f"seed check, mbox mode, subprocess, model switched off (proof only): median "
          f"{med * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
    stage = proof_only()
    times = [float(stage()) for _ in range(args.runs)]  # type: ignore[arg-type]
    med = statistics.median(times)
    print(f"seed, equivalence stage with the substitution proof alone (model switched off): "
          f"median {med * 1000:.0f} ms (min {min(times) * 1000:.0f}, "
          f"max {max(times) * 1000:.0f})")
    med, times = median_time(large_body(3000), args.runs)
    print(f"substitution proof of a 3000-line body (273 changed uses): median "
          f"{med * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")


if __name__ == "__main__":
    main()
