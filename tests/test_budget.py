"""--timeout bounds a whole run: the report comes out, unfinished patches unknown."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

SEED = Path(__file__).parent.parent / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"


def _series(tmp_path: Path, n: int) -> Path:
    mail = SEED.read_text()
    out = []
    for i in range(1, n + 1):
        m = re.sub(r"\[PATCH v1 4/9\]", f"[PATCH v1 {i}/{n}]", mail)
        m = re.sub(r"Message-ID: <[^>]+>", f"Message-ID: <p{i}@example.org>", m)
        out.append(m)
    path = tmp_path / "series.mbox"
    path.write_text("".join(out))
    return path


def test_timeout_leaves_a_report_with_unfinished_patches_unknown(tmp_path: Path) -> None:
    src = _series(tmp_path, 12)
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(src), "--format", "json",
         "--timeout", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    verdicts = [p["nfc"]["verdict"] for p in report["patches"]]
    assert len(verdicts) == 12
    unfinished = [p for p in report["patches"]
                  if any("--timeout of 1 s" in r for r in p["nfc"]["reasons"])]
    assert unfinished, verdicts  # 12 full checks do not fit in one second
    assert all(p["nfc"]["verdict"] == "unknown" for p in unfinished)


def test_no_timeout_changes_nothing(tmp_path: Path) -> None:
    src = _series(tmp_path, 1)
    runs = [subprocess.run([sys.executable, "-m", "patchscope", "check", str(src), *extra],
                           capture_output=True, text=True, timeout=300).stdout
            for extra in ([], ["--timeout", "600"])]
    assert runs[0] == runs[1] and "proved" in runs[0]
