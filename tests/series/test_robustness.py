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
