"""Characters a reviewer must see spelled out, for every output format.

Kept apart from :mod:`.diffview` so that text and JSON output do not import
Pygments and MarkupSafe, which only the HTML report uses.
"""

from __future__ import annotations

import re

# Characters that reorder or hide text (Trojan Source) and C0/C1 controls: shown
# as a visible <U+XXXX> so that a reviewer sees what the compiler sees.
HIDDEN = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def visible(text: str) -> str:
    """*text* with bidi and control characters spelled out as ``<U+XXXX>``."""
    return HIDDEN.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
