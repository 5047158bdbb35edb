"""Benchmark: reading huge mailboxes (time per patch, peak RSS).

Builds mboxes of N copies of the seed patch (distinct subjects and
Message-IDs) and one of about 200 MB (patches padded with long diffs), then
reads each with ``read_series`` in a fresh process, printing wall time, time
per patch and peak RSS.  ``python benchmarks/bench_hostile.py``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"

CHILD = r"""
import resource, sys, time
from patchscope.series import read_series
t = time.perf_counter()
s = read_series(sys.argv[1], cwd=".")
took = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{len(s.patches)} {took:.3f} {rss:.0f}")
"""


def build(path: Path, n: int, pad_lines: int = 0) -> None:
    mail = SEED.read_text()
    pad = "".join(f"+\tpadding_line_{i} = {i};\n" for i in range(pad_lines))
    with path.open("w") as f:
        for i in range(1, n + 1):
            m = mail.replace("[PATCH v1 4/9]", f"[PATCH v1 {i}/{n}]")
            m = re.sub(r"Message-ID: <[^>]+>", f"Message-ID: <p{i}@example.org>", m)
            if pad:
                m = m.replace("\n-- \n", "\ndiff --git a/pad.c b/pad.c\n--- a/pad.c\n"
                              f"+++ b/pad.c\n@@ -0,0 +1,{pad_lines} @@\n" + pad + "-- \n", 1)
            f.write(m)


def measure(path: Path) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,1000,10000")
    ap.add_argument("--big-mb", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in args.sizes.split(",")]:
            path = Path(tmp) / f"n{n}.mbox"
            build(path, n)
            got, took, rss = measure(path)
            mb = path.stat().st_size / 1e6
            print(f"{n} patches ({mb:.1f} MB): {took:.2f} s, {took / n * 1000:.2f} ms/patch, "
                  f"peak RSS {rss:.0f} MB ({got} read)", flush=True)
            path.unlink()
        if args.big_mb:
            per = SEED.stat().st_size + 2000 * 27
            n = args.big_mb * 1_000_000 // per
            path = Path(tmp) / "big.mbox"
            build(path, n, pad_lines=2000)
            got, took, rss = measure(path)
            mb = path.stat().st_size / 1e6
            print(f"{mb:.0f} MB mbox, {n} patches: {took:.2f} s, {took / n * 1000:.2f} ms/patch, "
                  f"peak RSS {rss:.0f} MB ({got} read)", flush=True)


if __name__ == "__main__":
    main()
