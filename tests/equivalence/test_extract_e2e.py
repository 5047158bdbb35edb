"""End to end: a block of a function turned into a new static helper it calls (issue 12).

The fixtures are made with ``git format-patch`` from ``trees/hoist``
(fixtures/equivalence/make_refactors.py, README.md there); the proved one and
each mutant are checked in mbox mode and in tree mode, and so are the
variants made here, each breaking one condition of the rule.
"""

from __future__ import annotations

import pytest

from tests.equivalence.test_check_e2e import EQ
from tests.equivalence.test_hoist_e2e import _made, _run, _run_made

LABEL = "the helper widget_drain_kick() and its one call"


def _reason(patch: dict) -> str:
    return next(r for r in patch["nfc"]["reasons"] if r.startswith(LABEL + ": "))


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
def test_the_extracted_helper_is_proved(tree: bool, tmp_path) -> None:
    rc, patch = _run(EQ / "proved-extract-helper.patch", tree, tmp_path)
    assert patch["nfc"]["verdict"] == "proved", patch["nfc"]["reasons"]
    assert rc == 0
    reason = _reason(patch)
    assert "widget_drain_kick() inlined at its one call: `w` := `w`, `n` := `count`; the " \
           "inlined block equals the old lines 88-89 of widget_drain()" in reason
    code = [a for a in patch["accounting"] if a["text"].strip()
            and not a["text"].lstrip().startswith("/*")]
    assert code and all(a["kind"] == "refactor" and a["by"] == LABEL for a in code)
    nfc = patch["nfc"]
    assumed = any("widget_drain_kick() is new, its name nowhere in the old files" in a
                  for a in nfc["assumptions"])
    checked = any("widget_drain_kick() is new and called once" in c for c in nfc["checked"])
    assert (assumed, checked) == (not tree, tree)


MUTANTS = {
    "mutant-extract-return": "holds `return`",
    "mutant-extract-reread": "the argument `w -> kicks` is read once at the call",
    "mutant-extract-local": "reads w, which widget_drain() declares",
}


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_mutant_is_not_proved(name: str, tree: bool, tmp_path) -> None:
    rc, patch = _run(EQ / f"{name}.patch", tree, tmp_path)
    assert rc == 1 and patch["nfc"]["verdict"] == "unknown"
    reason = _reason(patch)
    assert "not proved" in reason and MUTANTS[name] in reason, reason


def _extract(**swap: str) -> list[tuple[str, str]]:
    from fixtures.equivalence.make_refactors import EXTRACT

    return [(old, swap.get("helper", new)) if n == 0 else (old, swap.get("call", new))
            for n, (old, new) in enumerate(EXTRACT)]


def _helper(body: str, params: str = "struct widget *w, unsigned int n") -> str:
    from fixtures.equivalence.make_refactors import helper

    return helper(body, params)[1]


CALL = "\tif (!count)\n\t\treturn;\n\twidget_drain_kick(w, count);\n\tbus->polls++;"
KICK = "\tw->kicks += n;\n\twidget_write(w, WIDGET_KICK, w->kicks);"
OLD_KICK = "\tw->kicks += count;\n\twidget_write(w, WIDGET_KICK, w->kicks);"
TAIL = "\n\tbus->polls++;\n}"
NOTE = "\n\tbus->polls++;\n\twidget_note(&count);\n}"

# variant -> (tree edits before the patch, the patch's edits, what the reason names)
VARIANTS = {
    # the integer parameter is narrower than the variable passed
    "converted": ([], _extract(helper=_helper(KICK, "struct widget *w, unsigned char n")),
                  "a conversion at the call is not modelled"),
    # the helper writes its own copy of the parameter, the block wrote count, read after it
    "param-written": ([(OLD_KICK + TAIL, OLD_KICK + "\n\tcount = 0;\n\tbus->polls += count;\n}")],
                      [_extract(helper=_helper(KICK + "\n\tn = 0;"))[0],
                       (OLD_KICK + "\n\tcount = 0;", "\twidget_drain_kick(w, count);")],
                      "writes its parameter n"),
    # called twice: a second call does the block again
    "called-twice": ([], _extract(call=CALL.replace("\tbus->polls++;",
                                                    "\twidget_drain_kick(w, count);\n"
                                                    "\tbus->polls++;")),
                     "called 2 times"),
    # the argument's address is taken in widget_drain(): a call may change it
    "address-taken": ([(OLD_KICK + TAIL, OLD_KICK + NOTE)],
                      _extract(call=CALL.replace("\tbus->polls++;", "\tbus->polls++;\n"
                                                 "\twidget_note(&count);")),
                      "takes the address of count"),
    # two statements under an `if` in the old code, one call under it in the new
    "under-if": ([(OLD_KICK, "\tif (count > 1)\n\t" + OLD_KICK)],
                 [_extract()[0], ("\tif (count > 1)\n\t" + OLD_KICK,
                                  "\tif (count > 1)\n\t\twidget_drain_kick(w, count);")],
                 "not a statement of its own"),
    # a struct passed by value: the helper writes a member of its own copy
    "struct-copy": (
        [(OLD_KICK + TAIL, "\tstruct widget copy = *w;\n\n\tcopy.kicks += count;\n"
          "\twidget_write(w, WIDGET_KICK, copy.kicks);\n\tbus->polls = copy.kicks;\n}")],
        [_extract(helper=_helper("\tcopy.kicks += n;", "struct widget copy, unsigned int n"))[0],
         ("\tcopy.kicks += count;\n", "\twidget_drain_kick(copy, count);\n")],
        "reaches into it"),
    # the helper declares a name that widget_drain() reads after the block
    "declares-used-name": (
        [(OLD_KICK + TAIL, "\tunsigned int k = count;\n\n" + OLD_KICK.replace(
            "+= count", "+= k") + "\n\tbus->polls += k;\n}")],
        [_extract(helper=_helper("\tunsigned int k = n;\n\n" + KICK.replace("+= n", "+= k")))[0],
         ("\tunsigned int k = count;\n\n" + OLD_KICK.replace("+= count", "+= k"),
          "\twidget_drain_kick(w, count);")],
        "declares k"),
}


@pytest.mark.parametrize("tree", [False, True], ids=["mbox", "tree"])
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_a_variant_breaking_the_rule_is_not_proved(name: str, tree: bool, tmp_path) -> None:
    base, edits, words = VARIANTS[name]
    repo, patch = _made(tmp_path, edits, name, base)
    rc, report = _run_made(repo, patch, tree)
    assert rc == 1 and report["nfc"]["verdict"] == "unknown"
    reason = _reason(report)
    assert "not proved" in reason and words in reason, reason
