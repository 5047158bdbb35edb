"""The HTML report as patchscope writes it: contents, self-containment, escaping, writing."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from fixtures.report.make_hostile import BIDI, HOSTILE, IMG, SCRIPT
from patchscope.core import Argument, Basis, CallSite, Counterexample, Verdict, VerdictKind
from patchscope.errors import UsageError
from patchscope.render.html import CSP, render_html, templates_root, write_html
from patchscope.render.text import render_text
from tests.render import builders
from tests.render.pagescan import scan, unsafe_parts


@pytest.fixture(scope="module")
def seed_page() -> str:
    return render_html(builders.seed_series(), builders.options())


@pytest.fixture(scope="module")
def refuted_page() -> str:
    return render_html(builders.refuted_series(), builders.options())


@pytest.fixture(scope="module")
def hostile_page() -> str:
    return render_html(builders.hostile_series(), builders.options())


def test_page_is_self_contained(seed_page: str, refuted_page: str) -> None:
    for page in (seed_page, refuted_page):
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
        parsed = scan(page)
        assert unsafe_parts(parsed) == []
        assert not parsed.find("script") and not parsed.find("link") and not parsed.find("img")
        assert "@import" not in page and "url(" not in page
        assert "@media print" in page and "prefers-color-scheme: dark" in page


def test_header_lists_patches_with_badges_and_reviews(seed_page: str) -> None:
    page = scan(seed_page)
    nav = page.find("nav")[0].text
    assert "4/9" in nav and "mm/memory: Add tree limit to free_pgtables()" in nav
    assert "\u2714 proved" in nav  # icon and word, not colour alone
    assert "proof: substitution tree_max := ceiling" in nav
    reviews = " ".join(e.text for e in page.find("table", "reviews"))
    assert "Lorenzo Stoakes <lorenzo.stoakes@oracle.com>" in reviews
    assert "Pedro Falcato <pfalcato@suse.de>" in reviews
    assert "Reviewed-by" in reviews and "a reply" in reviews


def test_claim_is_marked_with_its_verdict(seed_page: str, refuted_page: str) -> None:
    marks = scan(seed_page).find("mark", "claim")
    assert [m.text for m in marks] == ["No functional changes intended."]
    assert "v-proved" in (marks[0].attrs["class"] or "")
    marks = scan(refuted_page).find("mark", "claim")
    assert "v-refuted" in (marks[0].attrs["class"] or "")


def test_signature_change_marks_the_added_parameter(seed_page: str) -> None:
    page = scan(seed_page)
    added = page.find("ins", "param-added")
    assert [e.text for e in added] == ["unsigned long tree_max"]
    protos = [e.text for e in page.find("div", "proto")]
    assert protos[0].startswith("oldfree_pgtables(struct mmu_gather *tlb,")
    assert "tree_max" not in protos[0] and "tree_max" in protos[1]


def _site(page_html: str, caller: str) -> tuple[str, dict[str, tuple[str, str, bool]]]:
    """One call site's tbody: its whole text, and param -> (old, new, changed)."""
    body = re.search(
        r'<tbody class="site"[^>]*>(?:(?!</tbody>).)*?<code>' + caller + r"\(\)</code>.*?</tbody>",
        page_html,
        re.S,
    )
    assert body, caller
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body.group(0), re.S):
        cells = scan(tr)
        param = cells.find("td", "param-name")[0].text
        old, new = cells.find("td", "arg")
        changed = "changed" in (old.attrs["class"] or "")
        rows[param] = (old.text.strip(), new.text.strip(), changed)
    return scan(body.group(0)).text, rows


