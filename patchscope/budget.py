"""The run's time budget (``--timeout SECONDS``).

Stages ask :func:`expired` between units of work (a patch, a call site) and
bound their waits by :func:`remaining`; what is not finished when the budget
runs out is reported ``unknown`` with the reason, and the report still comes
out.  With no budget set, nothing expires.
"""

from __future__ import annotations

import time

from patchscope.errors import ParseError

_deadline: float | None = None
_seconds: float | None = None


class Expired(ParseError):
    """The run's --timeout was reached; the part being worked on is unknown."""


def start(seconds: float | None) -> None:
    """Start a budget of *seconds* from now (None: no budget)."""
    global _deadline, _seconds
    _seconds = seconds
    _deadline = None if seconds is None else time.monotonic() + seconds


def remaining() -> float | None:
    """Seconds left, None without a budget."""
    if _deadline is None:
        return None
    return _deadline - time.monotonic()


def expired() -> bool:
    left = remaining()
    return left is not None and left <= 0


def reason() -> str:
    """Why unfinished work is unknown, naming the limit."""
    return f"not finished within the run's --timeout of {_seconds:g} s"
