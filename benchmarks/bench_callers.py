"""Benchmark: whole-tree caller search, patchscope against Coccinelle's spatch.

    python benchmarks/bench_callers.py [--files N] [--callers K] [--runs R]

Generates, in a temporary directory, a git repository of N (default 5,000)
kernel-like C files of which K (default 20) call ``reclaim_range()``, and a
patch that adds a parameter to it (prototype and definition only, so every
caller is left on the old signature).  Then, in the same run:

* patchscope: read the patch, apply it (git apply on a scratch index), analyse it and
  search the whole tree for callers (git grep + libclang on the candidates);
  it must report each of the K calls as ``caller-not-updated``;
* spatch: a semantic patch matching every call ``reclaim_range(E)``, printing
  each call's position, over the same tree (--no-includes, --very-quiet);

and checks that both found the same K calls.  Prints the first (cold) run
and the median of R runs of each; "cold" for patchscope is also measured as
a fresh process (interpreter start, imports and libclang load included).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FUNCTION = "reclaim_range"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
COCCI = f"""@r@
expression list E;
position p;
@@
{FUNCTION}@p(E)

@script:python@
p << r.p;
@@
print("%s:%s" % (p[0].file, p[0].line))
"""
HEADER_OLD = f"""/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_RECLAIM_H
#define _LINUX_RECLAIM_H

struct reclaim_ctx;

void {FUNCTION}(struct reclaim_ctx *ctx, unsigned long start,
\t\t   unsigned long end, unsigned long floor,
\t\t   unsigned long ceiling, bool locked);

#endif
"""
DEFINITION_OLD = f"""// SPDX-License-Identifier: GPL-2.0
#include <linux/kernel.h>
#include <linux/reclaim.h>

