from __future__ import annotations

import json
from pathlib import Path

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
    assert [(i["severity"], i["check"], i["patch"]) for i in items] == [
        ("warning", "call-unknown", 1),
        ("error", "diff-malformed", 2),
    ]


def test_clean_series_prints_nothing() -> None:
    series = read_series(str(ROOT / "fixtures" / "series" / "synthetic.mbox"), cwd=str(ROOT))
    for p in series.patches:
        p.findings.clear()
    series.findings.clear()
    assert render_b4(series, OPTIONS) == ""
    assert json.loads(render_b4_json(series, OPTIONS)) == []
