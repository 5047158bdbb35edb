"""Whole-file libclang parses that survive missing headers.

Without the kernel's headers and flags a plain parse loses calls: clang drops
a call expression whose arguments name an undeclared identifier.  So, unless
compile flags are known, ``#include`` lines are blanked (same length, so
offsets and line numbers hold), and every undeclared identifier, function and
type the diagnostics name is stubbed in a virtual header passed with
``-include``; then the file is parsed again, for a few rounds.

The parse decides what the token scan cannot: whether a ``name(`` the lexer
found is a call the compiler sees (not one inside a macro definition or an
inactive ``#if`` branch), and where each function's definition starts.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
from dataclasses import dataclass, field

from clang import cindex

from patchscope import clang

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


@dataclass
class ParsedFile:
    """A translation unit of one file, and what it took to get it."""

    path: str
    tu: cindex.TranslationUnit
    tolerant: bool
    rounds: int
    stubs: list[str] = field(default_factory=list)

    @functools.cached_property
    def _file(self) -> cindex.File:
        return self.tu.get_file(self.path)

    def cursor_at(self, offset: int) -> cindex.Cursor:
        loc = cindex.SourceLocation.from_offset(self.tu, self._file, offset)
        return cindex.Cursor.from_location(self.tu, loc)

    def is_call(self, offset: int, name: str) -> bool:
        """Whether the compiler sees a use of function *name* at *offset*."""
        cur = self.cursor_at(offset)
        if cur is None or cur.kind not in CALL_KINDS:
            return False
        ref = cur.referenced
        return ref is not None and ref.spelling == name

    def is_function_decl(self, offset: int, name: str) -> bool:
        cur = self.cursor_at(offset)
        return (
            cur is not None and cur.kind == cindex.CursorKind.FUNCTION_DECL and cur.spelling == name
        )

    @functools.cached_property
    def definitions(self) -> list[tuple[str, int, int]]:
        """(name, start offset, end offset) of each function defined in the file."""
        out = []
        for cur in self.tu.cursor.get_children():
            if cur.kind != cindex.CursorKind.FUNCTION_DECL or not cur.is_definition():
                continue
            loc = cur.location
            if loc.file is None or loc.file.name != self.path:
                continue
            out.append((cur.spelling, cur.extent.start.offset, cur.extent.end.offset))
        return out

    def definition_at(self, offset: int) -> tuple[str, int, int] | None:
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


def parse_file(path: str, text: str, flags: list[str] | None = None) -> ParsedFile:
    """Parse *text* as the file *path*; tolerant of missing headers unless *flags*.

    With compile flags (from ``compile_commands.json``) the includes are kept;
    stubbing still fills in what the flags leave undeclared.
    """
    data = text.encode("utf-8", errors="surrogateescape")
    tolerant = flags is None
    if tolerant:
        data = blank_includes(data)
    stubs: list[str] = []
    known: set[str] = set()
    tu = _parse_once(path, data, list(flags or []), stubs)
    rounds = 1
    while rounds < MAX_ROUNDS:
        new = _stubs_from(tu, known)
        if not new:
            break
        stubs.extend(new)
        tu = _parse_once(path, data, list(flags or []), stubs)
        rounds += 1
    return ParsedFile(path=path, tu=tu, tolerant=tolerant, rounds=rounds, stubs=stubs)


class CompileCommands:
    """Flags per file from a ``compile_commands.json``."""

    def __init__(self, path: str, root: str) -> None:
        self.root = root
        self.by_file: dict[str, list[str]] = {}
        try:
            with open(path, encoding="utf-8") as f:
                entries = json.load(f)
        except (OSError, ValueError):
            entries = []
        for entry in entries if isinstance(entries, list) else []:
            try:
                directory = entry.get("directory", root)
                file = os.path.normpath(os.path.join(directory, entry["file"]))
                argv = entry.get("arguments") or shlex.split(entry["command"])
            except (KeyError, TypeError, ValueError):
                continue
            rel = os.path.relpath(file, root)
            self.by_file[rel] = self._flags(argv[1:], directory, file)

    @staticmethod
    def _flags(argv: list[str], directory: str, file: str) -> list[str]:
        out: list[str] = []
        skip = False
        for arg in argv:
            if skip:
                skip = False
                continue
            if arg in ("-o", "-MF", "-MT", "-MQ"):
                skip = True
                continue
            if (
                arg in ("-c", "-MD", "-MMD")
                or os.path.normpath(os.path.join(directory, arg)) == file
            ):
                continue
            for opt in ("-I", "-isystem", "-include"):
                if arg.startswith(opt) and len(arg) > len(opt) and not arg[len(opt)].isspace():
                    val = arg[len(opt) :]
                    if opt == "-I" and not os.path.isabs(val):
                        arg = opt + os.path.normpath(os.path.join(directory, val))
            out.append(arg)
        return out

    def flags_for(self, path: str) -> list[str] | None:
        """Flags for *path* (relative to the tree); headers borrow any .c file's."""
        if path in self.by_file:
            return self.by_file[path]
        if path.endswith(".h") and self.by_file:
            return next(iter(self.by_file.values()))
        return None


@functools.lru_cache(maxsize=32)
def _cached_parse(path: str, text: str, flags: tuple[str, ...] | None) -> ParsedFile:
    return parse_file(path, text, list(flags) if flags is not None else None)


def parse_cached(path: str, text: str, flags: list[str] | None = None) -> ParsedFile:
    """:func:`parse_file`, remembered: old and new sides often share files."""
    return _cached_parse(path, text, tuple(flags) if flags is not None else None)
