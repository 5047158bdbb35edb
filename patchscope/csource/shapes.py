"""The tree's files that define the struct shapes a series' new code uses.

A caller may build a struct with an initializer macro or an init helper the
tree already has (``UNMAP_DESC()`` in ``mm/internal.h``), not the mail.  In
tree mode the names the added lines use in that way (a statement that starts
with ``NAME(``, a ``struct NAME var`` declaration) are looked up with one
``git grep`` each, and the files that define them are kept whole for
:mod:`patchscope.equivalence.packed` (which reads only those the series does
not change up to the patch it decides).
"""

from __future__ import annotations

import re

from patchscope.core import Series
from patchscope.tree import TreeView

MAX_NAMES = 16
MAX_FILES = 8
_STATEMENT_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(")
_STRUCT_VAR = re.compile(r"^\s*struct\s+([A-Za-z_]\w*)\s+[A-Za-z_]\w*\s*[;=]")
_KEYWORDS = frozenset({"if", "for", "while", "switch", "return", "sizeof"})


def _used_names(series: Series) -> list[str]:
    names: dict[str, None] = {}
    for patch in series.patches:
        for fc in patch.files:
            for h in fc.hunks:
                for dl in h.lines:
                    if dl.kind != "+":
                        continue
                    for pattern in (_STATEMENT_CALL, _STRUCT_VAR):
                        m = pattern.match(dl.text)
                        if m and m.group(1) not in _KEYWORDS:
                            names[m.group(1)] = None
    return list(names)[:MAX_NAMES]


def shape_files(series: Series, tree: TreeView) -> list[tuple[str, str]]:
    """(path, base text) of the tree's files defining a shape the series uses."""
    paths: dict[str, None] = {}
    for name in _used_names(series):
        pattern = (rf"^\s*#\s*define\s+{name}\(|static\s+inline\s+void\s+{name}\s*\("
                   rf"|struct\s+{name}\s*\{{")
        for path in tree.grep_extended(pattern)[:MAX_FILES]:
            if path.endswith((".c", ".h")):
                paths[path] = None
    out = []
    for path in list(paths)[:MAX_FILES * 2]:
        text = tree.base_text(path)
        if text is not None:
            out.append((path, text))
    return out
