"""Tree mode: the series applied in memory on a git checkout.  PLACEHOLDER (issue 3)."""

from __future__ import annotations

from patchscope.core import CheckOptions, Series


class TreeView:
    def close(self) -> None:
        pass


def open_tree(options: CheckOptions, series: Series) -> TreeView:
    raise NotImplementedError