void {FUNCTION}(struct reclaim_ctx *ctx, unsigned long start,
\t\t   unsigned long end, unsigned long floor,
\t\t   unsigned long ceiling, bool locked)
{{
\tunsigned long addr;

\tfor (addr = start; addr < end; addr += PAGE_SIZE) {{
\t\tif (addr < floor || addr - 1 >= ceiling - 1)
\t\t\tcontinue;
\t\treclaim_one(ctx, addr, locked);
\t}}
}}
"""


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, **GIT_ENV)
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def _function(n: int, f: int, rng: random.Random) -> list[str]:
    k = rng.randint(0, 999)
    return [
        f"static int widget_{n}_step{f}(struct widget_{n} *w, unsigned long limit)",
        "{",
        "\tunsigned long addr;",
        "\tint err = 0;",
        "",
        "\t/* walk the range one page at a time, stop at the limit */",
        "\tif (w->end > limit)",
        "\t\treturn -EINVAL;",
        "\tfor (addr = w->start; addr < w->end; addr += PAGE_SIZE) {",
        f"\t\terr = helper_{k}(addr, w->flags & {1 << (f % 8)});",
        "\t\tif (err)",
        "\t\t\tbreak;",
        f"\t\tcount_event(WIDGET_STEP_{f % 16}, addr);",
        "\t}",
        f"\treturn err ?: helper_{k}(w->start, w->end);",
        "}",
        "",
    ]


def _file_text(n: int, rng: random.Random, calls: bool, lines: int) -> str:
    out = [
        "// SPDX-License-Identifier: GPL-2.0",
        "#include <linux/kernel.h>",
        "#include <linux/mm.h>",
        "#include <linux/reclaim.h>",
        '#include "local.h"',
        "",
        f"struct widget_{n} {{",
        "\tunsigned long start, end;",
        f"\tstruct widget_{n} *next;",
        "\tint flags;",
        "};",
        "",
    ]
    functions = max(1, (lines - len(out)) // 17)
    caller_at = rng.randrange(functions) if calls else -1
    for f in range(functions):
        out += _function(n, f, rng)
        if f == caller_at:
            out += [
                f"void widget_{n}_teardown(struct reclaim_ctx *ctx, struct widget_{n} *w)",
                "{",
                "\tif (!w)",
                "\t\treturn;",
                f"\t{FUNCTION}(ctx, w->start, w->end, FIRST_USER_ADDRESS,",
                "\t\t      w->next ? w->next->start : USER_PGTABLES_CEILING,",
                "\t\t      /* locked = */ true);",
                "}",
                "",
            ]
    if n % 97 == 0:
        out += [f"/* {FUNCTION}() is not called here, only named. */", ""]
    return "\n".join(out)


def file_lines(rng: random.Random) -> int:
    """A kernel-like file length: median about 400 lines, long tail, mean about 650."""
    return int(min(8000, max(40, rng.lognormvariate(6.0, 0.9))))


def generate(root: Path, files: int, callers: int, seed: int = 7) -> tuple[Path, Path]:
    """Write the tree and commit it; return (repository, patch file)."""
    rng = random.Random(seed)
    repo = root / "tree"
    repo.mkdir()
    calling = set(rng.sample(range(files), callers))
    per_dir = 50
    total_lines = 0
    for n in range(files):
        d = repo / "drivers" / f"d{n // per_dir:03d}"
        d.mkdir(parents=True, exist_ok=True)
        size = file_lines(rng)
        total_lines += size
        (d / f"w{n:05d}.c").write_text(_file_text(n, rng, n in calling, size))
    (repo / "include/linux").mkdir(parents=True)
    (repo / "include/linux/reclaim.h").write_text(HEADER_OLD)
    (repo / "mm").mkdir()
    (repo / "mm/reclaim.c").write_text(DEFINITION_OLD)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "generated tree")
    git(repo, "repack", "-adq")  # like any clone: objects in a pack
    print(f"tree: {files} files, {total_lines} lines of C")
    # the patch: a new parameter in the prototype and the definition only
    for path in ("include/linux/reclaim.h", "mm/reclaim.c"):
        p = repo / path
        p.write_text(
            p.read_text().replace(
                "unsigned long ceiling, bool locked",
                "unsigned long ceiling, unsigned long tree_max,\n\t\t   bool locked",
            )
        )
    git(repo, "commit", "-q", "-am", f"reclaim: Add tree limit to {FUNCTION}()")
    out = root / "patch"
    git(repo, "format-patch", "-q", "-1", "-o", str(out))
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    (patch,) = out.iterdir()
    return repo, patch


def patchscope_search(repo: Path, patch: Path) -> set[str]:
    """The C-analysis stage in tree mode; the stale callers it reports."""
    from patchscope.core import CheckOptions
    from patchscope.csource import analyse_series
    from patchscope.csource.parse import _cached_parse
    from patchscope.csource.scan import _tokenize
    from patchscope.progress import Progress
    from patchscope.series import read_series
    from patchscope.tree import open_tree

    _cached_parse.cache_clear()  # no help from a previous run
    _tokenize.cache_clear()
    options = CheckOptions(source=str(patch), tree=str(repo))
    series = read_series(str(patch), cwd=str(repo))
    view = open_tree(options, series)
    try:
        analyse_series(series, view, options, Progress(enabled=False))
    finally:
        view.close()
    return {
        f"{f.file}:{f.line}"
        for f in series.all_findings()
        if f.check == "caller-not-updated" and f.file
    }


COLD_SCRIPT = """
import sys, time
t = time.perf_counter()
sys.path.insert(0, {root!r})
sys.argv = ["bench"]
from benchmarks.bench_callers import patchscope_search
from pathlib import Path
found = patchscope_search(Path({repo!r}), Path({patch!r}))
print(len(found), time.perf_counter() - t)
"""


def cold_process(repo: Path, patch: Path) -> tuple[float, int]:
    """Wall time of a fresh interpreter doing the search, imports included."""
    script = COLD_SCRIPT.format(root=str(ROOT), repo=str(repo), patch=str(patch))
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - t
    return wall, int(done.stdout.split()[0])


def spatch_search(repo: Path, cocci: Path, jobs: int) -> set[str]:
    cmd = ["spatch", "--sp-file", str(cocci), "--dir", str(repo), "--very-quiet", "--no-includes"]
    if jobs > 1:
        cmd += ["-j", str(jobs)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    prefix = str(repo) + "/"
    out = set()
    for line in done.stdout.splitlines():
        if ":" in line and line.startswith(prefix):
            out.add(line[len(prefix) :])
    return out


def drop_caches() -> bool:
    """Empty the kernel's page cache (root only) so that a run reads from disk."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - t, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--callers", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--spatch-runs", type=int, default=3)
    ap.add_argument("--spatch-jobs", type=int, default=1)
    ap.add_argument(
        "--drop-caches",
        action="store_true",
        help="empty the page cache before each tool's first run (needs root)",
    )
    args = ap.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        repo, patch = generate(root, args.files, args.callers)
        took = time.perf_counter() - t
        print(f"generated {args.files} files, {args.callers} callers in {took:.1f} s")
        cocci = root / "callers.cocci"
        cocci.write_text(COCCI)

        dropped = args.drop_caches and drop_caches()
        cold_wall, cold_found = cold_process(repo, patch)
        ps_times, sp_times = [], []
        ps_found: set[str] = set()
        sp_found: set[str] = set()
        for _ in range(args.runs):
            dt, ps_found = timed(patchscope_search, repo, patch)
            ps_times.append(dt)
        if dropped:
            drop_caches()
        for _ in range(args.spatch_runs):
            dt, sp_found = timed(spatch_search, repo, cocci, args.spatch_jobs)
            sp_times.append(dt)

    same = ps_found == sp_found and len(ps_found) == args.callers and cold_found == args.callers
    ps_med = statistics.median(ps_times)
    sp_med = statistics.median(sp_times)
    print(f"calls found: patchscope {len(ps_found)}, spatch {len(sp_found)}, same: {same}")
    cache = "page cache dropped" if dropped else "page cache warm"
    print(f"patchscope cold (fresh process, imports included, {cache}): {cold_wall:.2f} s")
    print(f"patchscope first run in process: {ps_times[0]:.3f} s")
    print(f"patchscope median of {len(ps_times)}: {ps_med:.3f} s")
    print(f"spatch first run ({cache}): {sp_times[0]:.2f} s (-j {args.spatch_jobs})")
    print(f"spatch median of {len(sp_times)}: {sp_med:.2f} s")
    print(f"speed-up (medians): {sp_med / ps_med:.1f}x")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
