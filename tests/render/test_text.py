"""The terminal report: finding lines, verdict lines with their basis, summary, colour."""

from __future__ import annotations

import re

from fixtures.report.make_hostile import SCRIPT
from patchscope.core import Basis, Finding, Severity, Verdict, VerdictKind
from patchscope.render.text import render_text
from tests.render import builders

FINDING = re.compile(r"^(?P<where>[^ :]+(?::\d+)?|\[\d+/\d+\]|series): "
                     r"(?P<sev>error|warning|info): (?P<check>[\w-]+): (?P<msg>.+)$")


def test_seed_verdict_line_says_proof() -> None:
    out = render_text(builders.seed_series(), builders.options())
    lines = out.splitlines()
    assert lines.pop(0).startswith("mode: mbox: hunks only")
    assert lines[0] == "[4/9] mm/memory: Add tree limit to free_pgtables(): proved"
    # the proof is stated once, on the patch, and the call sites refer to it
    assert lines[1] == "    proof: substitution tree_max := ceiling"
    assert out.count("substitution tree_max := ceiling") == 1
    assert "    signature of free_pgtables() mm/memory.c:390: added tree_max" in lines
    assert "    exit_mmap() mm/mmap.c:1313: proved (the proof above)" in lines
    assert "        tree_max: (none) -> next ? next->vm_start : USER_PGTABLES_CEILING" in lines
    assert lines[-1] == "0 errors, 0 warnings; 1 patch: 1 proved; 3 call sites: 3 proved"
    assert "\x1b" not in out


def test_every_finding_is_one_parsable_line() -> None:
    out = render_text(builders.refuted_series(), builders.options())
    found = [m.groupdict() for line in out.splitlines() if (m := FINDING.match(line))]
    assert [(f["where"], f["sev"], f["check"]) for f in found] == [
        ("mm/vma.c:1235", "error", "nfc-refuted"),
        ("mm/vma.c:1235", "error", "warn-reachable"),
        ("series", "info", "series-missing"),
    ]
    assert out.splitlines()[-1].startswith("2 errors, 0 warnings; 1 patch: 1 refuted;")


def test_patch_finding_without_file_names_the_patch() -> None:
    series = builders.seed_series()
    series.patches[0].findings.append(Finding("no-claim", Severity.WARNING, "two\nlines", patch=4))
    out = render_text(series, builders.options())
    assert "[4/9]: warning: no-claim: two lines" in out.splitlines()


def test_refuted_site_shows_counterexample_in_words() -> None:
    out = render_text(builders.refuted_series(), builders.options())
    assert ("    vms_clear_ptes() mm/vma.c:1235: refuted (the search limit runs past the "
            "page-table ceiling; counterexample found within 412 scenarios, seed 1 on x86_64)"
            ) in out
    assert "          arguments: floor = 0x0; ceiling = 0x600000; mm_wr_locked = true; " \
           "tree_max = 0x800000 (new only)" in out
    assert ("          new call: unlinks VMA 0, VMA 1; "
            "free_pgd_range(addr=0x400000, end=0x601000") in out


def test_sampling_verdict_says_scenarios_seed_and_arch() -> None:
    series = builders.seed_series()
    series.patches[0].nfc = None
    for site in series.patches[0].call_sites:
        site.verdict = Verdict(VerdictKind.VERIFIED, "model free_pgtables", "no difference",
                               Basis.SAMPLING, scenarios=1000, seed=5, arch="arm-lpae")
    out = render_text(series, builders.options())
    assert out.splitlines()[1].endswith(
        ": verified (sampling: no difference in 1000 scenarios, seed 5 on arm-lpae "
        "(evidence, not proof))")
    assert out.splitlines()[-1].endswith("3 call sites: 3 verified; 3000 scenarios run")


def test_colour_only_when_asked() -> None:
    plain = render_text(builders.refuted_series(), builders.options(color=False))
    coloured = render_text(builders.refuted_series(), builders.options(color=True))
    assert "\x1b[" not in plain
    assert "\x1b[1;31mrefuted\x1b[0m" in coloured and "\x1b[32mproved\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[\d;]*m", "", coloured) == plain


def test_hostile_input_cannot_drive_the_terminal() -> None:
    out = render_text(builders.hostile_series(), builders.options(color=False))
    assert "\x1b" not in out and "\u202e" not in out
    assert "<U+001B>[2J" in out and "<U+202E>evil" in out
    assert SCRIPT in out  # plain text on a terminal: shown as it is
    errors = [ln for ln in out.splitlines() if ": error: check<img" in ln]
    assert len(errors) == 1 and errors[0].startswith("mm/<a href=")
    assert errors[0].endswith("<U+200F>mark")  # the whole message, on that one line


def test_two_proofs_are_numbered_and_referred_to() -> None:
    series = builders.seed_series()
    sites = series.patches[0].call_sites
    assert sites[1].verdict is not None
    sites[1].verdict.method = "substitution tree_max := next ? next->vm_start : TOP"
    out = render_text(series, builders.options())
    assert "    proof 1: substitution tree_max := ceiling" in out
    assert "    proof 2: substitution tree_max := next ? next->vm_start : TOP" in out
    assert "proved (proof 1 above)" in out and "proved (proof 2 above)" in out


def test_lines_wrap_to_the_width_with_hanging_indents() -> None:
    plain = render_text(builders.refuted_series(), builders.options())
    out = render_text(builders.refuted_series(), builders.options(width=60))
    lines = out.splitlines()
    assert max(len(ln) for ln in plain.splitlines()) > 60
    assert all(len(ln) <= 60 or " " not in ln.strip() for ln in lines)
    # joined back, the wrapped report says exactly what the unwrapped one says
    assert " ".join(out.split()) == " ".join(plain.split())
    for before, after in zip(lines, lines[1:], strict=False):
        if len(after) - len(after.lstrip()) > len(before) - len(before.lstrip()) + 4:
            raise AssertionError(f"not a hanging indent: {before!r} / {after!r}")
    coloured = render_text(builders.refuted_series(), builders.options(width=60, color=True))
    assert re.sub(r"\x1b\[[\d;]*m", "", coloured) == out  # colour takes no columns


def test_quiet_prints_errors_and_warnings_only() -> None:
    out = render_text(builders.refuted_series(), builders.options(quiet=True))
    lines = out.splitlines()
    assert lines and all(FINDING.match(ln) for ln in lines)
    assert all(FINDING.match(ln)["sev"] in ("error", "warning") for ln in lines)
    clean = builders.seed_series()
    clean.findings = [f for f in clean.findings if f.severity != "error"]
    for p in clean.patches:
        p.findings = [f for f in p.findings if f.severity == "info"]
    assert render_text(clean, builders.options(quiet=True)) == ""
