"""Trailers (``Reviewed-by:``, ``Fixes:`` ...) from patches and replies."""

from __future__ import annotations

import re
from collections.abc import Iterable

from patchscope.core import Trailer

KNOWN_KEYS = (
    "Signed-off-by",
    "Co-developed-by",
    "Reviewed-by",
    "Acked-by",
    "Tested-by",
    "Reported-by",
    "Suggested-by",
    "Link",
    "Closes",
    "Fixes",
    "Cc",
)
_ORIGINAL = re.compile(r"^\s*-{3,}\s*Original Message\s*-{3,}\s*$", re.IGNORECASE)
_CANONICAL = {k.lower(): k for k in KNOWN_KEYS}
_TRAILER = re.compile(
    r"^(?P<key>[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*-by|Link|Closes|Fixes|Cc)"
    r"[ \t]*:[ \t]*(?P<value>\S.*?)\s*$",
    re.IGNORECASE,
)


def canonical_key(key: str) -> str:
    """``reviewed-BY`` -> ``Reviewed-by``; unknown keys get the same shape."""
    known = _CANONICAL.get(key.lower())
    if known:
        return known
    return key[:1].upper() + key[1:].lower()


def ends_own_text(line: str) -> bool:
    """A signature separator, or a top-posting client's start of the quoted original."""
    return line in ("-- ", "--") or bool(_ORIGINAL.match(line))


def unquoted_lines(text: str) -> Iterable[str]:
    """The lines of *text* the author wrote: no quoted lines, no signature block."""
    for line in text.split("\n"):
        if ends_own_text(line):
            return
        if line.lstrip().startswith(">"):
            continue
        yield line


def parse_trailer(line: str) -> tuple[str, str] | None:
    """``(key, value)`` if *line* is a trailer line, else None."""
    m = _TRAILER.match(line)
    if not m:
        return None
    return canonical_key(m.group("key")), m.group("value")


def find_trailers(
    text: str, *, source: str, message_id: str | None, stop_at_signature: bool = True
) -> list[Trailer]:
    """Every trailer line of *text* outside quoted text, in order, without repeats.

    *text* is a commit message (source ``patch``) or a reply body (source
    ``reply``): in both a trailer is a line of its own; a reviewer may
    introduce it with prose ("feel free to add:").
    """
    found: list[Trailer] = []
    seen: set[tuple[str, str]] = set()
    lines = unquoted_lines(text) if stop_at_signature else text.split("\n")
    for line in lines:
        if line.lstrip().startswith(">"):
            continue
        parsed = parse_trailer(line)
        if parsed is None or parsed in seen:
            continue
        seen.add(parsed)
        found.append(Trailer(key=parsed[0], value=parsed[1], source=source, message_id=message_id))
    return found
