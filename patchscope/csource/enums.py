"""The values of enum constants, from the enum definitions the mail or tree shows.

``enum walk_mode { WALK_FAST, WALK_SLOW };`` gives ``WALK_FAST = 0`` and
``WALK_SLOW = 1`` (C numbers enumerators from 0, each one more than the one
before unless it says ``= value``).  Only a whole definition counts, from its
``enum`` to its closing brace inside one hunk's side (or one tree file); an
enumerator whose value is not a constant ends the reading of that enum.
:mod:`.defines` takes the values as it takes macros' values: one distinct
value per name, else unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from patchscope.core import Series
from patchscope.tree import TreeView

MAX_FILES = 64  # tree files read for the enumerators looked up
_ENUM = re.compile(r"\benum\s+(?:[A-Za-z_]\w*\s*)?\{([^{}]*)\}", re.S)
_MEMBER = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:=\s*(.+?))?\s*$", re.S)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
# an enumerator's `= expr` and the enumerators before it -> its value, or None
Constant = Callable[[str, dict[str, int]], "int | None"]


def enumerators(text: str, constant: Constant) -> Iterator[tuple[str, str, int]]:
    """(name, value as text, offset of the name in *text*) of every enumerator
    of the whole enum definitions in *text*.  *constant* evaluates an
    enumerator's ``= expr`` to an int or None (``(body, known) -> int | None``)."""
    clean = _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
    for m in _ENUM.finditer(clean):
        known: dict[str, int] = {}
        value = -1
        offset = m.start(1)
        for part in m.group(1).split(","):
            here = offset
            offset += len(part) + 1
            if not part.strip():
                continue
            member = _MEMBER.match(part)
            if member is None:
                break
            if member.group(2) is not None:
                given = constant(member.group(2), known)
                if given is None:
                    break
                value = given
            else:
                value += 1
            known[member.group(1)] = value
            yield member.group(1), str(value), here + part.index(member.group(1))


def _where(lines: list[tuple[str, str]], text: str, offset: int) -> str:
    line = text.count("\n", 0, offset)
    return lines[line][1] if line < len(lines) else lines[-1][1]


def _sides(series: Series) -> Iterable[list[tuple[str, str]]]:
    """Each hunk's old side and new side: (line text, where) per line."""
    for patch in series.patches:
        for fc in patch.files:
            for hunk in fc.hunks:
                for side in ("old", "new"):
                    out = []
                    for line in hunk.lines:
                        if (side, line.kind) in (("old", "+"), ("new", "-")):
                            continue
                        n = line.new_lineno if side == "new" else line.old_lineno
                        out.append((line.text, f"{fc.path}:{n} (patch {patch.index} of the "
                                    "mail)"))
                    yield out


def mail_enumerators(series: Series, constant: Constant) -> Iterator[tuple[str, str, str]]:
    """(name, value, where) of each enumerator the mail's hunks show whole."""
    for lines in _sides(series):
        if not any("enum" in text for text, _ in lines):
            continue
        text = "\n".join(t for t, _ in lines)
        for name, value, offset in enumerators(text, constant):
            yield name, value, _where(lines, text, offset)


def tree_enumerators(tree: TreeView, names: list[str],
                     constant: Constant) -> Iterator[tuple[str, str, str]]:
    """(name, value, where) of each of *names* an enum of the tree defines."""
    wanted = set(names)
    if not names:
        return
    # one grep for them all (each is a walk of the whole tree): an enumerator's line
    pattern = rf"(^|[{{,])\s*({'|'.join(names)})\s*(=|,|}}|$)"
    for path in tree.grep_extended(pattern)[:MAX_FILES]:
        text = tree.base_text(path) or ""
        for found, value, offset in enumerators(text, constant):
            if found in wanted:
                yield found, value, f"{path}:{text.count(chr(10), 0, offset) + 1} (the tree)"
