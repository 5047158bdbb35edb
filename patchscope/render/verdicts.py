"""How verdicts are named, marked and explained, shared by the text and HTML reports.

Both reports must say the same thing about a verdict: its word, what it rests
on (a proof, N sampled scenarios, a counterexample) and nothing more.  Keeping
the wording here means the terminal and the page cannot drift apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from patchscope.core import (
    VERDICT_RANK,
    Basis,
    CallSite,
    Finding,
    Patch,
    Series,
    Severity,
    SignatureChange,
    Verdict,
    VerdictKind,
)

# The icon goes with the word so that a verdict never depends on colour.
ICONS: dict[str, str] = {
    VerdictKind.PROVED: "\u2714",  # heavy check mark
    VerdictKind.VERIFIED: "\u2248",  # almost equal: evidence, not proof
    VerdictKind.REFUTED: "\u2718",  # heavy ballot x
    VerdictKind.UNKNOWN: "?",
    VerdictKind.NOT_CLAIMED: "\u2013",  # en dash
    "none": "\u2026",
}

SEVERITY_ICONS: dict[str, str] = {
    Severity.ERROR: "\u2718",
    Severity.WARNING: "\u26a0",
    Severity.INFO: "\u2139",
}

SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


@dataclass(frozen=True)
class PatchVerdict:
    """A patch's overall verdict, with the sentence saying what it rests on."""

    kind: str  # a VerdictKind value, or "none" when nothing was decided
    basis: str  # a Basis value
    basis_text: str


def icon(kind: str | None) -> str:
    return ICONS.get(kind or "none", "?")