def test_call_site_arguments_aligned_by_parameter(seed_page: str) -> None:
    text, rows = _site(seed_page, "unmap_region")
    assert "mm/vma.c:488" in text
    assert "\u2714 proved" in text and "substitution tree_max := ceiling" in text
    assert list(rows) == ["tlb", "mas", "vma", "floor", "ceiling", "tree_max", "mm_wr_locked"]
    assert rows["tree_max"] == (
        "(none)", "next ? next->vm_start : USER_PGTABLES_CEILING (changed)", True)
    assert rows["ceiling"] == ("next ? next->vm_start : USER_PGTABLES_CEILING",) * 2 + (False,)
    assert rows["mm_wr_locked"] == ("/* mm_wr_locked = */ true",) * 2 + (False,)
    changed = re.findall(r'<td class="arg changed">', seed_page)
    assert len(changed) == 6  # tree_max, old and new, at each of the three call sites


def test_review_comments_sit_under_their_lines(seed_page: str) -> None:
    """Each comment row follows the diff row of the line it is anchored to."""
    rows = re.findall(r"<tr class=\"(add|del|ctx|hunk|comment)\"[^>]*>(.*?)</tr>", seed_page, re.S)
    last_line: tuple[str, str] | None = None
    seen = {}
    for kind, inner in rows:
        cells = [c.text for c in scan(inner).find("td")]
        if kind == "comment":
            who = scan(inner).find("p", "who")[0].text
            assert last_line is not None
            seen.setdefault(who.split(" on ")[0], []).append((who.split(" on ")[1], last_line))
        elif kind != "hunk":
            last_line = (cells[1], cells[-1])  # the code is the last cell
    david = seen["David Hildenbrand <david@redhat.com>"]
    assert david == [("mm/memory.c:380 (new side)",
                      ("380", " * @mm_wr_locked: boolean indicating if the mm is write locked"))]
    lorenzo = dict(seen["Lorenzo Stoakes <lorenzo.stoakes@oracle.com>"])
    assert lorenzo["mm/mmap.c:1314 (new side)"][1].strip().startswith(
        "USER_PGTABLES_CEILING, USER_PGTABLES_CEILING, true);")
    assert lorenzo["mm/memory.c:398 (new side)"][1].strip() == (
        "WARN_ON_ONCE(tree_max - 1 > ceiling - 1);")
    # the general "LGTM" comment has no line: shown apart, not lost
    assert "LGTM other than the nits below" in seed_page.split("not anchored to a diff line")[1]


def test_diff_is_highlighted_by_pygments(seed_page: str) -> None:
    assert '<span class="kt">unsigned</span> <span class="kt">long</span> tree_max,' in seed_page
    assert ".code .k {" in seed_page  # token colours in the inline stylesheet


def test_refuted_counterexample_drawn_and_in_words(refuted_page: str) -> None:
    page = scan(refuted_page)
    svg = page.find("svg")
    assert len(svg) == 1
    vmas = page.find("rect", "vma")
    assert len(vmas) == 2
    assert len(page.find("rect", "table-old")) == 1
    assert len(page.find("rect", "table-new")) == 2
    only = [r.attrs["class"] for r in page.find("rect", "only")]
    # VMA 1 unlinked, a longer free_pgd_range() and the PTE table at 0x600000: new only
    assert sorted(only) == ["pgd-new only", "pgd-old only", "table-new only", "unlink-new only"]
    assert "WARN fires (new call)" in [t.text for t in page.find("text")]
    labels = [t.text for t in page.find("text")]
    assert "tree_max (new): search limit" in labels and "floor" in labels
    assert "ceiling: search limit and ceiling" in labels
    assert "PMD" in labels and "PUD" in labels
    words = dict(zip((e.text for e in page.find("dt")), (e.text for e in page.find("dd")),
                     strict=False))
    assert words["Old call"].startswith("unlinks VMA 0; free_pgd_range(addr=0x400000")
    assert "WARN fires" in words["New call"]
    assert words["Difference"].startswith("the new call unlinks VMA 1")
    assert "\u2718 refuted" in page.find("nav")[0].text


def test_footer_names_version_arch_scenarios_seed(refuted_page: str) -> None:
    footer = scan(refuted_page).find("footer")[0].text
    assert "patchscope 0." in footer and "x86_64" in footer
    assert "412 scenarios run in all" in footer and "seed 1" in footer


