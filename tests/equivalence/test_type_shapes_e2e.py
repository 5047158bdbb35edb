"""End to end: a neutral new argument, a pure function's result passed, a flag
word become a bool, a bool become an enum (issue 12).

Each fixture is a commit on a small kernel-like tree of our own
(``trees/pool``, ``trees/mlock``, ``trees/walk``) written by ``git
format-patch`` (``fixtures/equivalence/make_shapes.py``); each has mutants
that must not be proved, in mbox mode and in tree mode.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.csource.kernel_tree import git
from tests.equivalence.test_check_e2e import EQ, only_patch, verdicts


def check(source: Path, *extra: str) -> tuple[int, dict]:
    """``check`` with ``--strict``: an unproved claim is an error, so exit 1 means unproved."""
    from tests.equivalence.test_check_e2e import check as plain

    return plain(source, "--strict", *extra)


def repository(tmp_path: Path, tree: str) -> Path:
    """A git repository of ``trees/<tree>``."""
    repo = tmp_path / tree
    shutil.copytree(EQ / "trees" / tree, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{tree} fixture")
    return repo


# fixture -> (tree, changed function, its callers the patch shows, words the proof says)
SHAPES = {
    "proved-neutral-argument": (
        "pool", "pool_refill", {"pool_init": "proved", "pool_top_up": "proved",
                                "pool_grow": "proved"},
        ["substitution extra := 0, order := 0",
         "`gfp | extra` is `gfp` when extra is 0: `|` with 0 keeps the value, and the type "
         "stays unsigned int",
         "`1 << order` is `1` when order is 0"]),
    "proved-pure-result-passed": (
        "pool", "pool_fill", {"pool_reserve": "proved", "pool_reserve_page": "proved"},
        ["order := pool_order(bytes), the value the old body computed at entry",
         "pool_order() is pure: its one body seen, `{ return bytes > 8192 ? 2 : bytes > "
         "4096; }` at mm/pool.c:"]),
    "proved-flags-to-bool": (
        "mlock", "mlock_account", {"mlock_fixup": "proved", "mlock_new_mapping": "proved",
                                   "mlock_pin": "proved", "mlock_scratch": "proved"},
        ["locked := flags & VM_LOCKED",
         "the new body only tests locked (a bool) for truth"]),
    "proved-bool-to-enum": (
        "walk", "walk_range", {"walk_all": "proved", "walk_retry": "proved",
                               "walk_careful": "proved"},
        ["old fast := !(mode == WALK_SLOW)",
         "the new `if (mode == WALK_SLOW) ... else ...` is read as `if (!(mode == WALK_SLOW))"
         " ...` with its two branches swapped",
         "the old body only tests fast (a bool) for truth"]),
}
# mutant -> (its shape, the callers that must not be proved; the rest may be)
MUTANTS = {
    "mutant-neutral-argument-one": ("proved-neutral-argument", {"pool_top_up"}),
    # `prio | extra` is an unsigned int where `prio` is an unsigned char
    "mutant-neutral-argument-char": ("proved-neutral-argument", {"pool_cost"}),
    # pool_order_cached() counts its calls: not pure
    "mutant-pure-result-impure": ("proved-pure-result-passed", {"pool_reserve",
                                                              "pool_reserve_page"}),
    "mutant-pure-result-argument": ("proved-pure-result-passed", {"pool_reserve_page"}),
    "mutant-flags-to-bool-constant": ("proved-flags-to-bool", {"mlock_fixup"}),
    "mutant-flags-to-bool-pin": ("proved-flags-to-bool", {"mlock_pin"}),
    "mutant-bool-to-enum-branch": ("proved-bool-to-enum", {"walk_all", "walk_retry",
                                                           "walk_careful"}),
    "mutant-bool-to-enum-caller": ("proved-bool-to-enum", {"walk_retry"}),
}


def _run(name: str, tree: str, in_tree: bool, tmp_path: Path) -> tuple[int, dict]:
    extra = ("--tree", str(repository(tmp_path, tree))) if in_tree else ()
    rc, report = check(EQ / f"{name}.patch", *extra)
    return rc, only_patch(report)


def _texts(patch: dict) -> str:
    out = []
    for s in patch["signature_changes"]:
        body = s["body_verdict"]
        out += [body["method"], body["reason"], *body.get("steps", [])]
    return "\n".join(out)


@pytest.mark.parametrize("in_tree", [False, True], ids=["mbox", "tree"])
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_shape_is_proved(name: str, in_tree: bool, tmp_path: Path) -> None:
    tree, function, callers, words = SHAPES[name]
    rc, patch = _run(name, tree, in_tree, tmp_path)
    assert [s["function"] for s in patch["signature_changes"]] == [function]
    assert patch["nfc"]["verdict"] == "proved", patch["nfc"]["reasons"]
    assert rc == 0
    assert verdicts(patch) == callers
    text = _texts(patch)
    for w in words:
        assert w in text, (w, text)


@pytest.mark.parametrize("in_tree", [False, True], ids=["mbox", "tree"])
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_mutant_is_not_proved(name: str, in_tree: bool, tmp_path: Path) -> None:
    shape, broken = MUTANTS[name]
    tree = SHAPES[shape][0]
    rc, patch = _run(name, tree, in_tree, tmp_path)
    assert rc == 1
    assert patch["nfc"]["verdict"] not in ("proved", "verified")
    got = verdicts(patch)
    assert broken <= set(got)
    assert all(got[c] not in ("proved", "verified") for c in broken), got


def test_the_constants_the_proof_rests_on_are_named(tmp_path: Path) -> None:
    # VM_LOCKED's value decides mlock_pin()'s `true`; the enum's decide walk_all()'s
    _, patch = _run("proved-flags-to-bool", "mlock", False, tmp_path)
    assumptions = "\n".join(patch["nfc"]["assumptions"])
    assert "VM_LOCKED = 0x2000" in assumptions and "mm/mlock.h:22" in assumptions
    _, patch = _run("proved-bool-to-enum", "walk", True, tmp_path)
    assumptions = "\n".join(patch["nfc"]["assumptions"])
    assert "WALK_FAST = 0x0" in assumptions and "WALK_SLOW = 0x1" in assumptions


def _without_define(tmp_path: Path, name: str) -> Path:
    """*name*'s patch made again with 1 line of context: the header's hunk no
    longer shows the definitions above the prototype."""
    repo = repository(tmp_path / name, SHAPES[name][0])
    git(repo, "am", "-q", str(EQ / f"{name}.patch"))
    out = tmp_path / f"{name}-U1.patch"
    out.write_text(git(repo, "format-patch", "-1", "--stdout", "-U1"))
    return out


@pytest.mark.parametrize("name,needs", [("proved-flags-to-bool", "`VM_LOCKED`"),
                                        ("proved-bool-to-enum", "`WALK_FAST`")])
def test_a_value_the_mail_does_not_show_is_not_guessed(name: str, needs: str,
                                                       tmp_path: Path) -> None:
    rc, report = check(_without_define(tmp_path, name))
    patch = only_patch(report)
    assert rc == 1 and patch["nfc"]["verdict"] != "proved"
    assert "would need the definition of" in "\n".join(patch["nfc"]["reasons"])
    assert needs in "\n".join(patch["nfc"]["reasons"])


def test_an_old_parameter_narrower_than_the_argument_is_converted(tmp_path: Path) -> None:
    # `unsigned char flags`: the old call's `vma->vm_flags` lost bit 13 on the way in,
    # so `flags & VM_LOCKED` was always 0 and `vma->vm_flags & VM_LOCKED` is not
    from fixtures.equivalence.make_shapes import MLOCK_BOOL, make_from

    tree = tmp_path / "mlock"
    shutil.copytree(EQ / "trees" / "mlock", tree)
    for name in ("mm/mlock.h", "mm/mlock.c"):
        f = tree / name
        f.write_text(f.read_text().replace("unsigned long nr, unsigned long flags)",
                                           "unsigned long nr, unsigned char flags)"))
    edits = [(path, old.replace("unsigned long flags", "unsigned char flags"), new)
             for path, old, new in MLOCK_BOOL]
    mail = tmp_path / "narrow.patch"
    mail.write_text(make_from(tree, "mm/mlock: a bool", "Callers say it.", edits))
    rc, report = check(mail)
    patch = only_patch(report)
    assert rc == 1 and patch["nfc"]["verdict"] != "proved"
    got = verdicts(patch)
    assert got["mlock_new_mapping"] not in ("proved", "verified")
    assert got["mlock_scratch"] == "proved"  # 0 is 0 in any type


@pytest.mark.parametrize("name", ["proved-flags-to-bool", "proved-bool-to-enum",
                                  "proved-pure-result-passed"])
def test_tree_mode_reads_the_definitions_the_mail_does_not_show(name: str,
                                                                tmp_path: Path) -> None:
    # with 1 line of context the mail shows no #define, enum or pool_order() body
    mail = _without_define(tmp_path, name)
    rc, report = check(mail)
    assert rc == 1 and only_patch(report)["nfc"]["verdict"] != "proved"
    rc, report = check(mail, "--tree", str(repository(tmp_path / "t", SHAPES[name][0])))
    patch = only_patch(report)
    assert rc == 0 and patch["nfc"]["verdict"] == "proved", patch["nfc"]["reasons"]
    assert "(the tree)" in "\n".join(patch["nfc"]["assumptions"] + [_texts(patch)])
