"""The reports as the real command writes them: ``patchscope check SOURCE --html FILE``."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.report.make_hostile import HOSTILE, SCRIPT
from tests.render.builders import HOSTILE as HOSTILE_MBOX
from tests.render.builders import ROOT, SEED
from tests.render.pagescan import scan, unsafe_parts

CLI = [sys.executable, "-m", "patchscope", "check"]


def _check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=ROOT,
                          env=env or _env(), timeout=300)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    out = tmp_path_factory.mktemp("seed") / "seed.html"
    done = _check(os.path.relpath(SEED, ROOT), "--html", str(out))
    assert done.returncode == 0, done.stderr
    return done.stdout, out.read_text(encoding="utf-8")


def test_seed_page_from_the_pipeline(seed_run: tuple[str, str]) -> None:
    _, page_html = seed_run
    page = scan(page_html)
    assert unsafe_parts(page) == []
    nav = page.find("nav")[0].text
    assert "4/9" in nav and "\u2714 proved" in nav and "proof" in nav
    sites = page.find("tbody", "site")
    assert len(sites) == 3
    text = " ".join(s.text for s in sites)
    for caller in ("exit_mmap()", "unmap_region()", "vms_clear_ptes()"):
        assert caller in text
    assert text.count("\u2714 proved") == 3
    changed = page.find("td", "changed")
    assert len(changed) == 6 and "USER_PGTABLES_CEILING" in changed[1].text
    comments = [a.text for a in page.find("aside", "review")]
    assert any("David Hildenbrand" in c and "floor -> start" in c for c in comments)
    assert page.find("mark", "claim")[0].text == "No functional changes intended."


def test_seed_text_from_the_pipeline(seed_run: tuple[str, str]) -> None:
    stdout, _ = seed_run
    lines = stdout.splitlines()
    assert lines.pop(0).startswith("mode: mbox: hunks only")
    assert lines[0] == "[4/9] mm/memory: Add tree limit to free_pgtables(): proved"
    assert lines[1].startswith("    proof: substitution tree_max := ceiling")
    assert lines[-1].startswith("0 errors, 0 warnings; 1 patch: 1 proved; 3 call sites: 3 proved")
    assert "\x1b" not in stdout  # not a terminal: no colour


def test_hostile_page_from_the_pipeline(tmp_path: Path) -> None:
    out = tmp_path / "hostile.html"
    done = _check(os.path.relpath(HOSTILE_MBOX, ROOT), "--html", str(out))
    assert done.returncode in (0, 1), done.stderr
    page_html = out.read_text(encoding="utf-8")
    for s in HOSTILE:
        if "<" in s:
            assert s not in page_html, s
    page = scan(page_html)
    assert unsafe_parts(page) == []
    assert not page.find("script") and not page.find("img")
    assert page.text.count(SCRIPT) >= 4  # subject, title, code line, reply, trailer ...
    assert "\u202e" not in page_html and "<U+202E>" in page.text


def _on_a_terminal(env: dict[str, str]) -> str:
    """Run the seed check with stdout on a pseudo-terminal; return what it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([*CLI, os.path.relpath(SEED, ROOT)], stdout=follower,
                            stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_unless_no_color() -> None:
    coloured = _on_a_terminal(_env())
    assert "\x1b[32mproved\x1b[0m" in coloured
    plain = _on_a_terminal(_env(NO_COLOR="1"))
    assert "proved" in plain and "\x1b[" not in plain


@pytest.mark.parametrize("where", ["missing-dir/r.html", "."])
def test_unwritable_html_is_exit_2_with_one_line(tmp_path: Path, where: str) -> None:
    done = _check(os.path.relpath(SEED, ROOT), "--html", str(tmp_path / where))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("patchscope: --html ")
    assert "Traceback" not in done.stderr


def test_refuted_page_from_the_pipeline(tmp_path: Path) -> None:
    """A caller that passes a search limit above its ceiling: refuted, drawn, in words."""
    out = tmp_path / "refuted.html"
    done = _check("fixtures/equivalence/mutant-caller-limit.patch", "--html", str(out))
    assert done.returncode == 1, done.stderr
    assert "unmap_region() mm/vma.c:488: refuted" in done.stdout
    assert "        counterexample:" in done.stdout and "          difference: " in done.stdout
    page = scan(out.read_text(encoding="utf-8"))
    assert unsafe_parts(page) == []
    assert "\u2718 refuted" in page.find("nav")[0].text
    assert len(page.find("svg")) == 1 and page.find("rect", "vma")
    labels = [t.text for t in page.find("text")]
    assert any(t.startswith("tree_max (new)") for t in labels)
    said = {dt.text: dd.text for dt, dd in zip(page.find("dt"), page.find("dd"), strict=False)}
    assert said["Difference"] and said["Old call"] and said["New call"]
    assert said["Old call"] != said["New call"]
