"""--timeout bounds a whole run: the report comes out, unfinished patches unknown."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from patchscope import budget
from patchscope.main import main

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


class _Clock:
    """A monotonic clock that moves one second each time it is read: the budget
    runs out after a known number of checks, whatever the machine's speed (a test
    timed by the wall clock passed on a slow machine and failed on a fast one)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


def test_timeout_leaves_a_report_with_unfinished_patches_unknown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    src = _series(tmp_path, 12)
    monkeypatch.setattr(budget, "time", _Clock())
    try:
        code = main(["check", str(src), "--format", "json", "--timeout", "14"])
    finally:
        # the deadline is on the fake clock: left set, every later check in
        # this process would find it long past
        budget.start(None)
    assert code in (0, 1)
    report = json.loads(capsys.readouterr().out)
    verdicts = [p["nfc"]["verdict"] for p in report["patches"]]
    assert len(verdicts) == 12
    unfinished = [p for p in report["patches"]
                  if any("--timeout of 14 s" in r for r in p["nfc"]["reasons"])]
    # the clock is read once to start and once per patch in each of the two
    # stages (C analysis, decision): 12 + 1 readings fit in 14 s, so all patches
    # are analysed, the first is decided and the budget runs out on the rest
    assert verdicts[0] == "proved", verdicts
    assert unfinished and len(unfinished) < 12, verdicts
    assert all(p["nfc"]["verdict"] == "unknown" for p in unfinished)
    assert verdicts.index("unknown") == report["patches"].index(unfinished[0])


def test_no_timeout_changes_nothing(tmp_path: Path) -> None:
    src = _series(tmp_path, 1)
    runs = [subprocess.run([sys.executable, "-m", "patchscope", "check", str(src), *extra],
                           capture_output=True, text=True, timeout=300).stdout
            for extra in ([], ["--timeout", "600"])]
    assert runs[0] == runs[1] and "proved" in runs[0]
