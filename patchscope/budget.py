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


# Per-patch caps on the work whose amount the input decides: call sites run
# through a kernel model and z3 queries.  A patch with hundreds of calls of a
# modelled function (a fuzzed or hand-built mail) would otherwise take as
# long as it likes.  Work past a cap is not done, and what would have rested
# on it is unknown, naming the cap (never proved).
MAX_MODEL_SITES = 32
MAX_Z3_QUERIES = 1000
# Counter-models made small for the reader (z3's optimiser, the dearest query
# there is): past this many in a patch a counter-model is shown as z3 first
# found it.  Only the values shown change, never a verdict, so reaching it is
# not a limit the verdict names.
MAX_SMALLEST_MODELS = 24

_spent = {"model": 0, "z3": 0, "smallest": 0}
_reached: list[str] = []
_active = False  # counting only while a patch is decided


def begin_patch() -> None:
    """Start counting a patch's work from zero (before it is decided)."""
    global _active
    _spent["model"] = _spent["z3"] = _spent["smallest"] = 0
    _reached.clear()
    _active = True


def end_patch() -> None:
    """Stop counting: work outside a patch's decision (a test, a tool) is not capped."""
    global _active
    _active = False


def _take(kind: str, cap: int, what: str) -> bool:
    if not _active:
        return True
    if _spent[kind] >= cap:
        text = f"the limit of {cap} {what} a patch was reached"
        if text not in _reached:
            _reached.append(text)
        return False
    _spent[kind] += 1
    return True


def take_model_site() -> bool:
    """Whether one more call site may run through a model in this patch."""
    return _take("model", MAX_MODEL_SITES, "call sites run through a kernel model")


def take_z3_query() -> bool:
    """Whether one more z3 query may be put in this patch."""
    return _take("z3", MAX_Z3_QUERIES, "z3 queries")


def take_smallest_model() -> bool:
    """Whether one more counter-model may be made small in this patch."""
    if not _active:
        return True
    if _spent["smallest"] >= MAX_SMALLEST_MODELS:
        return False
    _spent["smallest"] += 1
    return True


def limits_reached() -> list[str]:
    """The per-patch caps reached since :func:`begin_patch`, each as a reason."""
    return list(_reached)
