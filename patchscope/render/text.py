"""The terminal report (``--format text``).

Layout, top to bottom:

- the mode line: what the analysis saw (``mode: mbox: hunks only ...``);
- per patch, a verdict line ``[4/9] subject: verdict (what it rests on)``,
  then one indented line per call site and, for a refuted one, the
  counterexample in words;
- one line per finding, ``file:line: severity: check: message``, right after
  its patch; a finding without a file is ``[M/T]: severity: ...`` for a patch
  and ``series: severity: ...`` for the series as a whole, so that every
  finding line splits on ``": "`` into the same four fields;
- a summary line: ``N errors, M warnings; ...``.

Input text is printed with control and bidi characters spelled out, so that a
hostile subject cannot move the cursor or reorder what the reviewer reads.
Colour only when ``options.color`` (a terminal, no NO_COLOR).
"""

from __future__ import annotations

import re
from collections import Counter

from patchscope.core import AnalysisMode, CallSite, CheckOptions, Finding, Patch, Series
from patchscope.render import verdicts
from patchscope.render.counterexample import words
from patchscope.render.diffview import visible

_COLOURS = {
    "proved": "32",
    "verified": "36",
    "refuted": "1;31",
    "unknown": "33",
    "none": "33",
    "not-claimed": "2",
    "error": "1;31",
    "warning": "33",
    "info": "34",
    "bold": "1",
    "dim": "2",
}


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, key: str) -> str:
        code = _COLOURS.get(key)
        if not self.enabled or code is None:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"


def one_line(text: object) -> str:
    """Input text made safe for one terminal line."""
    return " ".join(visible(str(text)).split())


def _where(f: Finding, series: Series) -> str:
    if f.file:
        return one_line(f.file) + (f":{f.line}" if f.line else "")
    if f.patch is not None:
        return f"[{f.patch}/{series.total}]"
    return "series"


def finding_line(f: Finding, series: Series, paint: _Painter | None = None) -> str:
    """``file:line: severity: check: message`` for one finding."""
    paint = paint or _Painter(False)
    sev = str(f.severity)
    return f"{_where(f, series)}: {paint(sev, sev)}: {one_line(f.check)}: {one_line(f.message)}"


def _verdict_word(kind: str, paint: _Painter) -> str:
    word = "not decided" if kind == "none" else kind
    return paint(word, kind)


def _proofs(patch: Patch) -> list[str]:
    """The distinct proofs of the patch's call sites, in the order they come."""
    out: list[str] = []
    for site in patch.call_sites:
        v = site.verdict
        if v is not None and v.basis == "proof" and v.method and v.method not in out:
            out.append(v.method)
    return out


def _proof_name(proofs: list[str], method: str) -> str:
    return "the proof above" if len(proofs) == 1 else f"proof {proofs.index(method) + 1} above"


def _site_line(site: CallSite, paint: _Painter, proofs: list[str]) -> list[str]:
    kind, _ = verdicts.site_verdict(site)
    how = ""
    if site.verdict is not None:
        v = site.verdict
        if v.basis == "proof":
            how = _proof_name(proofs, v.method) if v.method in proofs else f"proof: {v.method}"
        else:
            how = verdicts.basis_text(v)
        if v.reason and v.basis != "proof":
            how = f"{one_line(v.reason)}; {how}"
    lines = [
        f"    {one_line(site.caller)}() {one_line(site.file)}:{site.line}: "
        f"{_verdict_word(kind, paint)}" + (f" ({one_line(how)})" if how else "")
    ]
    for row in site.aligned():
        if not row.changed:
            continue
        old = one_line(row.old.text) if row.old else "(none)"
        new = one_line(row.new.text) if row.new else "(none)"
        lines.append(f"        {one_line(row.param or '?')}: {old} -> {new}")
    if not site.complete:
        why = site.incomplete_reason or "the call runs past what is visible"
        lines.append(f"        incomplete: {one_line(why)}")
    cx = site.verdict.counterexample if site.verdict is not None else None
    if cx is not None:
        lines.append("        counterexample:")
        lines.extend(f"          {head.lower()}: {one_line(text)}" for head, text in words(cx))
    return lines


