"""The verdict table of every proof fixture: list, produce, compare, regenerate.

    python -m tests.equivalence.verdicts          # compare; print what changed; exit 1 if any
    python -m tests.equivalence.verdicts --regen  # rewrite fixtures/verdicts.txt (deliberate)

One line per patch and per call site of every fixture under fixtures/accounting,
fixtures/equivalence, fixtures/models, fixtures/seed and fixtures/series4, checked in mbox mode with
the default settings.  A change in prover or model that moves any of them
shows up here as a diff.  The rule for a change of the prover is that a verdict
may only move from ``unknown`` to ``proved`` (or towards a sharper refutation);
:func:`weakened` lists the moves that break it, for review.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "fixtures" / "verdicts.txt"
DIRS = ("accounting", "equivalence", "models", "seed", "series4")


def fixtures() -> list[Path]:
    out: list[Path] = []
    for name in DIRS:
        base = ROOT / "fixtures" / name
        out += sorted(p for p in base.rglob("*") if p.suffix in (".patch", ".mbox")
                      and "trees" not in p.relative_to(base).parts
                      and "tree" not in p.relative_to(base).parts)
    return out


def lines_of(path: Path) -> list[str]:
    from patchscope.commands.check import check_series
    from patchscope.core import CheckOptions

    series = check_series(CheckOptions(source=str(path)))
    name = path.relative_to(ROOT / "fixtures").as_posix()
    out = []
    for patch in series.patches:
        verdict = patch.nfc.verdict if patch.nfc is not None else "-"
        out.append(f"{name} [{patch.index}/{patch.total}]: {verdict}")
        for k, call in enumerate(patch.call_sites, 1):
            kind = call.verdict.kind.value if call.verdict is not None else "-"
            out.append(f"{name} [{patch.index}/{patch.total}] call {k}: {call.caller}() -> "
                       f"{call.function}() {call.file}: {kind}")
    return out


def produce() -> list[str]:
    return [line for path in fixtures() for line in lines_of(path)]


RANK = {"refuted": 0, "proved": 0, "not-claimed": 0, "verified": 1, "unknown": 2, "-": 2}


def weakened(old: list[str], new: list[str]) -> list[str]:
    """Lines whose verdict moved other than towards a decision: a proved or
    refuted line that became something else, or any line that became proved
    from refuted (or refuted from proved)."""
    def table(lines: list[str]) -> dict[str, str]:
        return dict(line.rsplit(": ", 1) for line in lines)  # type: ignore[misc]

    before, after = table(old), table(new)
    bad = []
    for key, was in before.items():
        now = after.get(key)
        if now is None or now == was:
            continue
        if RANK.get(now, 2) > RANK.get(was, 2) or (was, now) in (("proved", "refuted"),
                                                              ("refuted", "proved")):
            bad.append(f"{key}: {was} -> {now}")
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--regen", action="store_true", help="rewrite the table")
    args = ap.parse_args()
    new = produce()
    if args.regen:
        old = TABLE.read_text().splitlines() if TABLE.exists() else []
        TABLE.write_text("\n".join(new) + "\n")
        for line in weakened(old, new):
            print(f"weakened: {line}")
        print(f"{TABLE}: {len(new)} lines")
        return 0
    old = TABLE.read_text().splitlines()
    diff = list(difflib.unified_diff(old, new, "fixtures/verdicts.txt", "now", lineterm=""))
    print("\n".join(diff) or "no change")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
