"""Benchmark: read a synthetic 100-patch series (~1 MB mbox) and write its JSON.

    python benchmarks/bench_series.py [--patches N] [--runs R]

Prints the median of R runs (default 7) of read_series + render_json, and of
each step alone.  The series is generated in a temporary directory: each patch
changes a few kernel-like files in several hunks, and every tenth patch gets a
review reply quoting its diff.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from patchscope.core import CheckOptions  # noqa: E402
from patchscope.render.json import render_json  # noqa: E402
from patchscope.series import read_series  # noqa: E402

FROM_LINE = "From patchscope@example Thu Jan  1 00:00:00 1970"


def _hunk(n: int, h: int) -> str:
    start = 40 * h + 10
    body = [f"@@ -{start},12 +{start},13 @@ static int region_op_{n}_{h}(struct region *r)"]
    for i in range(4):
        body.append(f" \tunsigned long start_{i} = r->start + {i} * PAGE_SIZE;")
    body.append(f"-\tregion_release(r, floor_{h}, ceiling_{h});")
    body.append(f"+\tregion_release(r, floor_{h}, ceiling_{h},")
    body.append(f"+\t\t       ceiling_{h});")
    for i in range(7):
        body.append(f" \tif (r->end > limit_{i})\t/* clamp step {i} of patch {n} */")
    return "\n".join(body) + "\n"


def _patch(n: int, total: int) -> str:
    files = []
    for f in range(3):
        path = f"mm/region_{n % 17}_{f}.c"
        hunks = "".join(_hunk(n, h) for h in range(4))
        files.append(
            f"diff --git a/{path} b/{path}\nindex 1234567..89abcde 100644\n"
            f"--- a/{path}\n+++ b/{path}\n{hunks}"
        )
    message = (
        f"mm/region: Pass the search limit to region_release() in part {n}\n\n"
        + "The ceiling and the search limit will differ once teardown of a\n" * 3
        + "\nFrom now on every caller passes the limit explicitly.\n\n"
        "No functional change intended.\n\n"
        "Signed-off-by: Zoë Ångström <zoe@example.org>\n"
    )
    return (
        f"{FROM_LINE}\nFrom: =?utf-8?q?Zo=C3=AB_=C3=85ngstr=C3=B6m?= <zoe@example.org>\n"
        f"Date: Mon, 01 Sep 2025 10:00:00 +0200\n"
        f"Subject: [PATCH v3 {n}/{total}] mm/region: part {n}\n"
        f"Message-ID: <bench-{n}@example.org>\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        f"{message}---\n {len(files)} files changed\n\n" + "".join(files) + "-- \n2.47.2\n"
    )


def _reply(n: int, patch: str) -> str:
    diff = patch[patch.index("diff --git") :].split("\n")[:40]
    quoted = "".join(f"> {line}\n" for line in diff)
    return (
        f"{FROM_LINE}\nFrom: Rev Iewer <rev@example.org>\nSubject: Re: [PATCH v3 {n}] x\n"
        f"Message-ID: <bench-reply-{n}@example.org>\nIn-Reply-To: <bench-{n}@example.org>\n\n"
        f"On Mon, Zoë wrote:\n{quoted}\nThis call wants a comment.\n\n"
        "Reviewed-by: Rev Iewer <rev@example.org>\n"
    )


def make_series(path: Path, patches: int) -> int:
    mails = []
    for n in range(1, patches + 1):
        mail = _patch(n, patches)
        mails.append(mail)
        if n % 10 == 0:
            mails.append(_reply(n, mail))
    data = "\n".join(mails).encode()
    path.write_bytes(data)
    return len(data)


def _median(fn: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mbox = Path(tmp) / "series.mbox"
        size = make_series(mbox, args.patches)
        options = CheckOptions(source=str(mbox), output_format="json")
        series = read_series(str(mbox), cwd=tmp)
        out = render_json(series, options)
        assert len(series.patches) == args.patches
        read = _median(lambda: read_series(str(mbox), cwd=tmp), args.runs)
        render = _median(lambda: render_json(series, options), args.runs)
        both = _median(lambda: render_json(read_series(str(mbox), cwd=tmp), options), args.runs)
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"series: {args.patches} patches, {size / 1e6:.2f} MB mbox, JSON {len(out) / 1e6:.2f} MB")
    print(f"read_series            median of {args.runs}: {read * 1000:.0f} ms")
    print(f"render_json            median of {args.runs}: {render * 1000:.0f} ms")
    print(f"read_series+render_json median of {args.runs}: {both * 1000:.0f} ms (target < 1000 ms)")


if __name__ == "__main__":
    main()
