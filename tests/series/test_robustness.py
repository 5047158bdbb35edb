"""Damaged input never escapes as anything but a Series or one InputError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patchscope.core import Series
from patchscope.errors import InputError
from patchscope.series import read_series
from tests.series.helpers import FIXTURES

LINES = (FIXTURES / "synthetic.mbox").read_bytes().split(b"\n")
SEED_LINES = (FIXTURES / "seed-thread.qp.mbox").read_bytes().split(b"\n")


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    lines = list(draw(st.sampled_from([LINES, SEED_LINES])))
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "trunc", "junk"]))
        if action == "drop":
            del lines[i]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "trunc":
            lines[i] = lines[i][: draw(st.integers(0, max(0, len(lines[i]) - 1)))]
        else:
            lines[i] = draw(st.binary(max_size=20))
    return b"\n".join(lines)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_mbox_reads_or_fails_cleanly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "damaged.mbox"
        path.write_bytes(data)
        try:
            series = read_series(str(path), cwd=tmp)
        except InputError as err:
            assert "\n" not in str(err) and str(err).startswith(str(path))
            return
        assert isinstance(series, Series) and series.patches
        for patch in series.patches:
            for fc in patch.files:
                assert fc.added == sum(dl.kind == "+" for h in fc.hunks for dl in h.lines)


SEED_PATCH = read_series(str(FIXTURES / "seed-thread.mbox"), cwd=str(FIXTURES)).patches[0]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_quoted_lines_anchor_where_they_were_quoted(data: st.DataObject) -> None:
    """Any in-order selection of distinct diff lines, quoted with a comment after each."""
    from patchscope.core import Message
    from patchscope.series.review import review_comments

    fc = data.draw(st.sampled_from(SEED_PATCH.files))
    lines = [dl for h in fc.hunks for dl in h.lines]
    keys = [(dl.kind, " ".join(dl.text.split())) for dl in lines]
    unique = [dl for dl, k in zip(lines, keys, strict=True) if k[1] and keys.count(k) == 1]
    chosen = data.draw(
        st.sets(st.integers(0, len(unique) - 1), min_size=1, max_size=6), label="lines"
    )
    picked = [unique[i] for i in sorted(chosen)]
    tabs_to_spaces = data.draw(st.booleans())
    body = [f"> diff --git a/{fc.path} b/{fc.path}"]
    expected = []
    for n, dl in enumerate(picked):
        text = dl.text.expandtabs(8) if tabs_to_spaces else dl.text
        body += [f"> {dl.kind}{text}", "", f"Comment {n}.", ""]
        line = dl.old_lineno if dl.kind == "-" else dl.new_lineno
        expected.append((fc.path, line, f"Comment {n}."))
    reply = Message("r@x", "Re: x", "R <r@example.org>", None, "\n".join(body) + "\n")
    got = [(c.file, c.line, c.text) for c in review_comments(reply, SEED_PATCH)]
    assert got == expected
