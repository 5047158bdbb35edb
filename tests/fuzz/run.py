"""The long fuzz run: ``python -m tests.fuzz.run --inputs 100000 [--seed N]``.

One process, in-process runs.  Crashes and hangs are written to
``fixtures/fuzz/found/`` (keep them as regression fixtures); the figures
(inputs run, crashes, hangs, slowest input) are printed at the end and every
10,000 inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time

from tests.fuzz.harness import run_one
from tests.fuzz.mutate import ROOT, mutant, seeds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=float, default=20.0, help="seconds before an input is a hang")
    ap.add_argument("--cpu-limit", type=float, default=10.0,
                    help="CPU seconds of this process before an input is a hang")
    ap.add_argument("--first", type=int, default=1, help="index of the first input (resume)")
    ap.add_argument("--seconds", type=float, default=None, help="stop after this long")
    args = ap.parse_args()
    base = seeds()
    found = ROOT / "fixtures" / "fuzz" / "found"
    counts = {"ok": 0, "crash": 0, "hang": 0}
    slowest = (0.0, -1)
    start = time.monotonic()
    n = 0
    done = 0
    for n in range(args.first, args.first + args.inputs):
        data = mutant(base, args.seed, n)
        out = run_one(data, args.limit, cpu_limit=args.cpu_limit)
        done += 1
        counts[out.kind] += 1
        if out.seconds > slowest[0]:
            slowest = (out.seconds, n)
        if out.kind != "ok":
            found.mkdir(parents=True, exist_ok=True)
            name = f"{out.kind}-{hashlib.sha1(data).hexdigest()[:12]}.mbox"
            (found / name).write_bytes(data)
            print(f"{out.kind} at input {n}: {out.detail[:200]} -> {name}", flush=True)
        if done % 1000 == 0 or done == args.inputs:
            took = time.monotonic() - start
            print(f"inputs {done}, crashes {counts['crash']}, hangs {counts['hang']}, slowest "
                  f"{slowest[0]:.2f} s (input {slowest[1]}), {done / took:.1f} inputs/s",
                  flush=True)
        if args.seconds is not None and time.monotonic() - start > args.seconds:
            break
    print(f"done: inputs {done} (indices {args.first}..{n}), crashes {counts['crash']}, "
          f"hangs {counts['hang']}, "
          f"slowest {slowest[0]:.2f} s (input {slowest[1]} of seed {args.seed})")
    return 1 if counts["crash"] or counts["hang"] else 0


if __name__ == "__main__":
    sys.exit(main())
