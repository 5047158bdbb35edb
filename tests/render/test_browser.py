"""The report in a real browser (headless Chromium): what a reviewer sees, and that nothing runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.report.make_hostile import HOSTILE, SCRIPT
from patchscope.core import Series
from patchscope.render.html import render_html
from tests.render import builders, chromium
from tests.render.builders import HOSTILE as HOSTILE_MBOX
from tests.render.builders import ROOT, SEED
from tests.render.pagescan import PageScan, scan, unsafe_parts


def _load(series: Series, tmp_path: Path, name: str) -> tuple[str, PageScan]:
    page = tmp_path / f"{name}.html"
    page.write_text(render_html(series, builders.options()), encoding="utf-8")
    dom = chromium.dump_dom(page)
    return dom, scan(dom)


def _rows_by_param(dom: PageScan, caller: str) -> dict[str, tuple[str, str]]:
    """param -> (old, new) for the call site of *caller*, read from the DOM in order."""
    rows: dict[str, tuple[str, str]] = {}
    current = None
    cells: list[str] = []
    for e in dom.elements:
        if e.tag == "th" and e.text.startswith(caller + "()"):
            current = caller
        elif e.tag == "th" and "calls" in e.text:
            current = None
        if current and e.tag == "td" and (e.attrs.get("class") or "").split()[:1] in (
            ["param-name"], ["arg"]
        ):
            cells.append(e.text.strip())
            if len(cells) == 3:
                rows[cells[0]] = (cells[1], cells[2])
                cells = []
    return rows


def test_seed_report_in_the_browser(tmp_path: Path) -> None:
    dom_text, dom = _load(builders.seed_series(), tmp_path, "seed")
    assert unsafe_parts(dom) == []
    badges = [e.text for e in dom.find("span", "verdict")]
    assert badges.count("\u2714 proved") >= 5  # patch list, heading, claim, 3 call sites
    rows = _rows_by_param(dom, "exit_mmap")
    assert rows["tree_max"] == ("(none)", "USER_PGTABLES_CEILING (changed)")
    assert rows["ceiling"] == ("USER_PGTABLES_CEILING", "USER_PGTABLES_CEILING")
    rows = _rows_by_param(dom, "vms_clear_ptes")
    assert rows["tree_max"] == ("(none)", "vms->unmap_end (changed)")
    comments = [e.text for e in dom.find("aside", "review")]
    assert any(c.startswith("David Hildenbrand <david@redhat.com> on mm/memory.c:380")
               for c in comments)
    # anchored: the comment row comes right after the row of line 380 in the DOM
    at = dom_text.index("@mm_wr_locked: boolean indicating if the mm is write locked")
    assert dom_text.index("<tr", at) == dom_text.index('<tr class="comment">', at)
    assert dom.find("mark", "claim")[0].text == "No functional changes intended."
    w, h = chromium.screenshot(tmp_path / "seed.html", tmp_path / "seed.png")
    assert (w, h) == (1280, 2000)


def test_refuted_report_in_the_browser(tmp_path: Path) -> None:
    _, dom = _load(builders.refuted_series(), tmp_path, "refuted")
    assert unsafe_parts(dom) == []
    assert "\u2718 refuted" in [e.text for e in dom.find("span", "verdict")]
    assert len(dom.find("svg")) == 1 and len(dom.find("rect", "vma")) == 2
    rows = _rows_by_param(dom, "vms_clear_ptes")
    assert rows["tree_max"] == ("(none)", "vms->unmap_end + PMD_SIZE (changed)")
    words = {dt.text: dd.text for dt, dd in zip(dom.find("dt"), dom.find("dd"), strict=False)}
    assert words["Difference"].startswith("the new call unlinks VMA 1")
    chromium.screenshot(tmp_path / "refuted.html", tmp_path / "refuted.png")


def test_hostile_report_runs_nothing(tmp_path: Path) -> None:
    series = builders.hostile_series()
    dom_text, dom = _load(series, tmp_path, "hostile")
    assert not dom.find("script") and not dom.find("img") and not dom.find("textarea")
    assert unsafe_parts(dom) == []
    body = dom.find("body")[0]
    assert "data-pwned" not in body.attrs
    assert dom.find("title")[0].text == f"patchscope: {series.subject}"
    assert "PWNED" != dom.find("title")[0].text
    for s in HOSTILE:
        if "<" in s:
            assert s not in dom_text
    assert dom.text.count(SCRIPT) >= 8  # still shown, as text


def test_csp_stops_script_even_if_escaping_failed(tmp_path: Path) -> None:
    """Defence in depth: a script smuggled into the page is blocked by the page's CSP."""
    html = render_html(builders.seed_series(), builders.options())
    smuggled = html.replace("<main>", f"<main>{SCRIPT}", 1)
    page = tmp_path / "smuggled.html"
    page.write_text(smuggled, encoding="utf-8")
    dom = scan(chromium.dump_dom(page))
    assert dom.find("script")  # it is there ...
    assert "data-pwned" not in dom.find("body")[0].attrs  # ... and did not run


