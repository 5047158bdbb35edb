"""Regenerate the report screenshots under docs/ (the README shows them).

Run from the repository root:  python -m tests.render.screenshots

- docs/seed-report.png: the real pipeline on fixtures/seed (patchscope check
  SOURCE --html), top of the page;
- docs/refuted-report.png: the real pipeline on the first fixture it refutes
  (the kernel model's mutants), down to the counterexample; while no fixture
  is refuted by the pipeline, the hand-built refuted series of
  tests/render/builders.py is used instead, and the script says so.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from patchscope.commands.check import check_series
from patchscope.core import CheckOptions, Series
from patchscope.render.html import write_html
from tests.render import builders, chromium

DOCS = builders.ROOT / "docs"
REFUTED_CANDIDATES = [
    "fixtures/equivalence/mutant-caller-limit.patch",
    "fixtures/equivalence/mutant-callee-bound.patch",
    "fixtures/equivalence/mutant-caller-pmd.patch",
]


def _checked(source: str) -> tuple[Series, CheckOptions]:
    options = CheckOptions(source=source)
    return check_series(options), options


def refuted() -> tuple[Series, CheckOptions, str]:
    for source in REFUTED_CANDIDATES:
        if not (builders.ROOT / source).exists():
            continue
        series, options = _checked(source)
        sites = [cs for p in series.patches for cs in p.call_sites]
        if any(cs.verdict and cs.verdict.counterexample for cs in sites):
            return series, options, f"pipeline on {source}"
    return builders.refuted_series(), builders.options(), "hand-built refuted series (builders)"


def shoot(series: Series, options: CheckOptions, png: Path, height: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / (png.stem + ".html")
        write_html(series, options, str(page))
        chromium.screenshot(page, png, 1280, height)


def main() -> int:
    os.chdir(builders.ROOT)  # sources are named relative to the checkout, as a user would
    DOCS.mkdir(exist_ok=True)
    series, options = _checked("fixtures/seed/free_pgtables-v1-4of9.mbox")
    shoot(series, options, DOCS / "seed-report.png", 2400)
    print(f"{DOCS / 'seed-report.png'}: pipeline on the seed")
    series, options, what = refuted()
    shoot(series, options, DOCS / "refuted-report.png", 3800)
    print(f"{DOCS / 'refuted-report.png'}: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