def _patch_block(patch: Patch, series: Series, paint: _Painter) -> list[str]:
    pv = verdicts.patch_verdict(patch)
    head = paint(f"[{patch.index}/{patch.total}] {one_line(patch.subject)}", "bold")
    # a proof is stated once, here, and the call sites it covers refer to it
    proofs = _proofs(patch) if pv.basis == "proof" else []
    if proofs:
        also = pv.basis_text.rpartition(" (and ")
        extra = f" (and {one_line(also[2])}" if also[1] else ""
        lines = [f"{head}: {_verdict_word(pv.kind, paint)}{extra}"]
        for n, method in enumerate(proofs, 1):
            label = "proof" if len(proofs) == 1 else f"proof {n}"
            lines.append(f"    {label}: {one_line(method)}")
    else:
        lines = [f"{head}: {_verdict_word(pv.kind, paint)} ({one_line(pv.basis_text)})"]
    if patch.accounting:
        lines.append(f"    changed lines: {one_line(verdicts.accounting_summary(patch))}")
    if patch.assumptions and pv.kind in ("proved", "not-claimed"):
        lines.append(f"    assumes: {one_line('; '.join(patch.assumptions))}")
    if patch.checked and pv.kind in ("proved", "not-claimed"):
        lines.append(f"    checked: {one_line('; '.join(patch.checked))}")
    for change in patch.signature_changes:
        parts = [f"added {one_line(n)}" for n in change.added]
        parts += [f"removed {one_line(n)}" for n in change.removed]
        parts += [f"renamed {one_line(r.old)} -> {one_line(r.new)}" for r in change.renamed]
        parts += [f"moved {one_line(n)}" for n in change.moved]
        parts += [one_line(words) for words in verdicts.interface_changes(change)]
        if change.partial:
            parts = [f"not wholly visible: {one_line(change.partial)}"]
        lines.append(
            f"    signature of {one_line(change.function)}() "
            f"{one_line(change.file)}:{change.line}: "
            + ("; ".join(parts) or "parameter types changed")
        )
    for site in patch.call_sites:
        lines.extend(_site_line(site, paint, proofs))
    order = sorted(patch.findings, key=verdicts.severity_rank)
    lines.extend(finding_line(f, series, paint) for f in order)
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def summary_line(series: Series) -> str:
    counts = verdicts.count_severity(series)
    errors, warnings = counts.get("error", 0), counts.get("warning", 0)
    text = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"
    patch_kinds = Counter(verdicts.patch_verdict(p).kind for p in series.patches)
    n = len(series.patches)
    text += f"; {n} patch{'es' if n != 1 else ''}"
    if patch_kinds:
        text += ": " + ", ".join(f"{c} {k}" for k, c in sorted(patch_kinds.items()))
    site_kinds = Counter(verdicts.site_verdict(s)[0] for p in series.patches for s in p.call_sites)
    sites = sum(site_kinds.values())
    text += f"; {sites} call site{'s' if sites != 1 else ''}"
    if site_kinds:
        text += ": " + ", ".join(f"{c} {k}" for k, c in sorted(site_kinds.items()))
    ran = verdicts.scenario_total(series)
    if ran:
        text += f"; {ran} scenarios run"
    return text


_MODE_SAYS = {
    AnalysisMode.MBOX: "hunks only (--tree DIR: whole files and every caller in the tree)",
    AnalysisMode.TREE: "whole files of what the series touches",
    AnalysisMode.TREE_WHOLE: "whole files and every caller in the tree",
}


def mode_line(series: Series, options: CheckOptions) -> str:
    """``mode: tree-whole, --tree . (implied: ...): what it sees``: what the answer rests on."""
    text = f"mode: {series.mode.value}"
    if options.tree and series.mode is not AnalysisMode.MBOX:
        text += f", --tree {one_line(options.tree)}"
        if options.tree_implied:
            text += " (implied: revisions of the checkout it runs in)"
    return f"{text}: {_MODE_SAYS[series.mode]}"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def wrap(line: str, width: int | None) -> list[str]:
    """*line* broken at spaces to *width* columns, continuation lines hanging
    four columns deeper than the line's own indent (colour codes take none)."""
    if width is None or len(_ANSI.sub("", line)) <= width:
        return [line]
    indent = len(line) - len(line.lstrip(" "))
    hang = " " * min(indent + 4, width // 2)
    out: list[str] = []
    current, used, empty = " " * indent, indent, True
    for word in line[indent:].split(" "):
        size = len(_ANSI.sub("", word))
        if not empty and used + 1 + size > width:
            out.append(current)
            current, used, empty = hang, len(hang), True
        if empty:
            current, used, empty = current + word, used + size, False
        else:
            current, used = f"{current} {word}", used + 1 + size
    out.append(current)
    return out


def render_text(series: Series, options: CheckOptions) -> str:
    """The whole terminal report, ending in a newline.

    ``options.quiet``: the error and warning lines alone (nothing at all when
    there are none).  ``options.width``: lines wrapped to that many columns.
    """
    paint = _Painter(options.color)
    if options.quiet:
        shown = sorted((f for f in series.all_findings() if f.severity != "info"),
                       key=verdicts.severity_rank)
        lines = [finding_line(f, series, paint) for f in shown]
    else:
        lines = [paint(mode_line(series, options), "dim")]
        for patch in series.patches:
            lines.extend(_patch_block(patch, series, paint))
        order = sorted(series.findings, key=verdicts.severity_rank)
        lines.extend(finding_line(f, series, paint) for f in order)
        summary = summary_line(series)
        lines.append(paint(summary,
                           "error" if "0 errors" not in summary.split(";")[0] else "bold"))
    if not lines:
        return ""
    return "".join(part + "\n" for line in lines for part in wrap(line, options.width))