def test_canary_script_does_run_without_csp(tmp_path: Path) -> None:
    """The checks above can fail: the same payload runs in a page without a CSP."""
    page = tmp_path / "canary.html"
    page.write_text(f"<!DOCTYPE html><html><head><title>t</title></head><body>{SCRIPT}</body>")
    dom = scan(chromium.dump_dom(page))
    assert dom.find("body")[0].attrs.get("data-pwned") == "script"
    assert dom.find("title")[0].text == "PWNED"


def test_dark_scheme_differs_from_light(tmp_path: Path) -> None:
    page = tmp_path / "refuted.html"
    page.write_text(render_html(builders.refuted_series(), builders.options()), encoding="utf-8")
    shots = {}
    for scheme, extra in (("light", []), ("dark", ["--force-dark-mode"])):
        png = tmp_path / f"{scheme}.png"
        # --force-dark-mode makes prefers-color-scheme: dark match
        chromium.run(page, *extra, f"--screenshot={png}", "--window-size=800,600")
        shots[scheme] = png.read_bytes()
    assert shots["light"] != shots["dark"]


def test_pipeline_pages_in_the_browser(tmp_path: Path) -> None:
    """The pages the real command writes, for the seed and the hostile fixture."""
    for name, source in (("seed", SEED), ("hostile", HOSTILE_MBOX)):
        out = tmp_path / f"{name}.html"
        done = subprocess.run(
            [sys.executable, "-m", "patchscope", "check", os.path.relpath(source, ROOT),
             "--html", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert done.returncode in (0, 1), done.stderr
        dom_text = chromium.dump_dom(out)
        dom = scan(dom_text)
        assert unsafe_parts(dom) == [] and not dom.find("script")
        assert "data-pwned" not in dom.find("body")[0].attrs
        assert "PWNED" != dom.find("title")[0].text
        if name == "seed":
            assert [e.text for e in dom.find("span", "verdict")].count("\u2714 proved") >= 5
            assert len(dom.find("td", "changed")) == 6
            assert len(dom.find("aside", "review")) == 11
        else:
            for s in HOSTILE:
                if "<" in s:
                    assert s not in dom_text


@pytest.mark.parametrize("width", [600, 1280])
def test_page_never_scrolls_sideways(tmp_path: Path, width: int) -> None:
    """Long unbreakable input (the hostile series) wraps; only the call-site table may scroll."""
    for series in (builders.refuted_series(), builders.hostile_series()):
        found = chromium.overflow(render_html(series, builders.options()), tmp_path, width)
        assert found["scroll"] == found["width"], found
        assert found["out"] == [], found


def test_the_call_site_table_fits_an_800_px_window(tmp_path: Path) -> None:
    """No sideways scrolling of the call-site table itself in an 800 px wide window."""
    for series in (builders.seed_series(), builders.refuted_series()):
        found = chromium.overflow(render_html(series, builders.options()), tmp_path, 800)
        wide = found["wide"]
        assert isinstance(wide, list) and wide, found
        assert all(scroll <= client for scroll, client in wide), found
        assert found["scroll"] == found["width"] and found["out"] == [], found


def test_missing_chromium_skips_outside_ci_and_fails_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on this PATH
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        chromium.binary()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        chromium.binary()


def test_pipeline_refuted_page_in_the_browser(tmp_path: Path) -> None:
    out = tmp_path / "refuted.html"
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check",
         "fixtures/equivalence/mutant-caller-limit.patch", "--html", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 1, done.stderr
    dom = scan(chromium.dump_dom(out))
    assert unsafe_parts(dom) == [] and not dom.find("script")
    assert "\u2718 refuted" in [e.text for e in dom.find("span", "verdict")]
    rows = _rows_by_param(dom, "unmap_region")
    assert rows["tree_max"] == ("(none)", "USER_PGTABLES_CEILING (changed)")
    assert len(dom.find("svg")) == 1 and dom.find("rect", "unlink-new")
    w, h = chromium.screenshot(out, tmp_path / "refuted.png")
    assert (w, h) == (1280, 2000)
