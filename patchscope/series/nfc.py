"""The "no functional change" claim of a commit message."""

from __future__ import annotations

import re

from patchscope.series.trailers import parse_trailer

# The wordings kernel developers use, case-insensitive.  Each must read as a
# claim about the patch itself, so bare "functional change" does not match.
_PHRASES = re.compile(
    r"\b(?:"
    r"no\s+(?:intended\s+|intentional\s+|expected\s+|actual\s+|real\s+)?"
    r"(?:functional(?:ity)?|behaviou?r(?:al)?|logic(?:al)?|semantic)\s+"
    r"(?:changes?|modifications?|differences?|impact)"
    r"(?:\s+(?:is\s+|are\s+)?(?:intended|expected))?"
    r"|no\s+(?:changes?|difference)\s+(?:in|to)\s+(?:functionality|behaviou?r)"
    r"|non-functional\s+change"
    r"|without\s+(?:any\s+)?(?:functional|behaviou?r(?:al)?)\s+changes?"
    r"|(?:should|does|must|will)\s+not\s+(?:change|alter|affect)\s+(?:any\s+)?(?:the\s+)?"
    r"(?:behaviou?r|functionality)"
    r"|functionally\s+(?:equivalent|identical|unchanged)"
    r")\b",
    re.IGNORECASE,
)
# "NFC"/"NFCI" only in capitals and standing alone or in brackets: "nfc" is
# also a kernel subsystem (net/nfc).
_ACRONYM = re.compile(r"(?:^\s*NFCI?\.?\s*$|\(NFCI?\))")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _paragraphs(text: str) -> list[str]:
    paras: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or parse_trailer(line) is not None:
            # Quoted text is somebody else's claim; trailers are not prose.
            stripped = ""
        if stripped:
            current.append(stripped)
        elif current:
            paras.append(" ".join(current))
            current = []
    if current:
        paras.append(" ".join(current))
    return paras


def find_nfc_claim(commit_message: str) -> str | None:
    """The sentence of *commit_message* that claims no functional change, or None.

    Only the commit message is searched (never the diff or quoted text).
    """
    for para in _paragraphs(commit_message):
        for sentence in _SENTENCE_END.split(para):
            if _PHRASES.search(sentence) or _ACRONYM.search(sentence):
                return sentence.strip()
    return None
