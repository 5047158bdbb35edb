"""Reading a series: sources, messages, subjects, trailers, replies, diffs."""

from __future__ import annotations

from patchscope.core import Finding, Message, Series, Severity
from patchscope.errors import InputError
from patchscope.series.build import build_series
from patchscope.series.messages import parse_message
from patchscope.series.sources import read_messages

__all__ = ["read_series"]


def read_series(source: str, *, cwd: str) -> Series:
    """Read SOURCE (mbox, .gz, .patch/.eml, directory, '-', or A..B in *cwd*).

    Returns the series with its patches in order, each with its diff, trailers
    (from the patch and from replies), NFC claim and anchored review comments.
    Raises InputError (one line naming SOURCE) for input that cannot be read
    or holds no patch; a malformed patch in a series is a finding instead.
    """
    label, raws = read_messages(source, cwd=cwd)
    if not raws:
        raise InputError(label, "holds no mail messages")
    messages: list[Message] = []
    unreadable: list[Finding] = []
    for n, raw in enumerate(raws, start=1):
        try:
            messages.append(parse_message(raw))
        except Exception as err:  # noqa: BLE001 - one broken mail must not stop the rest
            unreadable.append(
                Finding(
                    check="mail-unreadable",
                    severity=Severity.WARNING,
                    message=f"message {n} cannot be decoded ({type(err).__name__}); skipped",
                )
            )
    series = build_series(source, label, messages)
    series.findings[:0] = unreadable
    return series