def test_sampling_verdict_never_claims_proof() -> None:
    series = builders.seed_series()
    site = series.patches[0].call_sites[0]
    site.verdict = Verdict(VerdictKind.VERIFIED, "model free_pgtables", "no difference",
                           Basis.SAMPLING, scenarios=2400, seed=7, arch="arm-lpae")
    page = render_html(series, builders.options())
    assert ("sampling: no difference in 2400 scenarios, seed 7 on arm-lpae "
            "(evidence, not proof)") in page


@pytest.mark.parametrize(
    "cx",
    [
        Counterexample("x86_64", {}, {}, {}, {}, {}, ""),
        Counterexample("nonsense", {"vmas": "x"}, {"a": [1]}, {"b": {}}, {"unlinked": 5},
                       {"freed": [None, ["pmd"], {"level": "pte"}], "free_pgd_range": [1]}, ""),
        Counterexample("arm-lpae", {"vmas": [[0x1000, 0x2000], {"start": "0x3000"}]},
                       {"ceiling": "0x0"}, {"ceiling": 0}, {"freed": [("pud", 0)]},
                       {"freed": [{"level": "pgd", "base": 0xFFFFF000}]}, "x"),
    ],
)
def test_counterexample_shapes_never_break_the_page(cx: Counterexample) -> None:
    series = builders.refuted_series()
    verdict = series.patches[0].call_sites[2].verdict
    assert verdict is not None
    verdict.counterexample = cx
    page = render_html(series, builders.options())
    assert page.count("<svg") == 1 and "</html>" in page


def test_hostile_strings_only_escaped(hostile_page: str) -> None:
    for s in HOSTILE:
        if any(c in s for c in "<>&"):
            assert s not in hostile_page, s
    page = scan(hostile_page)
    assert "Template text: {{ 7*7 }} {% raw %}" in page.text  # data, never a template
    assert unsafe_parts(page) == []
    assert not page.find("script") and not page.find("img") and not page.find("textarea")
    text = page.text
    # shown as text: in the subject, the reply, a code line, an argument, the counterexample
    assert text.count(SCRIPT) >= 8
    assert text.count(IMG) >= 4
    assert "\u202e" not in hostile_page and "<U+202E>evil<U+202C>" in text
    assert "\x1b" not in hostile_page
    title = page.find("title")[0].text
    assert title.startswith("patchscope: mm/hostile: Add a limit <script>")


def test_bidi_controls_visible() -> None:
    series = builders.seed_series()
    series.patches[0].subject = "a" + BIDI
    page = render_html(series, builders.options())
    assert '<span class="hidden-char">&lt;U+202E&gt;</span>evil' in page


def test_templates_come_from_the_checkout_in_an_editable_install() -> None:
    assert (Path(str(templates_root())) / "report.html.j2").is_file()


# --------------------------------------------------------------------------
# Writing the file


def test_write_html_replaces_only_the_named_file(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("keep")
    out = tmp_path / "report.html"
    out.write_text("old report")
    write_html(builders.seed_series(), builders.options(), str(out))
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "report.html"]
    assert other.read_text() == "keep"
    mode = stat.S_IMODE(out.stat().st_mode)
    assert mode & 0o044 == 0o044 & ~_umask()  # readable as any new file, not 0600


