"""A bool parameter turned into flags: ``if (locked)`` became ``if (flags & FOO)``.

Where the old body only tests the bool for truth, the flags expression may
stand for it by its truth value, and each call is compared as bool.
"""

from __future__ import annotations

from pathlib import Path

from tests.equivalence.test_check_e2e import _one_commit_patch, check, only_patch, verdicts

BEFORE = """static int frob(struct thing *t, int count, bool locked)
{
\tint done = 0;

\tif (locked)
\t\tassert_held(t);
\twhile (done < count && (!locked || t->ok))
\t\tdone += step(t);
\treturn done;
}

int frob_all(struct thing *t)
{
\treturn frob(t, t->count, true);
}

int frob_some(struct thing *t, int n)
{
\treturn frob(t, n, false);
}

int frob_held(struct thing *t, int n)
{
\treturn frob(t, n, t->held > 0);
}
"""


def flags(text: str) -> str:
    return (text.replace("bool locked)", "unsigned int flags)")
            .replace("if (locked)", "if (flags & FOO_LOCKED)")
            .replace("(!locked ||", "(!(flags & FOO_LOCKED) ||")
            .replace("frob(t, t->count, true)", "frob(t, t->count, FOO_LOCKED)")
            .replace("frob(t, n, false)", "frob(t, n, 0)")
            .replace("frob(t, n, t->held > 0)", "frob(t, n, t->held > 0 ? FOO_LOCKED : 0)"))


def run(tmp_path: Path, before: str) -> tuple[int, dict]:
    patch = _one_commit_patch(tmp_path, before, flags(before),
                              "lib: flags instead of a bool\n\nNo functional change.")
    rc, report = check(patch, "--strict")  # exit 1 tells an unproved claim from a proved one
    return rc, only_patch(report)


def test_a_bool_only_tested_for_truth_may_become_flags(tmp_path: Path) -> None:
    rc, patch = run(tmp_path, BEFORE)
    v = verdicts(patch)
    # false and 0 agree whatever FOO_LOCKED is; true and FOO_LOCKED only if it is not 0
    assert v["frob_some"] == "proved"
    assert v["frob_all"] == "unknown" and v["frob_held"] == "unknown"
    site = next(c for c in patch["call_sites"] if c["caller"] == "frob_all")
    assert "they differ when FOO_LOCKED = 0x0" in site["reason"]
    assert "macros of" not in site["reason"]
    steps = next(c for c in patch["call_sites"] if c["caller"] == "frob_some")["steps"]
    assert any("only tests locked (a bool) for truth" in s for s in steps)
    assert rc == 1


def test_a_bool_used_as_a_number_may_not(tmp_path: Path) -> None:
    before = BEFORE.replace("\tint done = 0;\n", "\tint done = locked;\n")
    rc, patch = run(tmp_path, before)
    assert rc == 1 and verdicts(patch)["frob_some"] == "unknown"

