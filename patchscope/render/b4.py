"""``--format b4`` and ``--format b4-json``: findings for b4's local checks.

b4 turns every stdout line into a finding ('fail' when it holds ``ERROR:``)
and every stderr line into a failure, so these print findings and nothing
else; info-level findings are left out (b4 would show them as warnings).
"""

from __future__ import annotations

import json

from patchscope.core import CheckOptions, Finding, Series, Severity
from patchscope.render.json import finding_json, finding_sort_key

_LABEL = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING"}


def _reported(series: Series) -> list[Finding]:
    return sorted(
        (f for f in series.all_findings() if f.severity in _LABEL), key=finding_sort_key
    )


def b4_line(f: Finding, total: int) -> str:
    """One finding as a line: ``ERROR: [2/3] mm/vma.c:488: message [check]``."""
    where = ""
    if f.patch is not None and total > 1:
        where += f"[{f.patch}/{total}] "
    if f.file:
        where += f"{f.file}:{f.line}: " if f.line else f"{f.file}: "
    message = " ".join(f.message.split())
    return f"{_LABEL[f.severity]}: {where}{message} [{f.check}]"


def render_b4(series: Series, options: CheckOptions) -> str:
    """Finding lines for b4 (empty when there is nothing to report)."""
    del options
    lines = [b4_line(f, series.total) for f in _reported(series)]
    return "".join(line + "\n" for line in lines)


def render_b4_json(series: Series, options: CheckOptions) -> str:
    """The same findings as a JSON list."""
    del options
    return json.dumps([finding_json(f) for f in _reported(series)], indent=2) + "\n"
