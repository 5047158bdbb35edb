"""Reading a series: sources, messages, subjects, trailers, replies, diffs."""

from __future__ import annotations

from patchscope.core import Series


def read_series(source: str, *, cwd: str) -> Series:
    """Read SOURCE (mbox, .gz, .patch/.eml, directory, '-', or A..B in *cwd*).

    PLACEHOLDER until issue 2's reader lands.
    """
    raise NotImplementedError
