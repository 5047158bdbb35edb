"""A prototype or a second definition whose parameter types the patch changes.

Callers that see only a prototype convert their arguments to its types, and a
test stub or ``#else`` definition binds calls with its own types: a type
change there is never covered by the primary definition's body proof.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from patchscope.commands.check import check_series
from patchscope.core import CheckOptions
from tests.csource.kernel_tree import SEED_PATCH

DECLARATOR = "+\t\t   unsigned long ceiling, unsigned long tree_max,\n+\t\t   bool mm_wr_locked)"


def _check(tmp_path: Path, text: str) -> tuple[str, str]:
    path = tmp_path / "planted.patch"
    path.write_text(text)
    series = check_series(CheckOptions(source=str(path), scenarios=0))
    nfc = series.patches[0].nfc
    assert nfc is not None
    return str(nfc.verdict), " ".join(nfc.reasons)


@pytest.mark.parametrize("old, new, says", [
    # the old prototype said int, the definition always said bool
    ("-\t\t   unsigned long ceiling, bool mm_wr_locked);",
     "-\t\t   unsigned long ceiling, int mm_wr_locked);",
     "changes the type of `mm_wr_locked` from `int` to `bool`"),
    # the new prototype says int where the new definition says bool
    (DECLARATOR.replace(")", ");"),
     DECLARATOR.replace(")", ");").replace("bool", "int"),
     "changes the type of `mm_wr_locked` from `bool` to `int`"),
    # an added parameter whose type the prototype spells otherwise
    (DECLARATOR.replace(")", ");"),
     DECLARATOR.replace(")", ");").replace("unsigned long tree_max", "long tree_max"),
     "declares `tree_max` as `long` where the definition at mm/memory.c"),
])
def test_a_prototype_type_change_is_not_proved(tmp_path: Path, old: str, new: str,
                                                says: str) -> None:
    seed = SEED_PATCH.read_text()
    assert seed.count(old) >= 1
    verdict, reasons = _check(tmp_path, seed.replace(old, new, 1))
    assert verdict == "unknown" and says in reasons, reasons


def test_the_seed_itself_is_still_proved(tmp_path: Path) -> None:
    assert _check(tmp_path, SEED_PATCH.read_text())[0] == "proved"


def test_a_test_stub_that_changes_a_parameter_type_it_reads_is_not_proved(
        tmp_path: Path) -> None:
    """The stub in tools/testing reads floor ((void)floor): its type matters there."""
    seed = SEED_PATCH.read_text()
    stub = seed.index("diff --git a/tools/testing/vma/vma_internal.h")
    head, tail = seed[:stub], seed[stub:]
    old = " \t\t   struct vm_area_struct *vma, unsigned long floor,\n"
    assert old in tail
    new = ("-\t\t   struct vm_area_struct *vma, unsigned long floor,\n"
           "+\t\t   struct vm_area_struct *vma, long floor,\n")
    verdict, reasons = _check(tmp_path, head + tail.replace(old, new, 1))
    assert verdict == "unknown" and "the type of floor changed" in reasons, reasons
