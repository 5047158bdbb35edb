"""Progress on stderr: totals, one line that never wraps, nothing when disabled."""

from __future__ import annotations

import io

from patchscope.commands.check import _colour
from patchscope.progress import Progress


def test_layouts_are_counted_with_totals_per_call_site() -> None:
    out = io.StringIO()
    progress = Progress(True, out, width=200)
    progress.expect_sites(3)
    progress.layouts("exit_mmap() mm/mmap.c:1313", 0, 8579)
    progress.layouts("unmap_region() mm/vma.c:488", 4000, 8579)
    progress.note("ignored: rate-limited")
    progress.done()
    text = out.getvalue()
    assert "\r\x1b[Kcall site 1/3 exit_mmap() mm/mmap.c:1313: layout 0/8,579" in text
    assert "call site 2/3 unmap_region() mm/vma.c:488: layout 4,000/8,579" in text
    assert "ignored" not in text
    assert text.endswith("\r\x1b[K")  # nothing left on the line


def test_a_note_never_wraps_past_the_width() -> None:
    out = io.StringIO()
    Progress(True, out, width=30).note("x" * 100, force=True)
    drawn = out.getvalue().removeprefix("\r\x1b[K")
    assert len(drawn) < 30 and drawn.endswith("...")


def test_disabled_progress_writes_nothing() -> None:
    out = io.StringIO()
    progress = Progress(False, out)
    progress.layouts("f()", 1, 2)
    progress.done()
    assert out.getvalue() == ""


def test_colour_choice_and_no_color(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _colour("auto", True) and not _colour("auto", False)
    assert _colour("always", False) and not _colour("never", True)
    monkeypatch.setenv("NO_COLOR", "")  # empty: not set, by https://no-color.org
    assert _colour("auto", True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _colour("auto", True) and _colour("always", True)
