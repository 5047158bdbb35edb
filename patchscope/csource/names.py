"""Tree mode's check of what a hunks-only proof assumes about names.

A substitution proof compares a body token by token: ``tree_max`` in the new
body is the new parameter.  That holds unless a macro of that name rewrites it
before the compiler sees it, or (for a removed parameter) a file-scope name of
that spelling is what the unchanged lines now read.  From the mail alone this
is an assumption; with the tree it is looked up.
"""

from __future__ import annotations

import re

from patchscope.core import Finding, Patch, Severity
from patchscope.tree import TreeView

_NAME = re.compile(r"[A-Za-z_]\w*")


def check_parameter_names(patch: Patch, tree: TreeView) -> None:
    """Look up, in the tree after *patch*, macros and file-scope names spelled like
    a parameter the patch adds or removes; record what was checked, or a finding."""
    names = sorted({n for c in patch.signature_changes for n in c.added + c.removed
                    if _NAME.fullmatch(n)})
    if not names:
        return
    clashes: list[str] = []
    for name in names:
        define = rf"^[[:space:]]*#[[:space:]]*define[[:space:]]+{name}([^[:alnum:]_]|$)"
        files = set(tree.grep_extended(define))
        # the series' own files, as they are after this patch
        for fc in patch.files:
            text = tree.text(fc.path, patch.index) or ""
            if re.search(rf"^\s*#\s*define\s+{name}\b", text, re.M):
                files.add(fc.path)
            elif re.search(rf"^[A-Za-z_][^(\n]*\b{name}\s*(=|;|\[)", text, re.M):
                clashes.append(f"{name} (a file-scope name in {fc.path})")
        clashes += [f"{name} (a macro in {f})" for f in sorted(files)[:3]]
    if clashes:
        patch.findings.append(Finding(
            "parameter-name-clash", Severity.WARNING,
            "a macro or file-scope name is spelled like a parameter the patch adds or "
            f"removes: {', '.join(clashes)}; a proof that compares tokens cannot rest on it",
            patch=patch.index))
        return
    patch.checked.append(f"no macro in the tree and no file-scope name in the patch's files "
                         f"is spelled like an added or removed parameter ({', '.join(names)})")
