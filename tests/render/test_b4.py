from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchscope.core import CheckOptions, Finding, Severity
from patchscope.render.b4 import render_b4, render_b4_json
from patchscope.series import read_series

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "fixtures" / "series" / "malformed"
OPTIONS = CheckOptions(source="x", output_format="b4")


def test_lines_for_errors_and_warnings_only() -> None:
    series = read_series(str(BAD / "one-malformed.mbox"), cwd=str(ROOT))
    series.patches[0].findings.append(
        Finding("call-unknown", Severity.WARNING, "call runs\npast the hunk", "mm/user.c", 7, 1)
    )
    series.findings.append(Finding("series-note", Severity.INFO, "just so you know"))
    lines = render_b4(series, OPTIONS).splitlines()
    assert lines == [
        "WARNING: [1/3] mm/user.c:7: call runs past the hunk [call-unknown]",
        "ERROR: [2/3] malformed diff: mm/region.c: hunk '@@ -1,17 +1,18 @@' ends early: "
        "2 old and 0 new lines missing [diff-malformed]",
    ]
    items = json.loads(render_b4_json(series, OPTIONS))
    # b4 0.16's JSON check protocol: these five keys, one result per patch
    assert all(set(i) == {"tool", "status", "summary", "url", "details"} for i in items)
    assert [(i["tool"], i["status"]) for i in items] == [
        ("patchscope", "warn"), ("patchscope", "fail"), ("patchscope", "pass")]
    assert "call runs past the hunk [call-unknown]" in items[0]["details"]
    assert items[1]["summary"].startswith("[2/3] ") and "1 error(s)" in items[1]["summary"]


def test_clean_series_prints_nothing() -> None:
    series = read_series(str(ROOT / "fixtures" / "series" / "synthetic.mbox"), cwd=str(ROOT))
    for p in series.patches:
        p.findings.clear()
    series.findings.clear()
    assert render_b4(series, OPTIONS) == ""
    assert {i["status"] for i in json.loads(render_b4_json(series, OPTIONS))} == {"pass"}


def test_b4_local_check_reads_our_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """b4's own run_local_check, fed a patch on stdin as b4 does, sees only our findings."""
    import email
    import email.policy
    import shutil
    import subprocess

    import b4

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(b4, "save_cache", lambda *args, **kwargs: None)
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    monkeypatch.chdir(tmp_path / "repo")
    raw = (BAD / "dotdot-path.patch").read_bytes().split(b"\n", 1)[1]  # no From_ line
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    exe = shutil.which("patchscope") or "patchscope"
    report = b4.LoreMessage.run_local_check(
        [exe, "check", "-", "--format", "b4"], "dotdot", msg, nocache=True
    )
    assert report, report
    assert all(line.startswith(("patchscope: ERROR: ", "patchscope: WARNING: "))
               for _, line in report), report
    assert ("fail", next(line for _, line in report if "diff-unsafe-path" in line)) in report


def test_b4_review_reads_our_json_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """b4 review's own runner of external per-patch checks parses --format b4-json."""
    import email
    import email.policy
    import shutil
    import subprocess

    from b4.review import checks

    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    monkeypatch.chdir(tmp_path / "repo")
    raw = (BAD / "dotdot-path.patch").read_bytes().split(b"\n", 1)[1]  # no From_ line
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    exe = shutil.which("patchscope") or "patchscope"
    results = checks.run_perpatch_checks(
        [("<dotdot@x>", msg)], [f"{exe} check - --format b4-json"], str(tmp_path / "repo"))
    (result,) = results["<dotdot@x>"]
    assert result["tool"] == "patchscope" and result["status"] == "fail"
    assert "diff-unsafe-path" in result["details"]
    assert "invalid JSON" not in result["summary"] and "exited" not in result["summary"]
