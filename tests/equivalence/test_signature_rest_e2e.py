"""End to end: return types and attributes are part of a signature change.

Fixtures: ``fixtures/equivalence/attr-*.patch`` and their mutants, made with
``git format-patch`` from ``trees/halt`` (see fixtures/equivalence/README.md).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.csource.kernel_tree import git
from tests.equivalence.test_check_e2e import EQ, check, only_patch, verdicts


def halt_tree(tmp_path: Path) -> Path:
    """A git repository of trees/halt."""
    repo = tmp_path / "halt"
    shutil.copytree(EQ / "trees" / "halt", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "halt fixture")
    return repo


def attribute_findings(patch: dict) -> list[tuple[str, str]]:
    return [(f["severity"], f["message"]) for f in patch["findings"]
            if f["check"] == "attribute-changed"]


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
def test_a_gained_must_check_is_a_warning_and_the_proof_stands(tree: bool,
                                                               tmp_path: Path) -> None:
    extra = ("--tree", str(halt_tree(tmp_path))) if tree else ()
    rc, report = check(EQ / "attr-must-check.patch", *extra)
    patch = only_patch(report)
    assert rc == 0
    assert patch["nfc"]["verdict"] == "proved"
    found = attribute_findings(patch)
    assert len(found) == 2 and all(sev == "warning" for sev, _ in found)
    assert all("gains `__must_check`" in message for _, message in found)
    sig = patch["signature_changes"][0]
    assert sig["unproved_interface"] == []
    assert {(d["kind"], tuple(d["new_attributes"])) for d in sig["declarations"]} == {
        ("prototype", ("__must_check",)), ("definition", ("__must_check",))}
    if tree:
        # the caller the tree shows is proved too: its arguments did not change
        assert verdicts(patch) == {"cpu_down": "proved"}


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
def test_a_changed_return_type_is_never_proved(tree: bool, tmp_path: Path) -> None:
    extra = ("--tree", str(halt_tree(tmp_path))) if tree else ()
    rc, report = check(EQ / "mutant-attr-return-type.patch", *extra)
    patch = only_patch(report)
    assert rc == 1
    assert patch["nfc"]["verdict"] == "unknown"
    assert all(v != "proved" for v in verdicts(patch).values())
    messages = [m for _, m in attribute_findings(patch)]
    assert any("return type from `int` to `long`" in m for m in messages)
    sig = patch["signature_changes"][0]
    assert sig["body_verdict"]["verdict"] == "unknown"
    assert "return type" in sig["body_verdict"]["reason"]


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
def test_a_prototype_that_loses_noreturn_is_an_error(tree: bool, tmp_path: Path) -> None:
    # only the attribute changes: the parameters are the same
    extra = ("--tree", str(halt_tree(tmp_path))) if tree else ()
    rc, report = check(EQ / "mutant-attr-noreturn.patch", *extra)
    patch = only_patch(report)
    assert rc == 1
    assert patch["nfc"]["verdict"] == "unknown"
    assert [sev for sev, m in attribute_findings(patch) if "loses `__noreturn`" in m] == ["error"]
    sig = patch["signature_changes"][0]
    assert sig["function"] == "cpu_halt"
    assert sig["old_params"] == sig["new_params"]
    assert sig["declarations"][0]["old_attributes"] == ["__noreturn"]


def test_the_html_report_shows_the_rest_of_the_signature(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    check(EQ / "mutant-attr-noreturn.patch", "--html", str(out))
    page = out.read_text()
    assert "Rest of the signature" in page and "loses __noreturn" in page
    assert "attribute-changed" in page


def test_a_prototype_that_only_gains_must_check_is_proved(tmp_path: Path) -> None:
    repo = halt_tree(tmp_path)
    header = repo / "lib" / "halt.h"
    header.write_text(header.read_text().replace(
        "int cpu_prepare(", "int __must_check cpu_prepare("))
    git(repo, "commit", "-q", "-am", "lib/halt: check cpu_prepare()\n\n"
        "No functional change intended.")
    patch_file = tmp_path / "must-check.patch"
    patch_file.write_text(git(repo, "format-patch", "-1", "--stdout"))
    rc, report = check(patch_file)
    patch = only_patch(report)
    assert rc == 0 and patch["nfc"]["verdict"] == "proved"
    assert [sev for sev, _ in attribute_findings(patch)] == ["warning"]
    # the same prototype change with a body change beside it proves nothing
    source = repo / "lib" / "halt.c"
    source.write_text(source.read_text().replace("st->flags |= mask;", "st->flags = mask;"))
    git(repo, "commit", "-q", "-a", "--amend", "--no-edit")
    patch_file.write_text(git(repo, "format-patch", "-1", "--stdout"))
    rc, report = check(patch_file)
    assert rc == 1 and only_patch(report)["nfc"]["verdict"] != "proved"
