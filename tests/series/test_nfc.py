from __future__ import annotations

import pytest

from patchscope.series.nfc import find_nfc_claim


@pytest.mark.parametrize(
    "text",
    [
        "No functional change.",
        "No functional changes.",
        "No functional change intended.",
        "No functional changes intended.",
        "no functional change (intended)",
        "There should be no intended functional change.",
        "No functional modification.",
        "NFC.",
        "Move the helper (NFC).",
        "This patch should not change behaviour.",
        "This does not change the behavior.",
        "No behavioural change.",
        "No change in functionality.",
        "A pure rename, without any functional change.",
        "Non-functional change: rename variables.",
        "No functional changes expected.",
        "The result is functionally equivalent.",
        "This will not alter the behaviour.",
        "No semantic change.",
    ],
)
def test_claims(text: str) -> None:
    msg = f"mm: do the thing\n\nSome words first. {text}\n\nSigned-off-by: A <a@b>\n"
    claim = find_nfc_claim(msg)
    assert claim is not None
    assert text.rstrip(".").split()[-1].strip("().") in claim


@pytest.mark.parametrize(
    "text",
    [
        "> No functional change intended.",
        "This fixes a functional change introduced by commit abc.",
        "nfc: pn533: fix the digital protocol.",
        "The NFC core gets a new callback.",
        "Change the behaviour of the ceiling.",
    ],
)
def test_no_claims(text: str) -> None:
    assert find_nfc_claim(f"subject\n\n{text}\n") is None


def test_claim_sentence_is_recorded() -> None:
    msg = "Rename a variable. No functional\nchanges intended. Other text.\n"
    assert find_nfc_claim(msg) == "No functional changes intended."
