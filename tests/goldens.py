"""Golden JSON of the series fixtures: list, produce, compare, regenerate.

    python -m tests.goldens            # compare, print what differs, exit 1 if any
    python -m tests.goldens --regen    # rewrite every golden (a deliberate act)

Each fixture that reads as a series has ``<fixture name>.golden.json`` next
to it (the seed's, owned elsewhere, under fixtures/series/).  The tests call
:func:`produce` and compare; they never write.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERIES = ROOT / "fixtures" / "series"
SEED = ROOT / "fixtures" / "seed"

# Fixtures that are not a readable series (exit 2), so they have no golden.
UNREADABLE = {
    "malformed/binary-garbage.mbox",
    "malformed/empty.mbox",
    "malformed/hunk-counts.patch",
    "malformed/no-patches.mbox",
    "malformed/truncated.mbox.gz",
}
_SUFFIXES = (".mbox", ".mbox.gz", ".patch", ".eml")


@dataclass(frozen=True)
class GoldenCase:
    source: Path  # the fixture (file or directory)
    golden: Path

    @property
    def name(self) -> str:
        return str(self.source.relative_to(ROOT))


def golden_cases() -> list[GoldenCase]:
    """Every fixture with a golden, in a stable order."""
    cases = [
        GoldenCase(SEED / name, SERIES / f"seed-{name}.golden.json")
        for name in sorted(os.listdir(SEED))
        if name.endswith(_SUFFIXES)
    ]
    for path in sorted(SERIES.rglob("*")):
        rel = str(path.relative_to(SERIES))
        if rel in UNREADABLE or path.parent.name.endswith("-dir"):
            continue
        if path.is_dir() and path.name.endswith("-dir"):
            cases.append(GoldenCase(path, path.with_name(path.name + ".golden.json")))
        elif path.is_file() and path.name.endswith(_SUFFIXES):
            cases.append(GoldenCase(path, path.with_name(path.name + ".golden.json")))
    return cases


def produce(case: GoldenCase) -> str:
    """The JSON ``patchscope check FIXTURE --format json`` prints (whole pipeline)."""
    from patchscope.commands.check import check_series
    from patchscope.core import CheckOptions
    from patchscope.render.json import render_json

    options = CheckOptions(source=str(case.source), output_format="json")
    return render_json(check_series(options), options)


def compare(case: GoldenCase) -> str | None:
    """None when the golden matches, else a unified diff (or why it is missing)."""
    actual = produce(case)
    if not case.golden.exists():
        return f"{case.golden.relative_to(ROOT)} is missing"
    expected = case.golden.read_text(encoding="utf-8")
    if actual == expected:
        return None
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            str(case.golden.relative_to(ROOT)),
            "now",
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.goldens", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regen", action="store_true", help="rewrite every golden file")
    args = parser.parse_args(argv)
    failed = 0
    for case in golden_cases():
        if args.regen:
            case.golden.write_text(produce(case), encoding="utf-8")
            print(f"wrote {case.golden.relative_to(ROOT)}")
            continue
        problem = compare(case)
        if problem:
            failed += 1
            print(problem)
    if failed:
        print(f"{failed} golden file(s) differ; `python -m tests.goldens --regen` rewrites them")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
