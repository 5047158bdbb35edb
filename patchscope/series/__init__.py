"""Reading a series: sources, messages, subjects, trailers, replies, diffs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import TYPE_CHECKING

from patchscope.errors import InputError

if TYPE_CHECKING:
    from patchscope.core import Message, Series

__all__ = ["read_series"]


def read_series(source: str | Sequence[str], *, cwd: str) -> Series:
    """Read SOURCE (mbox, .gz, .patch/.eml, directory, '-', A..B or a revision in *cwd*).

    Several sources form one series, their messages in the order given.
    Returns the series with its patches in order, each with its diff, trailers
    (from the patch and from replies), NFC claim and anchored review comments.
    Raises InputError (one line naming SOURCE) for input that cannot be read
    or holds no patch; a malformed patch in a series is a finding instead.
    """
    # imported here: a cached run reads `patchscope.series.sources` (is the
    # source a revision?) and must not pay for the mail parser and the builder
    from patchscope.core import Finding, Severity
    from patchscope.series.build import build_series
    from patchscope.series.messages import parse_message
    from patchscope.series.sources import read_messages

    sources = [source] if isinstance(source, str) else list(source)
    streams: list[Iterable[bytes]] = []
    labels = []
    for one in sources:
        label, more = read_messages(one, cwd=cwd)
        labels.append(label)
        streams.append(more)
    label = " ".join(labels)
    source = " ".join(sources)
    messages: list[Message] = []
    unreadable: list[Finding] = []
    n = 0
    # each raw message is decoded as the split yields it and then dropped
    for n, raw in enumerate(chain.from_iterable(streams), start=1):
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
    if n == 0:
        raise InputError(label, "holds no mail messages")
    series = build_series(source, label, messages)
    series.findings[:0] = unreadable
    return series