def _with_article(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def basis_text(verdict: Verdict) -> str:
    """What *verdict* rests on, in words; it never claims more than the basis."""
    where = f" on {verdict.arch}" if verdict.arch else ""
    seed = f", seed {verdict.seed}" if verdict.seed is not None else ""
    if verdict.basis == Basis.PROOF:
        return f"proof: {verdict.method}" if verdict.method else "proof"
    if verdict.basis == Basis.SAMPLING:
        if verdict.scenarios is not None:
            runs = _with_article(verdict.scenarios, "scenario")
            return f"sampling: no difference in {runs}{seed}{where} (evidence, not proof)"
        return f"sampling{seed}{where} (evidence, not proof)"
    if verdict.basis == Basis.COUNTEREXAMPLE:
        if verdict.scenarios is not None:
            return f"counterexample found within {verdict.scenarios} scenarios{seed}{where}"
        return f"counterexample{seed}{where}"
    return "not decided" if verdict.kind == VerdictKind.UNKNOWN else "no basis given"


def worst(kinds: list[VerdictKind]) -> VerdictKind | None:
    ranked = [k for k in kinds if k in VERDICT_RANK]
    if not ranked:
        return None
    return min(ranked, key=lambda k: VERDICT_RANK[k])


def accounting_summary(patch: Patch) -> str:
    """``41 accounted for (28 comments and layout, 9 signature, 4 call); 0 unaccounted``."""
    kinds = Counter(a.kind for a in patch.accounting if a.by is not None)
    bad = [a for a in patch.accounting if a.by is None]
    done = sum(kinds.values())
    text = f"{done} accounted for"
    if kinds:
        text += " (" + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + ")"
    text += f"; {len(bad)} unaccounted"
    if bad:
        first = bad[0]
        text += f", first {first.file}:{first.line} `{first.text.strip()}`"
    return text


def patch_verdict(patch: Patch) -> PatchVerdict:
    """The patch's verdict: the NFC result when there is one, else the worst call site."""
    sites = [cs.verdict for cs in patch.call_sites if cs.verdict is not None]
    if patch.nfc is not None:
        kind = str(patch.nfc.verdict)
        basis = patch.nfc.basis
        text = _nfc_basis_text(patch, basis, sites)
        return PatchVerdict(kind, str(basis), text)
    if not patch.claims_nfc:
        return PatchVerdict(VerdictKind.NOT_CLAIMED, Basis.NONE, "no functional-change claim")
    kind_w = worst([v.kind for v in sites])
    if kind_w is None:
        return PatchVerdict("none", Basis.NONE, "not analysed")
    worst_v = next(v for v in sites if v.kind == kind_w)
    return PatchVerdict(str(kind_w), str(worst_v.basis), basis_text(worst_v))


def _nfc_basis_text(patch: Patch, basis: Basis, sites: list[Verdict]) -> str:
    proofs = [v for v in sites if v.basis == Basis.PROOF]
    samples = [v for v in sites if v.basis == Basis.SAMPLING]
    counter = [v for v in sites if v.basis == Basis.COUNTEREXAMPLE]
    if basis == Basis.PROOF:
        methods = sorted({v.method for v in proofs if v.method})
        head = "proof"
        if methods:
            head += ": " + "; ".join(methods)
        if samples:
            head += f" (and {_sampling_summary(samples)})"
        return head
    if basis == Basis.SAMPLING:
        text = _sampling_summary(samples) if samples else "sampling"
        return text + " (evidence, not proof)"
    if basis == Basis.COUNTEREXAMPLE:
        return "counterexample" + (f": {counter[0].reason}" if counter else "")
    if patch.nfc is not None and patch.nfc.reasons:
        return patch.nfc.reasons[0]
    return "not decided"


def _sampling_summary(samples: list[Verdict]) -> str:
    runs = sum(v.scenarios or 0 for v in samples)
    seeds = sorted({v.seed for v in samples if v.seed is not None})
    arches = sorted({v.arch for v in samples if v.arch})
    text = f"{_with_article(runs, 'scenario')} sampled"
    if seeds:
        text += ", seed " + ", ".join(str(s) for s in seeds)
    if arches:
        text += ", " + ", ".join(arches)
    return text


def site_verdict(site: CallSite) -> tuple[str, str]:
    """(verdict word, basis text) of one call site; ("none", ...) when undecided."""
    if site.verdict is None:
        return "none", "not decided yet"
    return str(site.verdict.kind), basis_text(site.verdict)


def severity_rank(finding: Finding) -> int:
    order = [str(s) for s in SEVERITY_ORDER]
    sev = str(finding.severity)
    return order.index(sev) if sev in order else len(order)


def findings_by_severity(series: Series) -> list[tuple[str, list[Finding]]]:
    """Every finding of the series grouped worst severity first, empty groups left out."""
    groups: list[tuple[str, list[Finding]]] = []
    everything = series.all_findings()
    for sev in SEVERITY_ORDER:
        hits = [f for f in everything if f.severity == sev or str(f.severity) == sev]
        if hits:
            groups.append((str(sev), hits))
    known = {str(s) for s in SEVERITY_ORDER}
    rest = [f for f in everything if str(f.severity) not in known]
    if rest:
        groups.append(("other", rest))
    return groups


def count_severity(series: Series) -> dict[str, int]:
    counts = {str(s): 0 for s in SEVERITY_ORDER}
    for f in series.all_findings():
        counts[str(f.severity)] = counts.get(str(f.severity), 0) + 1
    return counts


def scenario_total(series: Series) -> int:
    """How many scenarios the sampling and counterexample verdicts ran, all call sites."""
    total = 0
    for p in series.patches:
        for cs in p.call_sites:
            if cs.verdict is not None and cs.verdict.scenarios:
                total += cs.verdict.scenarios
    return total


def interface_changes(change: SignatureChange) -> list[str]:
    """What *change*'s declarators change besides parameters, in words, for both reports."""
    out: list[str] = []
    for d in change.declarations:
        old, new = set(d.old_attributes), set(d.new_attributes)
        parts = [f"loses {a}" for a in dict.fromkeys(d.old_attributes) if a not in new]
        parts += [f"gains {a}" for a in dict.fromkeys(d.new_attributes) if a not in old]
        if d.old_return != d.new_return:
            parts.append(f"return type {d.old_return or '?'} -> {d.new_return or '?'}")
        if parts:
            out.append(f"{d.kind} {d.file}:{d.line} " + ", ".join(parts))
    return out
