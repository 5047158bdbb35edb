"""Threading replies to the patch (or cover letter) they answer."""

from __future__ import annotations

from patchscope.core import Message
from patchscope.series.subject import parse_subject


def _parents(msg: Message) -> list[str]:
    """Ancestors of *msg*, nearest first (In-Reply-To, then References backwards)."""
    out: list[str] = []
    if msg.in_reply_to:
        out.append(msg.in_reply_to)
    out.extend(reversed(msg.references))
    return out


def thread_replies(
    replies: list[Message],
    roots: dict[str, str],
    titles: dict[tuple[int, int | None, str], str],
) -> dict[str, list[Message]]:
    """Group *replies* by the root message they answer.

    *roots* maps the Message-ID of each patch and of the cover letter to a
    root key.  A reply to a reply belongs to the same root.  A reply whose
    headers lead nowhere known is matched by its subject (``Re:`` plus the
    patch's version, index and title, *titles*); failing that it is left out,
    so a review of v1 never lends its trailers to v2.
    """
    by_id = {r.message_id: r for r in replies if r.message_id}
    memo: dict[str, str | None] = {}

    def root_of(msg: Message, seen: frozenset[str]) -> str | None:
        if msg.message_id in memo:
            return memo[msg.message_id]
        result: str | None = None
        for parent in _parents(msg):
            if parent in roots:
                result = roots[parent]
                break
            if parent in by_id and parent not in seen:
                result = root_of(by_id[parent], seen | {parent})
                if result is not None:
                    break
        if result is None:
            tag = parse_subject(msg.subject)
            result = titles.get((tag.version, tag.index, tag.title))
        if msg.message_id:
            memo[msg.message_id] = result
        return result

    grouped: dict[str, list[Message]] = {}
    for reply in replies:
        key = root_of(reply, frozenset({reply.message_id}))
        if key is not None:
            grouped.setdefault(key, []).append(reply)
    return grouped
