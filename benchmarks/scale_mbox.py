"""Mailboxes of many real-sized patches for the scale benchmark (issue 15).

Each patch is the seed patch (fixtures/seed/free_pgtables-v1-4of9.mbox: the
patch and its four review replies) varied so that no two patches share their
code, and so that the parse, lex and model memos cannot make the second patch
free: the changed function, the callers' locals and the constant they pass
are renamed per patch, the hunks sit at other line offsets, and subjects,
Message-IDs and the replies' threading are the patch's own.  One patch in
``MODEL_EVERY`` keeps the name ``free_pgtables`` (its call sites run the
model); the others change a function no model covers (the proof engine
alone).  ``pad_lines`` adds a new file of that many added lines to each
patch, for the ~200 MB mailbox of bigger patches.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"
MODEL_EVERY = 50
_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@", re.M)
_IDS = re.compile(r"<([^<>@\s]+)@([^<>\s]+)>")


def _offset(text: str, by: int) -> str:
    return _HUNK.sub(lambda m: f"@@ -{int(m[1]) + by}{m[2] or ''} +{int(m[3]) + by}"
                     f"{m[4] or ''} @@", text)


def variant(seed: str, i: int, n: int, pad_lines: int = 0) -> str:
    """Patch *i* of *n* (with its replies), as mails of one mbox."""
    text = seed.replace("[PATCH v1 4/9]", f"[PATCH v1 {i}/{n}]")
    text = _IDS.sub(lambda m: f"<{m[1]}.{i}@{m[2]}>", text)
    if i % MODEL_EVERY != 1:
        text = text.replace("free_pgtables", f"free_pgtables_{i}")
    text = re.sub(r"\btlb\b", f"tlb{i % 997}", text)
    text = re.sub(r"\bmas_detach\b", f"mas_detach{i % 991}", text)
    text = text.replace("FIRST_USER_ADDRESS", f"FIRST_USER_ADDRESS_{i % 983}")
    text = _offset(text, (i * 7) % 3000)
    if pad_lines:
        pad = "".join(f"+\tregion_{i}_{k} = lookup_{k % 61}(base + {k});\n"
                      for k in range(pad_lines))
        extra = (f"diff --git a/mm/pad_{i}.c b/mm/pad_{i}.c\nnew file mode 100644\n"
                 f"--- /dev/null\n+++ b/mm/pad_{i}.c\n@@ -0,0 +1,{pad_lines} @@\n{pad}")
        text = text.replace("\n-- \n", "\n" + extra + "-- \n", 1)
    return text if text.endswith("\n") else text + "\n"


def build(path: Path, n: int, pad_lines: int = 0) -> int:
    """Write an mbox of *n* patch variants to *path*; its size in bytes."""
    seed = SEED.read_text()
    with path.open("w") as f:
        for i in range(1, n + 1):
            f.write(variant(seed, i, n, pad_lines))
    return path.stat().st_size
