"""Reading a series: sources, messages, subjects, trailers, replies, diffs."""

from __future__ import annotations

from collections.abc import Sequence

from patchscope.core import Finding, Message, Series, Severity
from patchscope.errors import InputError
from patchscope.series.build import build_series
from patchscope.series.messages import parse_message
from patchscope.series.sources import read_messages

__all__ = ["read_series"]


def read_series(source: str | Sequence[str], *, cwd: str) -> Series:
    """Read SOURCE (mbox, .gz, .patch/.eml, directory, '-', A..B or a revision in *cwd*).

    Several sources form one series, their messages in the order given.
    Returns the series with its patches in order, each with its diff, trailers
    (from the patch and from replies), NFC claim and anchored review comments.
    Raises InputError (one line naming SOURCE) for input that cannot be read
    or holds no patch; a malformed patch in a series is a finding instead.
    """
    sources = [source] if isinstance(source, str) else list(source)
    raws: list[bytes] = []
    labels = []
    for one in sources:
        label, more = read_messages(one, cwd=cwd)
        labels.append(label)
        raws.extend(more)
    label = " ".join(labels)
    source = " ".join(sources)
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
