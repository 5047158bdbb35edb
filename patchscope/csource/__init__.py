"""C analysis with libclang: signature changes and call sites."""

from __future__ import annotations

from patchscope.core import CheckOptions, Series
from patchscope.progress import Progress
from patchscope.tree import TreeView


def analyse_series(
    series: Series, tree: TreeView | None, options: CheckOptions, progress: Progress
) -> None:
    """Fill each patch's signature_changes and call_sites (and mode, findings).

    PLACEHOLDER until issue 3 lands.
    """
