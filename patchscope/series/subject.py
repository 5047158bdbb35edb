"""What the ``[RFC PATCH net-next v3 2/7]`` tag of a subject says."""

from __future__ import annotations

import re

from patchscope.core import SubjectTag

_REPLY = re.compile(r"^\s*(?:(?:re|aw|sv|fwd?|antw)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_BRACKETS = re.compile(r"^\s*\[([^\]]*)\]")
_VERSION = re.compile(r"^v(\d+)$", re.IGNORECASE)
_GLUED_VERSION = re.compile(r"^(PATCH|RFC)v(\d+)$", re.IGNORECASE)
_COUNTER = re.compile(r"^(\d+)/(\d+)$")


def is_reply_subject(subject: str) -> bool:
    """A ``Re:`` (or ``Aw:``, ``Fwd:`` ...) subject."""
    return bool(_REPLY.match(subject))


def parse_subject(subject: str) -> SubjectTag:
    """Split a subject into its tag and its title.

    Every leading bracket group is read (``[PATCH v2] [net-next]``); a
    ``vN`` token is the version (1 if absent), ``M/T`` the index and total,
    anything else a prefix (``RFC``, ``PATCH``, ``net-next``, ``RESEND``).
    """
    rest = _REPLY.sub("", subject, count=1)
    prefixes: list[str] = []
    version = 1
    index: int | None = None
    total: int | None = None
    while m := _BRACKETS.match(rest):
        for token in m.group(1).replace(",", " ").split():
            if vm := _VERSION.match(token):
                version = int(vm.group(1))
            elif gm := _GLUED_VERSION.match(token):
                prefixes.append(gm.group(1))
                version = int(gm.group(2))
            elif cm := _COUNTER.match(token):
                index, total = int(cm.group(1)), int(cm.group(2))
            else:
                prefixes.append(token)
        rest = rest[m.end() :]
    return SubjectTag(
        prefixes=prefixes,
        version=version,
        index=index,
        total=total,
        title=" ".join(rest.split()),
    )