def test_write_html_keeps_an_existing_reports_mode(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("old")
    out.chmod(0o600)
    write_html(builders.seed_series(), builders.options(), str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_write_html_refuses_to_overwrite_the_input(tmp_path: Path) -> None:
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(builders.SEED.read_bytes())
    with pytest.raises(UsageError, match="is the series being checked"):
        write_html(builders.seed_series(), builders.options(source=str(mbox)),
                   str(tmp_path / "." / "series.mbox"))
    assert mbox.read_bytes() == builders.SEED.read_bytes()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_write_html_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.html"
    target.write_text("")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    write_html(builders.seed_series(), builders.options(), str(link))
    assert link.is_symlink() and "<!DOCTYPE html>" in target.read_text()


@pytest.mark.parametrize("where", ["missing-dir/report.html", ".", "notes.txt/report.html"])
def test_unwritable_html_path_is_a_usage_error(tmp_path: Path, where: str) -> None:
    (tmp_path / "notes.txt").write_text("keep")
    with pytest.raises(UsageError) as err:
        write_html(builders.seed_series(), builders.options(), str(tmp_path / where))
    assert (tmp_path / "notes.txt").read_text() == "keep"
    assert "--html" in str(err.value) and "\n" not in str(err.value)
    assert err.value.exit_code == 2


def test_read_only_directory_is_a_usage_error(tmp_path: Path) -> None:
    # root writes into a mode-555 directory; sysfs refuses new files even to root
    where = tmp_path if os.geteuid() != 0 else Path("/sys")
    if where == tmp_path:
        tmp_path.chmod(0o555)
    try:
        with pytest.raises(UsageError, match="cannot write"):
            write_html(builders.seed_series(), builders.options(), str(where / "r.html"))
    finally:
        tmp_path.chmod(0o755)


def test_partial_and_undecided_series_render() -> None:
    """Nothing decided, a new caller, a removed call, no files: the page still says so."""
    series = builders.seed_series()
    patch = series.patches[0]
    patch.nfc = None
    patch.files = []
    patch.call_sites = [
        CallSite("free_pgtables", "new_caller", "mm/new.c", 10, None, None,
                 [Argument("&tlb")], complete=False, incomplete_reason="runs past the hunk"),
        CallSite("free_pgtables", "old_caller", "mm/old.c", 20, 20, [Argument("x")], None),
    ]
    page = render_html(series, builders.options())
    text = scan(page).text
    assert "new caller" in text and "call removed" in text
    assert "Incomplete: runs past the hunk" in text
    assert "\u2026 not decided" in text
    empty = builders.seed_series()
    empty.patches = []
    assert "No patch could be read." in scan(render_html(empty, builders.options())).text
    assert render_text(empty, builders.options()).splitlines()[-1].startswith(
        "0 errors, 0 warnings; 0 patches; 0 call sites")


def test_claim_wrapped_over_two_lines_is_still_marked() -> None:
    series = builders.seed_series()
    patch = series.patches[0]
    patch.body = patch.body.replace("No functional changes intended.",
                                    "No functional\nchanges intended.")
    page = scan(render_html(series, builders.options()))
    assert [m.text for m in page.find("mark", "claim")] == ["No functional\nchanges intended."]


def test_findings_link_to_their_call_site_and_diff_line(refuted_page: str) -> None:
    parsed = scan(refuted_page)
    ids = {e.attrs.get("id") for e in parsed.elements}
    items = re.findall(r"<li>.*?</li>", refuted_page, re.S)
    refuted = [li for li in items if "nfc-refuted" in li]
    assert len(refuted) == 2  # in the findings by severity, and in the patch
    for li in refuted:
        targets = dict((label, href) for href, label in
                       re.findall(r'<a class="goto" href="#([^"]+)">([^<]+)</a>', li))
        assert set(targets) == {"call site", "diff line"}, li
        assert targets["call site"] in ids and targets["diff line"] in ids
        # the call site's row group is vms_clear_ptes()'s, the diff row its line 1235
        group = re.search(rf'<tbody class="site" id="{targets["call site"]}">(.*?)</tbody>',
                          refuted_page, re.S)
        assert group and "vms_clear_ptes" in group.group(1)
        row = re.search(rf'<tr class="\w+" id="{targets["diff line"]}">(.*?)</tr>',
                        refuted_page, re.S)
        assert row and "<td class=\"ln\">1235</td>" in row.group(1), row


def test_message_id_links_to_its_archive_thread(seed_page: str) -> None:
    series = builders.seed_series()
    mid = series.patches[0].message_id.strip("<>")
    links = [e.attrs.get("href") for e in scan(seed_page).find("a")]
    external = [h for h in links if h and not h.startswith("#")]
    assert external and set(external) == {f"https://lore.kernel.org/r/{mid}/"}
    assert unsafe_parts(scan(seed_page)) == []  # a plain link: nothing is loaded
