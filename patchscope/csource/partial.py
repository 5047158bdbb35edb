"""Signature changes a hunk cuts: the declarator runs past the window's edge.

A hunk may start inside a parameter list (the function's name only in its
``@@`` line) or end inside one, or right after its ``)`` before the ``{``.
The change is real, but its old and new parameters cannot be read from the
mail; the calls of that function must still get a verdict, ``unknown`` with
that reason, never none.
"""

from __future__ import annotations

from patchscope.csource.scan import (
    Source,
    _declarator_start,
    _matching,
    function_name_in,
)
from patchscope.csource.windows import Unit

# what may stand after a declarator's ")": its body, the end of a prototype, attributes
_AFTER_DECLARATOR = ("{", ";")


def _changed(unit: Unit, kind: str) -> set[int]:
    assert unit.hunk_index is not None
    hunk = unit.change.hunks[unit.hunk_index]
    return {(dl.old_lineno if kind == "-" else dl.new_lineno) or 0
            for dl in hunk.lines if dl.kind == kind}


def _starts_inside(src: Source, section: str, changed: set[int]) -> tuple[str, int] | None:
    """The window begins inside the parameter list of the function its section names."""
    name = function_name_in(section)
    # a section whose parameter list closes on its own line is a whole declarator:
    # a ")" the window opens with then closes a call inside that function
    if name is None or section.count("(") <= section.count(")"):
        return None
    tokens, code = src.tokens, src.code
    depth = 0
    for j, i in enumerate(code):
        s = tokens[i].spelling
        if s == "(":
            depth += 1
        elif s == ")":
            if depth:
                depth -= 1
                continue
            after = tokens[code[j + 1]] if j + 1 < len(code) else None
            line = src.line_of(tokens[i])
            tail = after is None or after.spelling in _AFTER_DECLARATOR or (
                after.kind in ("IDENTIFIER", "KEYWORD") and after.spelling.startswith("__"))
            if tail and any(n <= line for n in changed):
                return name, src.first_line
            return None
        elif s in ("{", ";"):
            return None
    return None


def _ends_inside(src: Source, changed: set[int]) -> list[tuple[str, int]]:
    """Declarators whose ")" or whose "{"/";" lies past the window's end."""
    tokens, code = src.tokens, src.code
    out = []
    for k, i in enumerate(code[:-1]):
        t = tokens[i]
        if t.kind != "IDENTIFIER" or tokens[code[k + 1]].spelling != "(":
            continue
        if _declarator_start(tokens, code, k) is None:
            continue
        close = _matching(tokens, code, k + 1)
        rest = [tokens[x] for x in code[close + 1:]] if close is not None else []
        cut = close is None or all(
            r.kind in ("IDENTIFIER", "KEYWORD") and r.spelling.startswith("__") for r in rest)
        line = src.line_of(t)
        if cut and any(n >= line for n in changed):
            out.append((t.spelling, line))
    return out


def cut_declarators(units: list[Unit], known: set[str]) -> dict[str, tuple[str, int, str]]:
    """Functions not in *known* whose declarator a hunk changes without showing it
    whole: name -> (file, line, why)."""
    out: dict[str, tuple[str, int, str]] = {}
    for unit in units:
        if unit.hunk_index is None:
            continue
        for src, kind in ((unit.old, "-"), (unit.new, "+")):
            if src is None:
                continue
            changed = _changed(unit, kind)
            if not changed:
                continue
            found = _starts_inside(src, unit.section, changed)
            if found and found[0] not in known:
                out.setdefault(found[0], (unit.path, found[1], "the hunk starts inside the "
                                          f"parameter list of {found[0]}()"))
            for name, line in _ends_inside(src, changed):
                if name not in known:
                    out.setdefault(name, (unit.path, line, "the hunk ends before the "
                                          f"declarator of {name}() does"))
    return out
