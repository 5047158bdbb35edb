"""The per-patch size limit: how much C a patch may hold and still be analysed.

Every stage after reading (declarators, calls, the proofs, the whole-patch
accounting, the refactor shapes) is linear in the C the hunks hold, but each
reads it several times over, at roughly 80 microseconds a token in all: a
treewide patch of 800 call sites (about 50,000 tokens) takes 4 s, a fuzzed
mail with one 300 KB line 15 s.  Past :data:`MAX_PATCH_TOKENS` the patch is
not analysed at all and is ``unknown``, naming the limit, so that no single
patch takes more than a few seconds.  Nothing is lost to a proof by it: the
whole-patch accounting compares at most 40,000 tokens of a change, so such a
patch could not have been proved anyway.

Tokens are counted coarsely and fast (a word, or one character that is not
white space), over every line of the C files' hunks, context included: the
stages read the context too.
"""

from __future__ import annotations

import re

from patchscope.core import Patch
from patchscope.csource.windows import is_c_file

MAX_PATCH_TOKENS = 50_000

_ITEM = re.compile(r"\w+|\S")


def c_tokens(patch: Patch, stop: int | None = None) -> int:
    """The tokens of *patch*'s C hunks, counting stopped past *stop*."""
    n = 0
    for fc in patch.files:
        if not is_c_file(fc.path):
            continue
        for h in fc.hunks:
            for dl in h.lines:
                n += len(_ITEM.findall(dl.text))
            if stop is not None and n > stop:
                return n
    return n


def oversize(patch: Patch) -> str | None:
    """Why *patch* is too large to analyse, or None."""
    n = c_tokens(patch, MAX_PATCH_TOKENS)
    if n <= MAX_PATCH_TOKENS:
        return None
    return (f"its C hunks hold more than {MAX_PATCH_TOKENS:,} tokens, the limit of C a patch "
            "is analysed for (so that no patch takes more than a few seconds); it is not "
            "analysed")
