"""The whole-patch accounting on fixtures written for it (fixtures/accounting/),
in mbox mode and in tree mode on a tree where the hunks apply at an offset."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from fixtures.accounting.make_fixtures import cases
from patchscope.commands.check import check_series
from patchscope.core import CheckOptions, VerdictKind

ACC = Path(__file__).resolve().parents[2] / "fixtures" / "accounting"
# fixture -> (verdict, the first line nothing accounts for, or None)
EXPECTED = {
    "proved-region-limit.patch": ("proved", None),
    "other-function-changed.patch": ("unknown", "if (r->end > max)"),
    "line-after-call.patch": ("unknown", "freed -= 1;"),
    "body-changed.patch": ("unknown", None),
    # the second hunk's @@ line shows `region_sum(struct region *r, ...` without its
    # return type: it is still part of the body, which reads the dropped parameter
    "later-hunk-reads-dropped.patch": ("unknown", None),
    "proved-later-hunk-no-return-type.patch": ("proved", None),
    # two definitions (#ifdef/#else): a call is proved only when it holds for both
    "proved-two-definitions.patch": ("proved", None),
    "second-definition-differs.patch": ("unknown", None),
    # issue 12: a value the callee loaded at entry becomes a parameter
    "proved-entry-value-passed.patch": ("proved", None),
    "entry-value-wrong-field.patch": ("unknown", None),
    "entry-value-other-type.patch": ("unknown", None),
    "guard-without-a-caller.patch": ("unknown", None),
    # the hunk ends inside a long parameter list: the signature cannot be read
    "long-declarator-cut.patch": ("unknown",
                                  "unsigned long region_scan(struct region *r, int flags,"),
    # git diff -U0: the declarator's first line and its brace are not in the hunk
    "declarator-hunk-ends-before-brace.patch": ("unknown",
                                                "unsigned long ceiling, unsigned long limit);"),
}

# the tree shows what the hunks cut: the declarator whole
TREE_EXPECTED = {"long-declarator-cut.patch": ("proved", None)}
# a patch without context lines (-U0) has nothing to place its hunks by on a tree
# at an offset; git apply wants --unidiff-zero for it
NO_CONTEXT = {"declarator-hunk-ends-before-brace.patch"}


def _pad_at(name: str, path: str) -> int:
    """A line of *path* outside every hunk of fixture *name*: right after its first
    hunk, so that the hunks after it apply at an offset."""
    import unidiff

    for pf in unidiff.PatchSet((ACC / name).read_text()):
        if pf.path == path and pf:
            return pf[0].source_start + pf[0].source_length
    return 1


def tree(tmp_path: Path, name: str, padding: int) -> Path:
    """A git repository with fixture *name*'s base files, *padding* unrelated
    lines in each (a tree a few commits away from the base)."""
    repo = tmp_path / f"tree{padding}"
    pad = [f"/* unrelated line {i} */" for i in range(padding)]
    for path, (old, _new) in cases()[name].items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        lines = old.split("\n")
        at = _pad_at(name, path) - 1
        (repo / path).write_text("\n".join(lines[:at] + pad + lines[at:]))
    for cmd in (["init", "-q", "-b", "main"], ["add", "-A"],
                ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "base"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    return repo


def verdict(source: Path, tree_dir: Path | None = None):  # noqa: ANN201
    series = check_series(CheckOptions(source=str(source), scenarios=0,
                                       tree=str(tree_dir) if tree_dir else None))
    patch = series.patches[0]
    assert patch.nfc is not None
    return patch


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_mbox_mode(name: str) -> None:
    patch = verdict(ACC / name)
    kind, line = EXPECTED[name]
    assert patch.nfc is not None and patch.nfc.verdict == VerdictKind(kind)
    bad = [a for a in patch.accounting if a.by is None]
    if line is None:
        assert not bad
    else:
        assert bad and bad[0].text.strip() == line
        assert any(f"`{line}`" in r for r in patch.nfc.reasons)
    assert all(a.by is not None for a in patch.accounting) == (line is None)


@pytest.mark.parametrize("padding", [0, 7])
@pytest.mark.parametrize("name", sorted(set(EXPECTED) - NO_CONTEXT))
def test_tree_mode_at_an_offset(name: str, padding: int, tmp_path: Path) -> None:
    patch = verdict(ACC / name, tree(tmp_path, name, padding))
    assert patch.mode.value.startswith("tree")
    kind, line = TREE_EXPECTED.get(name, EXPECTED[name])
    assert patch.nfc is not None and patch.nfc.verdict == VerdictKind(kind), patch.nfc.reasons
    bad = [a for a in patch.accounting if a.by is None]
    assert (not bad) if line is None else (bad[0].text.strip() == line)


def test_every_changed_line_has_an_account() -> None:
    patch = verdict(ACC / "proved-region-limit.patch")
    changed = sum(1 for fc in patch.files for h in fc.hunks for dl in h.lines if dl.kind in "+-")
    assert len(patch.accounting) == changed
    assert {a.kind for a in patch.accounting} >= {"signature", "body", "call", "layout"}


def test_generated_fixtures_are_the_committed_ones(tmp_path: Path) -> None:
    from fixtures.accounting.make_fixtures import BODY, CONTEXT, SUBJECT, mail

    for name, files in cases().items():
        text = mail(SUBJECT, BODY, files, CONTEXT.get(name, 3))
        assert (ACC / name).read_text() == text, name


def test_a_call_must_hold_for_every_definition() -> None:
    patch = verdict(ACC / "second-definition-differs.patch")
    (site,) = patch.call_sites
    assert site.verdict is not None and site.verdict.kind is VerdictKind.UNKNOWN
    assert "not proved for the definition of region_release() in mm/region.c:" in (
        site.verdict.reason)


def test_tree_mode_checks_what_hunks_only_assume(tmp_path: Path) -> None:
    patch = verdict(ACC / "proved-region-limit.patch", tree(tmp_path, "proved-region-limit.patch",
                                                            3))
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.PROVED
    assert not any("hunks only" in a for a in patch.assumptions)
    assert any("spelled like" in c for c in patch.checked)
    assert any("every caller" in c for c in patch.checked)
    mbox = verdict(ACC / "proved-region-limit.patch")
    assert any("hunks only: no macro" in a for a in mbox.assumptions) and not mbox.checked


def test_a_macro_spelled_like_a_new_parameter_is_not_assumed_away(tmp_path: Path) -> None:
    repo = tree(tmp_path, "proved-region-limit.patch", 0)
    (repo / "include" / "linux" / "clash.h").write_text("#define limit 4096\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m",
                    "clash"], cwd=repo, check=True)
    patch = verdict(ACC / "proved-region-limit.patch", repo)
    assert patch.nfc is not None and patch.nfc.verdict is VerdictKind.UNKNOWN
    assert [f.check for f in patch.findings if f.check == "parameter-name-clash"]
    assert "include/linux/clash.h" in patch.nfc.reasons[0]


def test_a_call_of_a_cut_signature_change_still_gets_a_verdict() -> None:
    patch = verdict(ACC / "long-declarator-cut.patch")
    (change,) = patch.signature_changes
    assert change.function == "region_scan" and change.partial is not None
    (site,) = patch.call_sites  # the declarator is not read as a call
    assert site.caller == "region_scan_all"
    assert site.verdict is not None and site.verdict.kind is VerdictKind.UNKNOWN
    assert "does not show it whole" in site.verdict.reason
    assert not [f for f in patch.findings if f.check == "caller-not-updated"]


def test_a_proviso_with_no_call_to_check_it_is_not_a_proof() -> None:
    patch = verdict(ACC / "guard-without-a-caller.patch")
    (change,) = patch.signature_changes
    assert change.body_verdict is not None
    assert change.body_verdict.kind is VerdictKind.UNKNOWN
    assert "no call of region_span()" in change.body_verdict.reason
