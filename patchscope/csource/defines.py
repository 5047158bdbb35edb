"""The values of the macros a series' calls name, from the mail and the tree.

A caller may pass ``VMS_END`` where it passed ``vms->unmap_end``: without the
macro's value no proof or counterexample can rest on it (it is one fixed
value, maybe an expression of the caller's own state).  Where the mail (any
side of any hunk) or, in tree mode, the tree defines it, and every definition
seen says the same constant, that value is used, and the verdict names where
it came from.  Several different definitions (per architecture, per config,
or one the series changes) leave it unknown: which one applies is the
preprocessor's business, not ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from patchscope.arch import ArchProfile
from patchscope.cexpr import EvalError, IntValue, evaluate_value, parse_expr
from patchscope.cexpr.expr_ast import unknown_constants
from patchscope.core import Series
from patchscope.csource.enums import mail_enumerators, tree_enumerators
from patchscope.errors import ParseError
from patchscope.tree import TreeView

# `#define NAME body`, object-like only (a `(` right after the name makes it
# function-like); a body continued on the next line is not read
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(?![\w(])\s*(.*?)\s*$")
_COMMENT = re.compile(r"/\*.*?\*/|//.*$")
_WORD = re.compile(r"[A-Za-z_]\w*")
MAX_NAMES = 64  # names looked up per series: a bound on tree greps


@dataclass(frozen=True)
class MacroValue:
    name: str
    value: int
    where: str  # "mm/vma.h:12 (the mail)" or "include/linux/mm.h:30 (the tree)"


def _definitions(lines: Iterable[tuple[str, str]]) -> dict[str, list[tuple[str, str]]]:
    """name -> [(body, where)] for each object-like #define among *lines*."""
    out: dict[str, list[tuple[str, str]]] = {}
    for text, where in lines:
        m = _DEFINE.match(text)
        if m is None or text.rstrip().endswith("\\"):
            continue
        body = " ".join(_COMMENT.sub(" ", m.group(2)).split())
        out.setdefault(m.group(1), []).append((body, where))
    return out


def _mail_lines(series: Series) -> Iterable[tuple[str, str]]:
    for patch in series.patches:
        for fc in patch.files:
            for hunk in fc.hunks:
                for line in hunk.lines:
                    n = line.new_lineno or line.old_lineno
                    yield line.text, f"{fc.path}:{n} (patch {patch.index} of the mail)"


def _tree_lines(tree: TreeView, names: list[str]) -> Iterable[tuple[str, str]]:
    for name in names:
        for path in tree.grep_extended(rf"^\s*#\s*define\s+{name}\b")[:16]:
            text = tree.base_text(path) or ""
            for n, line in enumerate(text.splitlines(), 1):
                if name in line and "define" in line:
                    yield line, f"{path}:{n} (the tree)"


def _called_names(series: Series, profile: ArchProfile) -> list[str]:
    words: set[str] = set()
    for patch in series.patches:
        for call in patch.call_sites:
            for arg in (call.old_args or []) + (call.new_args or []):
                words.update(_WORD.findall(arg.text))
    return unknown_constants(words, profile.macros)[:MAX_NAMES]


def macro_values(series: Series, tree: TreeView | None,
                 profile: ArchProfile) -> dict[str, MacroValue]:
    """The constants the series' calls name whose one value the mail or tree gives."""
    names = _called_names(series, profile)
    if not names:
        return {}
    found = _definitions(_mail_lines(series))
    if tree is not None:
        for name, defs in _definitions(_tree_lines(tree, names)).items():
            found.setdefault(name, []).extend(defs)
    # enum constants count as constants the same way (one distinct value)
    def constant(body: str, known: dict[str, int]) -> int | None:
        return _constant(body, known, profile)

    wanted = set(names)
    enums = list(mail_enumerators(series, constant))
    if tree is not None:
        enums += tree_enumerators(tree, names, constant)
    for name, number, where in enums:
        if name in wanted and (number, where) not in found.get(name, []):
            found.setdefault(name, []).append((number, where))
    known: dict[str, int] = {}
    out: dict[str, MacroValue] = {}
    for _ in range(3):  # a macro defined by another the mail defines
        for name in names:
            defs = found.get(name, [])
            bodies = {body for body, _ in defs}
            if name in out or len(bodies) != 1:
                continue
            value = _constant(bodies.pop(), known, profile)
            if value is not None:
                out[name] = MacroValue(name, value, defs[0][1])
                known[name] = value
    return out


def _constant(body: str, known: dict[str, int], profile: ArchProfile) -> int | None:
    """The value of a #define's body, if it is a non-negative constant an
    ``int`` holds (so no C type can read it otherwise)."""
    if not body:
        return None
    try:
        expr = parse_expr(body)
        value = evaluate_value(expr, {}, replace(profile, extra_macros=dict(known)))
    except (ParseError, EvalError, ValueError, TypeError, ZeroDivisionError):
        return None
    if not isinstance(value, IntValue) or not 0 <= value.value < 1 << 31:
        return None
    return value.value
