"""Run Debian's Chromium headless on a local page: its DOM after loading, a screenshot.

Without Chromium the browser tests skip with how to get it; in CI (``CI=true``)
a missing Chromium fails them instead, so that CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT = 90


def binary() -> str:
    """The Chromium to use; skip (or fail in CI) when there is none."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    message = (
        "Chromium not found: the browser tests need it "
        "(apt-get install chromium, then run pytest tests/render again)"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def run(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="patchscope-chromium-") as profile:
        return subprocess.run(
            [binary(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=True,
        )


def dump_dom(page: Path) -> str:
    """The DOM after the page has loaded (and after any script would have run)."""
    return run(page, "--dump-dom").stdout


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2000) -> tuple[int, int]:
    """Write a PNG of the page's top; return its (width, height) as the PNG says."""
    run(page, f"--screenshot={png}", f"--window-size={width},{height}")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    w, h = struct.unpack(">II", data[16:24])
    return w, h


# Measures layout from inside the page: a copy without the CSP, plus this script.
_OVERFLOW_PROBE = """<script>
window.addEventListener('load', () => {
  const W = document.documentElement.clientWidth, out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.getBoundingClientRect().right > W + 1 && !e.closest('div.wide'))
      out.push(e.tagName + '.' + e.className);
  }
  const p = document.createElement('pre');
  p.id = 'overflow-probe';
  const wide = [...document.querySelectorAll('div.wide')].map(d => [d.scrollWidth, d.clientWidth]);
  p.textContent = JSON.stringify({scroll: document.documentElement.scrollWidth, width: W, out,
                                  wide});
  document.body.prepend(p);
});
</script>"""


def overflow(page_html: str, tmp: Path, width: int) -> dict[str, object]:
    """Whether the page scrolls sideways in a window *width* wide (a test-only copy runs JS)."""
    import json
    import re

    probe = page_html.replace('http-equiv="Content-Security-Policy"', 'name="csp-off"', 1)
    probe = probe.replace("</body>", _OVERFLOW_PROBE + "</body>", 1)
    path = tmp / f"probe-{width}.html"
    path.write_text(probe, encoding="utf-8")
    dom = run(path, "--dump-dom", f"--window-size={width},1000").stdout
    found = re.search(r'<pre id="overflow-probe">(.*?)</pre>', dom, re.S)
    assert found, "the probe did not run"
    result: dict[str, object] = json.loads(found.group(1).replace("&quot;", '"'))
    return result
