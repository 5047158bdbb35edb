"""Tree mode on trees that are not the series' exact base: same answers, lines moved.

The seed patch is checked on ``fixtures/trees/mm`` + ``mm-extra-caller`` as
built, then on copies padded with unrelated lines (comments, blank lines,
small functions) before, between and after the functions it touches, where
every hunk applies at an offset.  Tree mode (the patch's own files) and the
whole-tree search (``mm/teardown.c``'s stale caller) must give the same
verdicts, call sites and findings, their line numbers moved by the padding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patchscope.commands.check import check_series
from patchscope.core import CheckOptions, Hunk, Series, Verdict
from patchscope.series import read_series
from patchscope.tree import open_tree
from tests.csource.kernel_tree import SEED_MBOX, build_kernel_tree, git
from tests.csource.padding import Padded, insertion_points, pad

PADDED = [
    "mm/internal.h",
    "mm/memory.c",
    "mm/mmap.c",
    "mm/vma.c",
    "tools/testing/vma/vma_internal.h",
    "mm/teardown.c",  # not in the patch: only the whole-tree search reads it
]
SCENARIOS = 200  # the answers compared are the same at any count; keep it quick
_LOCATION = re.compile(r"([\w./-]+\.[ch]):(\d+)")

LineMap = dict[str, Padded]


def _line(padded: LineMap, path: str | None, line: int | None, side: str = "new") -> object:
    if path is None or line is None or path not in padded:
        return line
    original = padded[path].original_line(line, side)
    return original if original is not None else f"padding line {line}"


def _text(padded: LineMap, text: str) -> str:
    """*text* with every ``file:line`` it names moved back to the unpadded file."""
    return _LOCATION.sub(
        lambda m: f"{m.group(1)}:{_line(padded, m.group(1), int(m.group(2)))}", text
    )


def _verdict(padded: LineMap, v: Verdict | None) -> object:
    if v is None:
        return None
    return (
        v.kind,
        _text(padded, v.method),
        _text(padded, v.reason),
        v.basis,
        v.scenarios,
        repr(v.counterexample),
        [_text(padded, s) for s in v.steps],
    )


def summary(series: Series, padded: LineMap) -> object:
    """Everything the check says, in the unpadded files' line numbers."""
    patches = []
    for p in series.patches:
        sites = sorted(
            (
                c.function,
                c.caller,
                c.file,
                _line(padded, c.file, c.line),
                _line(padded, c.file, c.old_line, "old"),
                [a.text for a in c.old_args or []],
                [a.text for a in c.new_args or []],
                c.mode,
                c.complete,
                repr(_verdict(padded, c.verdict)),
            )
            for c in p.call_sites
        )
        changes = [
            (
                s.function,
                s.file,
                _line(padded, s.file, s.line),
                repr(s.old_params),
                repr(s.new_params),
                [(d.file, _line(padded, d.file, d.line), d.kind) for d in s.declarations],
                repr(_verdict(padded, s.body_verdict)),
            )
            for s in p.signature_changes
        ]
        nfc = (
            (p.nfc.verdict, p.nfc.basis, [_text(padded, r) for r in p.nfc.reasons])
            if p.nfc
            else None
        )
        # the accounting numbers lines as the diff does: the padding changes nothing.
        # Its notes are left out: whether a tree window's 40 lines of context
        # begin inside a comment (a note, and an assumption) moves with the padding
        accounting = [
            (a.file, a.side, a.line, a.text, a.kind, a.by, a.verdict) for a in p.accounting
        ]
        patches.append((p.index, p.mode, nfc, sites, changes, accounting))
    findings = sorted(
        (f.check, f.severity, f.file, repr(_line(padded, f.file, f.line)), _text(padded, f.message))
        for f in series.all_findings()
    )
    return series.mode, patches, findings


def check(repo: Path) -> Series:
    return check_series(CheckOptions(source=str(SEED_MBOX), tree=str(repo), scenarios=SCENARIOS))


@dataclass
class Reference:
    """The seed checked on the tree as built, and what padding needs to know of it."""

    summary: object
    index: int  # the seed patch's number in its series
    old: dict[str, str]
    new: dict[str, str | None]
    hunks: dict[str, list[Hunk]]
    points: dict[str, list[int]]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    repo = build_kernel_tree(tmp_path_factory.mktemp("reference") / "tree", "mm-extra-caller")
    series = read_series(str(SEED_MBOX), cwd=str(repo))
    view = open_tree(CheckOptions(source=str(SEED_MBOX), tree=str(repo)), series)
    (patch,) = series.patches
    hunks = {fc.path: fc.hunks for fc in patch.files}
    old = {path: (repo / path).read_text() for path in PADDED}
    new = {path: view.text(path, patch.index) for path in PADDED}
    view.close()
    points = {path: insertion_points(old[path], hunks.get(path, [])) for path in PADDED}
    checked = check(repo)
    # the run compared against is a real one: calls proved, a stale caller found
    assert [c.verdict.kind for c in checked.patches[0].call_sites if c.verdict] == ["proved"] * 3
    assert "caller-not-updated" in {f.check for f in checked.all_findings()}
    assert checked.patches[0].accounting  # every changed line accounted for, or said not to be
    return Reference(summary(checked, {}), patch.index, old, new, hunks, points)


