"""The De Morgan comparison of a removed guard and a caller's guard (hoist.py)."""

from __future__ import annotations

import pytest

from patchscope.cexpr import parse_expr
from patchscope.equivalence.hoist import _nnf


def negation_of(new: str, removed: str) -> bool:
    """Whether *new* is the negation of *removed*, as the hoist rule reads them."""
    return _nnf(parse_expr(removed), True) == _nnf(parse_expr(new), False)


@pytest.mark.parametrize(("removed", "new"), [
    ("!p || !p->ready", "p && p->ready"),
    ("!p || !p->ready", "p != NULL && p->ready != 0"),
    ("p == NULL || p->ready == false", "p && p->ready"),
    ("unlikely(!p || !p->ready)", "likely(p && p->ready)"),
    ("n >= p->max || !p", "n < p->max && p"),
    ("!(p && p->n > 3)", "p && p->n > 3"),
    ("!(!(p))", "!p"),
    ("p->n != 4", "p->n == 4"),
])
def test_the_negation_term_by_term_is_accepted(removed: str, new: str) -> None:
    assert negation_of(new, removed)


@pytest.mark.parametrize(("removed", "new"), [
    ("!p || !p->ready", "p || p->ready"),  # || for &&
    ("!p || !p->ready", "p->ready && p"),  # reordered: reads p->ready before testing p
    ("!p || !p->ready", "p && !p->ready"),
    ("!p || p->ready == true", "p && p->ready"),  # `== true` is `== 1`, not truth
    ("n > 3", "n < 3"),
    ("n > 3", "3 >= n"),  # the same test written the other way round: not accepted
    ("!p", "p && p->ready"),
])
def test_anything_else_is_refused(removed: str, new: str) -> None:
    assert not negation_of(new, removed)
