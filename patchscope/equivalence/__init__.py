"""Deciding per call site whether behaviour is unchanged."""

from __future__ import annotations

from patchscope.core import CheckOptions, Series
from patchscope.progress import Progress


def decide_series(series: Series, options: CheckOptions, progress: Progress) -> None:
    """Set every call site's verdict, each patch's nfc result, and their findings.

    PLACEHOLDER until issue 4 lands.
    """
