"""Chains of substitutions do not depend on the order the patch shows them in.

``query_left()`` gains ``lim`` and passes it down to ``span_left()``, which the
same patch changes (fixtures/equivalence/chain2.patch).  The proof of the
inner call needs ``span_left()``'s substitution first; here the caller is
defined above its callee in span.c, and the files come in several orders in
the diff, in mbox and tree mode.  The variant (a caller passing
``q->p->start``) must never be proved in any of them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.csource.kernel_tree import git
from tests.equivalence.test_check_e2e import EQ, check, only_patch, verdicts

ORDERS = {
    "alphabetical": [],
    "header-first": ["lib/span.h", "lib/span.c", "lib/report.c"],
    "callee-file-first": ["lib/span.c", "lib/report.c", "lib/span.h"],
}


def _callers_first(text: str) -> str:
    """span.c with query_left() moved above span_left() (span.h declares both)."""
    start = text.index("/*\n * span_left()")
    split = text.index("unsigned long query_left(")
    prefix, callee, caller = text[:start], text[start:split], text[split:]
    return prefix + caller.rstrip("\n") + "\n\n" + callee.rstrip("\n") + "\n"


def _reordered(tmp_path: Path, patch: Path, order: list[str]) -> tuple[Path, Path]:
    """(the base repository, the patch made again with query_left() first)."""
    work = tmp_path / "work"
    shutil.copytree(EQ / "trees" / "chain", work)
    shutil.copytree(EQ / "trees" / "chain2", work, dirs_exist_ok=True)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "chain fixture")
    git(work, "am", "-q", str(patch))
    message = git(work, "log", "-1", "--format=%B")
    after = {f: (work / f).read_text() for f in ("lib/span.c", "lib/span.h", "lib/report.c")}
    git(work, "reset", "-q", "--hard", "HEAD~1")
    span = work / "lib" / "span.c"
    span.write_text(_callers_first(span.read_text()))
    git(work, "commit", "-q", "-am", "lib/span: callers first")
    base = tmp_path / "base"
    git(tmp_path, "clone", "-q", str(work), str(base))
    after["lib/span.c"] = _callers_first(after["lib/span.c"])
    for f, text in after.items():
        (work / f).write_text(text)
    git(work, "commit", "-q", "-a", "-m", message)
    orderfile = tmp_path / "order"
    orderfile.write_text("".join(p + "\n" for p in order))
    out = tmp_path / f"{patch.stem}-reordered.patch"
    extra = ["-O", str(orderfile)] if order else []
    out.write_text(git(work, "format-patch", "-1", "--stdout", *extra))
    text = out.read_text()
    span_c = text[text.index("diff --git a/lib/span.c"):]
    end = span_c.find("diff --git", 1)
    span_c = span_c if end < 0 else span_c[:end]
    assert span_c.index("unsigned long query_left(") < span_c.index("unsigned long span_left(")
    return base, out


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_a_chain_is_proved_whatever_the_order(tmp_path: Path, order: str) -> None:
    base, patch = _reordered(tmp_path, EQ / "chain2.patch", ORDERS[order])
    for extra in ((), ("--tree", str(base))):
        rc, report = check(patch, *extra)
        got = only_patch(report)
        assert verdicts(got) == {"query_left": "proved", "report_left": "proved"}, extra
        assert got["nfc"]["verdict"] == "proved", (extra, got["nfc"])
        inner = next(c for c in got["call_sites"] if c["caller"] == "query_left")
        assert "with query_left()'s own substitution lim := q->p ? q->p->end : TOP" \
            in inner["method"]


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_a_broken_chain_is_never_proved_whatever_the_order(tmp_path: Path, order: str) -> None:
    base, patch = _reordered(tmp_path, EQ / "chain2-variant.patch", ORDERS[order])
    for extra in ((), ("--tree", str(base))):
        rc, report = check(patch, *extra)
        got = only_patch(report)
        assert verdicts(got)["report_left"] != "proved", extra
        assert got["nfc"]["verdict"] != "proved", extra
