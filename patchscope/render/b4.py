"""``--format b4`` and ``--format b4-json``: findings for b4's checks.

``--format b4`` is for ``b4 prep --check`` and ``b4 am --check``: b4 turns
every stdout line into a finding ('fail' when it holds ``ERROR:``) and every
stderr line into a failure, so it prints findings and nothing else;
info-level findings are left out (b4 would show them as warnings).

``--format b4-json`` speaks the JSON check protocol of b4 0.16's ``b4 review``
(``review-perpatch-check-cmd``): a list of objects with exactly ``tool``,
``status`` (``pass``, ``warn`` or ``fail``), ``summary``, ``url`` and
``details``, one per patch.
"""

from __future__ import annotations

import json

from patchscope.core import CheckOptions, Finding, Series, Severity
from patchscope.render.json import finding_sort_key

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


def _status(findings: list[Finding]) -> str:
    if any(f.severity is Severity.ERROR for f in findings):
        return "fail"
    return "warn" if findings else "pass"


def render_b4_json(series: Series, options: CheckOptions) -> str:
    """One b4 check result per patch; series-wide findings go with each."""
    del options
    reported = _reported(series)
    results = []
    for patch in series.patches:
        mine = [f for f in reported if f.patch in (None, patch.index)]
        verdict = patch.nfc.verdict.value if patch.nfc else "unknown"
        errors = sum(1 for f in mine if f.severity is Severity.ERROR)
        summary = f"[{patch.index}/{patch.total}] {verdict}"
        if mine:
            summary += f": {errors} error(s), {len(mine) - errors} warning(s)"
        details = [b4_line(f, series.total) for f in mine]
        if not details and patch.nfc:
            details = [" ".join(r.split()) for r in patch.nfc.reasons]
        results.append({
            "tool": "patchscope",
            "status": _status(mine),
            "summary": summary,
            "url": "",
            "details": "\n".join(details),
        })
    return json.dumps(results, indent=2) + "\n"
