"""The definitions that build a struct, as a patch's proofs may know them.

A caller of a function that takes ``struct unmap_desc *desc`` builds the
struct with an initializer macro (``UNMAP_DESC(name, ...)``), an init helper
(``static inline void unmap_desc_init(struct unmap_desc *desc, ...)``) or a
positional initializer (which needs the struct's fields in order).  Those
definitions, read from text, are :class:`Shape` s; a :class:`Catalogue`
holds the ones one patch may use, by side: this patch's new text, the
series' earlier patches as they left them, and in tree mode the tree (each
named by where it came from: ``UNMAP_DESC() from patch 3/4``).
:mod:`.packed` reads the callers' statements with them.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from patchscope.core import Patch


@dataclass(frozen=True)
class Shape:
    """A definition the builders of a struct use: ``struct``, ``macro``, ``helper``."""

    kind: str
    name: str
    params: tuple[str, ...]  # macro and helper parameters; a struct's fields in order
    body: str  # macro replacement text, helper body (inside the braces)
    origin: str  # "this patch", "patch 3/4", "the tree (mm/internal.h)"
    file: str
    text: str  # the whole definition as written (for the accounting)

    @property
    def label(self) -> str:
        what = {"struct": f"struct {self.name}", "macro": f"{self.name}()",
                "helper": f"{self.name}()"}[self.kind]
        return f"{what} from {self.origin}"


@dataclass(frozen=True)
class Catalogue:
    """The struct shapes known to one patch's proofs, by kind and name; a
    name defined twice differently is left out (which one applies is the
    preprocessor's business)."""

    shapes: tuple[Shape, ...] = ()
    # what the old side of the patch reads (its own old text, the series before
    # it): a statement the patch removes used the definitions as they were
    old_shapes: tuple[Shape, ...] | None = None

    def find(self, kind: str, name: str) -> Shape | None:
        return next((s for s in self.shapes if s.kind == kind and s.name == name), None)

    def side(self, side: str) -> Catalogue:
        if side == "old":
            return Catalogue(self.old_shapes if self.old_shapes is not None else ())
        return Catalogue(self.shapes)


_CURRENT: contextvars.ContextVar[Catalogue | None] = contextvars.ContextVar(
    "packed_catalogue", default=None)


def current() -> Catalogue:
    """The catalogue of the patch being decided (:func:`known`)."""
    return _CURRENT.get() or Catalogue()


@contextmanager
def known(catalogue: Catalogue) -> Iterator[None]:
    """Within the block, the caller definitions read with *catalogue*."""
    token = _CURRENT.set(catalogue)
    try:
        yield
    finally:
        _CURRENT.reset(token)


_MACRO = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)(.*)$")
_STRUCT = re.compile(r"\bstruct\s+([A-Za-z_]\w*)\s*\{")
CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")  # a macro's spelling, by kernel style
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_HELPER = re.compile(r"\bstatic\s+inline\s+void\s+([A-Za-z_]\w*)\s*\(")


def _matching(text: str, k: int, open_: str, close: str) -> int | None:
    depth = 0
    for i in range(k, len(text)):
        if text[i] == open_:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return i
    return None


def _fields(members: str) -> tuple[str, ...] | None:
    out = []
    for m in members.split(";"):
        words = re.findall(r"[A-Za-z_]\w*|[\[\]:(){},]", m)
        if not words:
            continue
        if any(w in "[]:(){}," for w in words) or len(words) < 2:
            return None  # arrays, bit-fields, nested or function-pointer members
        out.append(words[-1])
    return tuple(out)


def shapes_in(text: str, origin: str, file: str) -> list[Shape]:
    """The struct definitions, function-like macros and ``static inline void``
    helpers written whole in *text*."""
    out: list[Shape] = []
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        m = _MACRO.match(lines[k])
        if m is None:
            k += 1
            continue
        first, body = k, [m.group(3)]
        while body[-1].endswith("\\") and k + 1 < len(lines):
            body[-1] = body[-1][:-1]
            k += 1
            body.append(lines[k])
        k += 1
        if body[-1].endswith("\\"):
            continue  # runs past the text
        params = tuple(p.strip() for p in m.group(2).split(",") if p.strip())
        out.append(Shape("macro", m.group(1), params, " ".join(body).strip(), origin, file,
                         "\n".join(lines[first:k])))
    code = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    for m in _STRUCT.finditer(code):
        end = _matching(code, m.end() - 1, "{", "}")
        if end is None or not code[end + 1:].lstrip().startswith(";"):
            continue
        fields = _fields(code[m.end():end])
        if fields is not None:
            semi = code.index(";", end)
            out.append(Shape("struct", m.group(1), fields, "", origin, file,
                             text[m.start():semi + 1]))
    for m in _HELPER.finditer(code):
        close = _matching(code, m.end() - 1, "(", ")")
        if close is None:
            continue
        brace = code.find("{", close)
        if brace < 0 or code[close + 1:brace].strip():
            continue  # a prototype, or attributes we do not read
        end = _matching(code, brace, "{", "}")
        if end is None:
            continue
        names = []
        for p in code[m.end():close].split(","):
            words = re.findall(r"[A-Za-z_]\w*", p)
            names.append(words[-1] if words else "")
        out.append(Shape("helper", m.group(1), tuple(names), code[brace + 1:end], origin,
                         file, text[m.start():end + 1]))
    return out


