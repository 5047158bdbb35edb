"""Same input, same bytes out: text, JSON and HTML across runs, hash seeds and --jobs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).parent.parent / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"


def _run(tmp_path: Path, fmt: str, hashseed: str, jobs: int, n: int) -> tuple[str, bytes]:
    html = tmp_path / f"r{n}.html"
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(SEED), "--format", fmt,
         "--jobs", str(jobs), "--scenarios", "200", "--html", str(html)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout, html.read_bytes()


def test_same_bytes_across_hash_seeds_and_jobs(tmp_path: Path) -> None:
    for fmt in ("text", "json"):
        runs = [_run(tmp_path, fmt, seed, jobs, n)
                for n, (seed, jobs) in enumerate([("0", 1), ("1", 2), ("12345", 3), ("0", 1)])]
        first = runs[0]
        assert first[0] and first[1]
        for other in runs[1:]:
            assert other[0] == first[0]
            assert other[1] == first[1]
