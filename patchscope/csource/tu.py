"""Translation units in the clang worker (see :mod:`patchscope.clangproc`).

This module runs only in the worker process: :class:`LocalParsedFile` holds
a libclang translation unit and answers questions about it; the functions at
the bottom are the requests :class:`patchscope.csource.parse.ParsedFile`
sends, with plain data in and out.  Translation units are kept by handle, the
most recently used few, so the worker's memory stays bounded.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from clang import cindex

from patchscope import clang
from patchscope.clang import Token

STUB_HEADER = "/patchscope-virtual/stubs.h"
MAX_ROUNDS = 4
INCLUDE_LINE = re.compile(rb"^[ \t]*#[ \t]*include\b[^\n]*", re.M)
STUB_RULES = [
    (re.compile(r"use of undeclared identifier '(\w+)'"), "extern long {0};"),
    (re.compile(r"call to undeclared (?:library )?function '(\w+)'"), "long {0}();"),
    (re.compile(r"unknown type name '(\w+)'"), "typedef long {0};"),
]
CALL_KINDS = {cindex.CursorKind.DECL_REF_EXPR, cindex.CursorKind.CALL_EXPR}


def blank_includes(data: bytes) -> bytes:
    """``#include`` lines replaced by spaces of the same length."""
    return INCLUDE_LINE.sub(lambda m: b" " * len(m.group(0)), data)


class LocalParsedFile:
    """A translation unit of one file, re-parsed with more stubs on demand.

    The first parse has no stubs.  When a question about the file (is this a
    call? a function declaration?) gets "no", the diagnostics' undeclared
    names are stubbed and the file parsed again, up to ``MAX_ROUNDS`` parses:
    most files need one or two, and a file whose calls all show up at once
    is never parsed twice.
    """

    def __init__(
        self, path: str, data: bytes, flags: list[str] | None, hints: tuple[str, ...] = ()
    ) -> None:
        self.path = path
        self.tolerant = flags is None
        self.data = blank_includes(data) if self.tolerant else data
        self.flags = list(flags or [])
        # names the caller expects undeclared (macros in the arguments of the
        # calls it asks about): stubbed up front to save a round
        self.stubs: list[str] = [f"extern long {h};" for h in hints] if self.tolerant else []
        self._known: set[str] = set(hints) if self.tolerant else set()
        self.rounds = 0
        self.tu = self._parse()
        if not self.tolerant and any(
            d.severity >= cindex.Diagnostic.Fatal for d in self.tu.diagnostics
        ):
            # a header the compile flags name is missing (a partial checkout,
            # generated headers not built): keep the flags, drop the includes
            self.tolerant = True
            self.data = blank_includes(data)
            self.stubs = [f"extern long {h};" for h in hints]
            self._known = set(hints)
            self.tu = self._parse()

    def _parse(self) -> cindex.TranslationUnit:
        self.rounds += 1
        self._defs: list[tuple[str, int, int]] | None = None
        self._file: cindex.File | None = None
        return _parse_once(self.path, self.data, self.flags, self.stubs)

    def improve(self) -> bool:
        """Stub what the last parse found undeclared and parse again; False if
        there is nothing new to stub or the rounds are used up."""
        if self.rounds >= MAX_ROUNDS:
            return False
        new = _stubs_from(self.tu, self._known)
        if not new:
            return False
        self.stubs.extend(new)
        self.tu = self._parse()
        return True

    def lex(self, start: int, end: int) -> list[Token]:
        """Tokens of bytes [start, end) of the file, from the parse's own buffer
        (no second libclang call to lex; blanked ``#include`` lines yield none)."""
        if self._file is None:
            self._file = self.tu.get_file(self.path)
        extent = cindex.SourceRange.from_locations(
            cindex.SourceLocation.from_offset(self.tu, self._file, start),
            cindex.SourceLocation.from_offset(self.tu, self._file, min(end, len(self.data))),
        )
        out = []
        for tok in self.tu.get_tokens(extent=extent):
            ext = tok.extent
            # one libclang call per location instead of one per property
            _f, line, column, start = ext.start._get_instantiation()
            end = ext.end._get_instantiation()[3]
            out.append(Token(tok.kind.name, tok.spelling, start, end, line, column))
        return out

    def cursor_at(self, offset: int) -> cindex.Cursor:
        """The cursor libclang finds at byte *offset* of the file."""
        if self._file is None:
            self._file = self.tu.get_file(self.path)
        loc = cindex.SourceLocation.from_offset(self.tu, self._file, offset)
        return cindex.Cursor.from_location(self.tu, loc)

    def _ask(self, question: Callable[[], bool]) -> bool:
        while True:
            if question():
                return True
            if not self.improve():
                return False

    def is_call(self, offset: int, name: str) -> bool:
        """Whether the compiler sees a use of function *name* at *offset*."""

        def seen() -> bool:
            cur = self.cursor_at(offset)
            if cur is None or cur.kind not in CALL_KINDS:
                return False
            ref = cur.referenced
            return ref is not None and ref.spelling == name

        return self._ask(seen)

    def is_function_ref(self, offset: int, name: str) -> bool:
        """Whether *offset* names the global function *name* (declared, or only
        stubbed because its header is missing), not a local of that name."""

        def seen() -> bool:
            cur = self.cursor_at(offset)
            if cur is None or cur.kind != cindex.CursorKind.DECL_REF_EXPR:
                return False
            ref = cur.referenced
            if ref is None or ref.spelling != name:
                return False
            if ref.kind == cindex.CursorKind.FUNCTION_DECL:
                return True
            where = ref.location.file
            return ref.kind == cindex.CursorKind.VAR_DECL and (
                where is None or where.name == STUB_HEADER
            )

        return self._ask(seen)

    def is_function_decl(self, offset: int, name: str) -> bool:
        """Whether *offset* is the name in a declaration of function *name*."""

        def seen() -> bool:
            cur = self.cursor_at(offset)
            return (
                cur is not None
                and cur.kind == cindex.CursorKind.FUNCTION_DECL
                and cur.spelling == name
            )

        return self._ask(seen)

    def skipped(self, offset: int) -> bool:
        """Whether *offset* is in a macro definition or preprocessor-skipped code."""
        cur = self.cursor_at(offset)
        return cur is None or cur.kind in (
            cindex.CursorKind.NO_DECL_FOUND,
            cindex.CursorKind.MACRO_DEFINITION,
        )

    def inactive(self, offset: int) -> bool:
        """Whether *offset* lies in code the preprocessor skipped (#if 0, #else ...)."""
        cur = self.cursor_at(offset)
        return cur is None or cur.kind == cindex.CursorKind.NO_DECL_FOUND

    def body_extent(self, offset: int) -> tuple[int, int] | None:
        """Byte range of the body of the function defined at *offset*."""
        cur = self.cursor_at(offset)
        if cur is None or cur.kind != cindex.CursorKind.FUNCTION_DECL:
            return None
        for child in cur.get_children():
            if child.kind == cindex.CursorKind.COMPOUND_STMT:
                return child.extent.start.offset, child.extent.end.offset
        return None

    @property
    def definitions(self) -> list[tuple[str, int, int]]:
        """(name, start offset, end offset) of each function defined in the file."""
        if self._defs is None:
            out = []
            for cur in self.tu.cursor.get_children():
                if cur.kind != cindex.CursorKind.FUNCTION_DECL or not cur.is_definition():
                    continue
                loc = cur.location
                if loc.file is None or loc.file.name != self.path:
                    continue
                out.append((cur.spelling, cur.extent.start.offset, cur.extent.end.offset))
            self._defs = out
        return self._defs

    def definition_at(self, offset: int) -> tuple[str, int, int] | None:
        """(name, start, end) of the function definition holding *offset*."""
        for d in self.definitions:
            if d[1] <= offset < d[2]:
                return d
        return None