Source = tuple[str, str, str, int]  # text, origin, file, precedence level


def catalogue_of(sources: Sequence[tuple[str, str, str] | Source]) -> Catalogue:
    """The catalogue of (text, origin, file[, level]) sources: a higher level
    wins (a definition a later patch changes is the later one; without levels
    each source is one above the last); a name two sources of one level
    define differently is left out (per-architecture headers, ``#if``
    branches: which one applies is the preprocessor's business)."""
    chosen: dict[tuple[str, str], Shape | None] = {}
    rank: dict[tuple[str, str], int] = {}
    for n, src in enumerate(sources):
        text, origin, file = src[0], src[1], src[2]
        level = src[3] if len(src) > 3 else n
        for s in shapes_in(text, origin, file):
            key = (s.kind, s.name)
            if key in chosen and rank[key] > level:
                continue
            if key in chosen and rank[key] == level:
                prev = chosen[key]
                if prev is None or (prev.params, prev.body) != (s.params, s.body):
                    chosen[key] = None
                continue
            chosen[key], rank[key] = s, level
    return Catalogue(tuple(s for s in chosen.values() if s is not None))


def _hunk_texts(patch: Patch, side: str = "new") -> list[tuple[str, str, list[str]]]:
    """(file, the side's window text, changed lines' text) of each hunk."""
    out = []
    for fc in patch.files:
        if fc.is_binary or not fc.path.endswith((".c", ".h")):
            continue
        for h in fc.hunks:
            changed = [dl.text for dl in h.lines if dl.kind in "+-"]
            window = h.new_window if side == "new" else h.old_window
            out.append((fc.path, "\n".join(window), changed))
    return out


def catalogue_for(patch: Patch, earlier: Sequence[Patch],
                  tree_files: Sequence[tuple[str, str]] = ()) -> Catalogue:
    """What *patch*'s proofs may read: the tree's files that define shapes
    (:mod:`patchscope.csource.shapes`; only those no patch up to this one
    changes, so that they are the same on both sides), the tree's windows
    (tree mode), the series' earlier patches as they left their definitions
    (a definition a later patch touches is dropped unless that patch shows it
    whole), and this patch's new side; for its old side, the same before it."""
    touched = {fc.path for p in [*earlier, patch] for fc in p.files} | {
        fc.old_path for p in [*earlier, patch] for fc in p.files if fc.old_path}
    base: list[Source] = [(text, f"the tree ({path})", path, 0) for path, text in tree_files
                          if path not in touched]
    new = base + _sources(patch, earlier, "new")
    old = base + _sources(patch, earlier, "old")
    return Catalogue(catalogue_of(new).shapes, catalogue_of(old).shapes)


def _sources(patch: Patch, earlier: Sequence[Patch], side: str) -> list[Source]:
    """Level 1 the tree's windows, then one level per patch of the chain."""
    sources: list[Source] = []
    for fc in patch.files:
        for w in fc.tree_windows:
            lines = w.new_lines if side == "new" else w.old_lines
            sources.append(("\n".join(lines), f"the tree ({fc.path})", fc.path, 1))
    chain = list(earlier) if side == "old" else [*earlier, patch]
    for k, p in enumerate(chain):
        origin = "this patch" if p is patch else f"patch {p.index}/{p.total}"
        for file, text, _ in _hunk_texts(p):
            keep = []
            for s in shapes_in(text, origin, file):
                # a later patch that changes the file may change the definition
                # where its hunks do not show the name: only a whole new one counts
                later = [t for q in chain[k + 1:] for f, t, ch in _hunk_texts(q)
                         if f == s.file and ch
                         and not any(s2.name == s.name for s2 in shapes_in(t, "", f))]
                if not later:
                    keep.append(s)
            if keep:
                sources.append(("\n\n".join(s.text for s in keep), origin, file, 2 + k))
    if side == "old":
        sources += [(text, "this patch (its old side)", file, 2 + len(chain))
                    for file, text, _ in _hunk_texts(patch, "old")]
    return sources
