"""End to end: a guard hoisted from a callee into its callers (issue 12).

The fixtures are made with ``git format-patch`` from ``trees/hoist``
(fixtures/equivalence/make_refactors.py, README.md there); the proved one and
each mutant are checked in mbox mode and in tree mode.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.csource.kernel_tree import git
from tests.equivalence.test_check_e2e import EQ, only_patch

FILE = "drivers/misc/widget.c"
LABEL = "the guard of widget_kick() hoisted into its callers"


def check(source: Path, *extra: str) -> tuple[int, dict]:
    """``check`` with ``--strict``: an unproved claim is an error, so exit 1 means unproved."""
    from tests.equivalence.test_check_e2e import check as plain

    return plain(source, "--strict", *extra)


def hoist_tree(tmp_path: Path) -> Path:
    """A git repository of trees/hoist."""
    repo = tmp_path / "hoist"
    shutil.copytree(EQ / "trees" / "hoist", repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hoist fixture")
    return repo


def _run(patch: Path, tree: bool, tmp_path: Path) -> tuple[int, dict]:
    extra = ("--tree", str(hoist_tree(tmp_path))) if tree else ()
    rc, report = check(patch, *extra)
    return rc, only_patch(report)


def _shape_reason(patch: dict, function: str = "widget_kick") -> str:
    label = f"the guard of {function}() hoisted into its callers: "
    return next(r for r in patch["nfc"]["reasons"] if r.startswith(label))


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
def test_the_hoisted_guard_is_proved(tree: bool, tmp_path: Path) -> None:
    rc, patch = _run(EQ / "proved-hoist-guard.patch", tree, tmp_path)
    assert patch["nfc"]["verdict"] == "proved", patch["nfc"]["reasons"]
    assert rc == 0
    reason = _shape_reason(patch)
    # the steps a reviewer checks: the removed guard, and each call's negation of it
    assert "`if (!w || !w->ready) return;` removed from the top of widget_kick()" in reason
    assert "widget_poll() at drivers/misc/widget.c:49: `w` := `w`" in reason
    assert "`w` := `bus->slot[1]`" in reason and "`bus->slot[1] && bus->slot[1]->ready`" in reason
    changed = [a for a in patch["accounting"] if a["text"].strip()]
    assert changed and all(a["kind"] == "refactor" and a["by"] == LABEL for a in changed)
    nfc = patch["nfc"]
    mbox_assumption = any("the 3 calls of widget_kick() in the patch are all its calls" in a
                          for a in nfc["assumptions"])
    tree_check = any("every call of widget_kick() was searched for" in c for c in nfc["checked"])
    assert (mbox_assumption, tree_check) == (not tree, tree)


# mutant -> (function, what the reason names)
MUTANTS = {
    "mutant-hoist-or": ("widget_kick", "`w || w->ready`, is not the negation"),
    "mutant-hoist-forgot": ("widget_kick", "widget_resume() at drivers/misc/widget.c:73 is "
                            "not guarded"),
    "mutant-hoist-impure": ("widget_ping", "calls widget_ready(), which may have side effects"),
    "mutant-hoist-value": ("widget_arm", "does not return void"),
}


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_mutant_is_not_proved(name: str, tree: bool, tmp_path: Path) -> None:
    function, words = MUTANTS[name]
    rc, patch = _run(EQ / f"{name}.patch", tree, tmp_path)
    assert rc == 1
    assert patch["nfc"]["verdict"] == "unknown"
    reason = _shape_reason(patch, function)
    assert "not proved" in reason and words in reason, reason
    assert any(a["by"] is None for a in patch["accounting"])


def _made(tmp_path: Path, edits: list[tuple[str, str]], name: str,
          base: list[tuple[str, str]] = ()) -> tuple[Path, Path]:
    """trees/hoist with *base* committed, and the patch of *edits* on top of it,
    written by ``git format-patch``: (the repository, the patch)."""
    repo = hoist_tree(tmp_path / name)
    path = repo / FILE
    for n, changes in enumerate((base, edits)):
        if not changes:
            continue
        text = path.read_text()
        for old, new in changes:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        path.write_text(text)
        git(repo, "commit", "-q", "-a", "-m", "widget: respell" if n == 0 else
            "widget: hoist a guard\n\nNo functional change intended.\n\n"
            "Signed-off-by: Fixture Author <fixture@example.org>")
    out = tmp_path / f"{name}.patch"
    out.write_text(git(repo, "format-patch", "-1", "--stdout"))
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    return repo, out


def _run_made(repo: Path, patch: Path, tree: bool) -> tuple[int, dict]:
    rc, report = check(patch, *(("--tree", str(repo)) if tree else ()))
    return rc, only_patch(report)


def _shape(*drop: str) -> list[tuple[str, str]]:
    from fixtures.equivalence.make_refactors import HOIST

    return [e for e in HOIST if e[0] not in drop]


def test_a_caller_the_mail_does_not_show_is_found_in_the_tree(tmp_path: Path) -> None:
    # widget_poll()'s call is left alone and lies outside every hunk: the mail
    # cannot show it, so mbox mode proves under its stated assumption, and tree
    # mode, which reads the whole file, finds the call still unguarded
    from fixtures.equivalence.make_refactors import POLL

    repo, patch = _made(tmp_path, _shape(POLL[0]), "unseen-caller")
    rc, mbox = _run_made(repo, patch, False)
    assert rc == 0 and mbox["nfc"]["verdict"] == "proved"
    assert any("the 2 calls of widget_kick() in the patch are all its calls" in a
               for a in mbox["nfc"]["assumptions"])
    rc, tree = _run_made(repo, patch, True)
    assert rc == 1 and tree["nfc"]["verdict"] == "unknown"
    assert "widget_poll() at drivers/misc/widget.c:48 is not guarded" in _shape_reason(tree)


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
@pytest.mark.parametrize(("what", "old", "new"), [
    # logically the same test, but `w->ready` is read before `w` is tested
    ("reordered", "if (w && w->ready)", "if (w->ready && w)"),
    # the argument the guard tests is not the one the call passes
    ("other argument", "if (w && w->ready)", "if (bus->first && bus->first->ready)"),
    # an `else` after the call binds to the new `if`
    ("dangling else", "\t\twidget_kick(w);\n\tbus->polls++;",
     "\t\twidget_kick(w);\n\telse\n\t\tbus->polls++;"),
    # the guard in the caller calls a function
    ("impure caller guard", "if (w && w->ready)", "if (w && widget_ready(w))"),
])
def test_a_guard_that_is_not_the_negation_is_not_proved(what: str, old: str, new: str,
                                                        tree: bool, tmp_path: Path) -> None:
    from fixtures.equivalence.make_refactors import POLL

    edits = [(POLL[0], POLL[1].replace(old, new)) if e is POLL else e for e in _shape()]
    repo, patch = _made(tmp_path, edits, what.replace(" ", "-"))
    rc, report = _run_made(repo, patch, tree)
    assert rc == 1 and report["nfc"]["verdict"] == "unknown"
    assert "not proved" in _shape_reason(report)


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
def test_the_address_of_the_callee_taken_is_not_proved(tree: bool, tmp_path: Path) -> None:
    # a call through the pointer runs without the guard
    edits = [*_shape(), ("\t\twidget_kick(w);\n\tbus->polls++;\n}",
                         "\t\twidget_kick(w);\n\tbus->polls++;\n\tbus->hook = widget_kick;\n}")]
    repo, patch = _made(tmp_path, edits, "address-taken")
    rc, report = _run_made(repo, patch, tree)
    assert rc == 1 and "used other than in a call" in _shape_reason(report)


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
def test_other_spellings_of_the_same_shape_are_proved(tree: bool, tmp_path: Path) -> None:
    # the callee: `if (unlikely(!w || w->ready == false)) { return; }`;
    # a caller: `if (w != NULL && w->ready) { f(w); }`, another `if (... && ...) f(...);`
    from fixtures.equivalence.make_refactors import POLL, SLOTS

    base = [("\tif (!w || !w->ready)\n\t\treturn;\n\n\tw->kicks++;",
             "\tif (unlikely(!w || w->ready == false)) {\n\t\treturn;\n\t}\n\n"
             "\tw->kicks++;")]
    edits = [("\tif (unlikely(!w || w->ready == false)) {\n\t\treturn;\n\t}\n\n", ""),
             (POLL[0], "\tif (w != NULL && w->ready) {\n\t\twidget_kick(w);\n\t}\n"
                       "\tbus->polls++;"), SLOTS]
    repo, patch = _made(tmp_path, edits, "respelled", base)
    rc, report = _run_made(repo, patch, tree)
    assert report["nfc"]["verdict"] == "proved", report["nfc"]["reasons"]
    assert rc == 0
    # and the same with the `&&` of one caller turned `||`: not proved
    bad = [edits[0], edits[1], (SLOTS[0], SLOTS[1].replace("[1] &&", "[1] ||"))]
    repo, patch = _made(tmp_path / "bad", bad, "respelled-or", base)
    rc, report = _run_made(repo, patch, tree)
    assert rc == 1 and report["nfc"]["verdict"] == "unknown"