def _stubs_from(tu: cindex.TranslationUnit, known: set[str]) -> list[str]:
    new = []
    for diag in tu.diagnostics:
        for rule, template in STUB_RULES:
            m = rule.match(diag.spelling)
            if m and m.group(1) not in known:
                known.add(m.group(1))
                new.append(template.format(m.group(1)))
    return new


def _parse_once(
    path: str, data: bytes, flags: list[str], stubs: list[str]
) -> cindex.TranslationUnit:
    header = "\n".join(stubs) + "\n"
    return clang.index().parse(
        path,
        args=clang.BASE_FLAGS + flags + ["-include", STUB_HEADER],
        unsaved_files=[(path, data), (STUB_HEADER, header.encode())],
        options=cindex.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD
        | cindex.TranslationUnit.PARSE_INCOMPLETE,
    )


# handle -> translation unit; the least recently used is dropped past KEEP
KEEP = 40
_units: OrderedDict[int, LocalParsedFile] = OrderedDict()
_handles = itertools.count(1)


def open_unit(
    path: str, data: bytes, flags: list[str] | None, hints: tuple[str, ...], rounds: int
) -> tuple[int, bool, int]:
    """Parse a file, improved to *rounds* parses; (handle, tolerant, rounds)."""
    unit = LocalParsedFile(path, data, flags, hints)
    while unit.rounds < rounds and unit.improve():
        pass
    handle = next(_handles)
    _units[handle] = unit
    while len(_units) > KEEP:
        _units.popitem(last=False)
    return handle, unit.tolerant, unit.rounds


def ask(handle: int, question: str, args: tuple[Any, ...]) -> tuple[int, Any] | None:
    """(rounds, answer) of ``unit.question(*args)``; None if the unit was dropped."""
    unit = _units.get(handle)
    if unit is None:
        return None
    _units.move_to_end(handle)
    if question not in QUESTIONS:
        raise ValueError(f"not a question: {question}")
    answer = getattr(unit, question)(*args)
    return unit.rounds, answer


def definitions(handle: int) -> tuple[int, list[tuple[str, int, int]]] | None:
    unit = _units.get(handle)
    if unit is None:
        return None
    return unit.rounds, unit.definitions


def stubs(handle: int) -> list[str] | None:
    unit = _units.get(handle)
    return None if unit is None else list(unit.stubs)


QUESTIONS = {
    "improve", "lex", "is_call", "is_function_ref", "is_function_decl",
    "skipped", "inactive", "body_extent",
}


def _sleep_for_test(seconds: float) -> None:
    """A request that hangs (the worker's time limit is tested with it)."""
    import time

    time.sleep(seconds)