def chunk(kind: str, name: str) -> list[str]:
    """Unrelated lines of one *kind*; *name* keeps helpers' names unique in a file."""
    if kind == "blank":
        return [""]
    if kind == "note":
        return [f"/* unrelated note {name} */"]
    if kind == "block":
        return [
            "",
            "/*",
            f" * unrelated {name}: a comment of several lines,",
            " * nothing else",
            " */",
        ]
    if kind == "struct":
        return ["", f"struct pad_{name} {{", "\tint a;", "\tunsigned long b;", "};"]
    return [
        "",
        f"static int pad_{name}(int x)",
        "{",
        "\tif (x > 3)",
        "\t\treturn x - 1;",
        f"\treturn x + {len(name)};",
        "}",
    ]


KINDS = st.sampled_from(["blank", "note", "block", "struct", "function"])
PADS = st.fixed_dictionaries(
    {
        path: st.lists(st.tuples(st.integers(0, 10_000), KINDS), min_size=1, max_size=5)
        for path in PADDED
    }
)


def pad_tree(repo: Path, ref: Reference, pads: dict[str, list[tuple[int, str]]]) -> LineMap:
    """Pad *repo*'s files as *pads* draws and commit; return the line maps."""
    padded: LineMap = {}
    for n, (path, drawn) in enumerate(pads.items()):
        points = ref.points[path]
        chunks = [
            (points[i % len(points)], chunk(kind, f"{n}_{j}")) for j, (i, kind) in enumerate(drawn)
        ]
        padded[path] = pad(ref.old[path], ref.new[path], ref.hunks.get(path, []), chunks)
        (repo / path).write_text(padded[path].old)
    git(repo, "commit", "-q", "-am", "unrelated: comments, blank lines and helpers")
    return padded


@settings(max_examples=8, deadline=None)
@given(pads=PADS)
def test_padding_moves_the_lines_not_the_answers(
    reference: Reference,
    tmp_path_factory: pytest.TempPathFactory,
    pads: dict[str, list[tuple[int, str]]],
) -> None:
    repo = build_kernel_tree(tmp_path_factory.mktemp("padded") / "tree", "mm-extra-caller")
    padded = pad_tree(repo, reference, pads)
    # git applied every hunk where the padding moved it: the texts say so
    series = read_series(str(SEED_MBOX), cwd=str(repo))
    view = open_tree(CheckOptions(source=str(SEED_MBOX), tree=str(repo)), series)
    assert view.failed == {}
    for path, p in padded.items():
        assert view.text(path, reference.index) == (p.new if p.new is not None else p.old)
    view.close()
    assert summary(check(repo), padded) == reference.summary


def with_base_commit(tmp_path: Path, base_commit: str) -> Path:
    """A copy of the seed mbox whose patch names *base_commit* (as format-patch --base does)."""
    text = SEED_MBOX.read_text()
    at = text.index("-- \n2.47.2")
    copy = tmp_path / "with-base.mbox"
    copy.write_text(text[:at] + f"\nbase-commit: {base_commit}\n" + text[at:])
    return copy


@pytest.mark.parametrize("base", ["absent", "unknown", "HEAD~1"])
def test_a_tree_some_commits_past_the_base(reference: Reference, tmp_path: Path, base: str) -> None:
    """Unrelated commits add lines above the touched functions; the series names
    no base, one the tree does not have, or an older commit than HEAD."""
    repo = build_kernel_tree(tmp_path / "tree", "mm-extra-caller")
    helper = ["", "static int unrelated_helper(int x)", "{", "\treturn x * 2;", "}"]
    for path, lines in [
        ("mm/memory.c", helper),
        ("mm/vma.c", ["/* a comment that came in later */", ""] * 6),
        ("mm/mmap.c", [*helper, "", "/* and a note */"]),  # HEAD only
    ]:
        at = next(p for p in reference.points[path] if p > 0)  # after the first #include
        (repo / path).write_text(pad(reference.old[path], None, [], [(at, lines)]).old)
        git(repo, "commit", "-q", "-am", f"{path}: an unrelated change")
    source = SEED_MBOX
    if base != "absent":
        sha = git(repo, "rev-parse", base).strip() if base == "HEAD~1" else "0123456789" * 4
        source = with_base_commit(tmp_path, sha)
    series = read_series(str(source), cwd=str(repo))
    view = open_tree(CheckOptions(source=str(source), tree=str(repo)), series)
    assert view.failed == {}
    assert view.base_reason == ("HEAD" if base != "HEAD~1" else f"base-commit {sha}")
    assert [f.check for f in view.findings] == (
        ["base-commit-unknown"] if base == "unknown" else []
    )
    view.close()
    checked = check_series(CheckOptions(source=str(source), tree=str(repo), scenarios=SCENARIOS))
    sites = {
        c.caller: (c.line, c.verdict.kind if c.verdict else None)
        for c in checked.patches[0].call_sites
    }
    mmap_moved = 7 if base != "HEAD~1" else 0
    assert sites == {
        "exit_mmap": (1313 + mmap_moved, "proved"),
        "unmap_region": (488 + 12, "proved"),
        "vms_clear_ptes": (1235 + 12, "proved"),
    }
    (change,) = checked.patches[0].signature_changes
    assert {(d.file, d.line) for d in change.declarations} >= {("mm/memory.c", 390 + 5)}
