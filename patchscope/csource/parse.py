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
import sys
import tempfile
from collections.abc import Callable

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


class ParsedFile:
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


MACRO_LIKE = re.compile(rb"\b(?:[A-Z][A-Z0-9_]{2,}|true|false|NULL)\b")


def guess_undeclared(data: bytes, offsets: list[int], reach: int = 400) -> tuple[str, ...]:
    """Macro-like names (ALL_CAPS, true, false, NULL) just after *offsets* that the
    file does not ``#define`` itself: what a header-less parse will miss."""
    names: set[str] = set()
    for at in offsets:
        names.update(m.group(0).decode() for m in MACRO_LIKE.finditer(data, at, at + reach))
    defined = {
        n
        for n in names
        if re.search(rb"^[ \t]*#[ \t]*define[ \t]+" + n.encode() + rb"\b", data, re.M)
    }
    return tuple(sorted(names - defined))


def parse_file(
    path: str, text: str, flags: list[str] | None = None, hints: tuple[str, ...] = ()
) -> ParsedFile:
    """Parse *text* as the file *path*; tolerant of missing headers unless *flags*.

    With compile flags (from ``compile_commands.json``) the includes are kept;
    stubbing still fills in what the flags leave undeclared.
    """
    return ParsedFile(path, text.encode("utf-8", errors="surrogateescape"), flags, hints)


class CompileCommandsError(ValueError):
    """A compilation database that libclang cannot load."""


def _load_database(path: str) -> cindex.CompilationDatabase:
    """libclang's reader of *path*; it looks for ``compile_commands.json`` in a
    directory, so a file of another name is shown to it under that name."""
    if not os.path.isfile(path):
        raise CompileCommandsError("no such file" if not os.path.exists(path) else "not a file")
    try:
        with open(path, "rb") as f:
            json.load(f)  # libclang reads a malformed file as an empty database
    except (OSError, ValueError) as err:
        raise CompileCommandsError(f"not a JSON compilation database ({err})") from None
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.basename(path) == "compile_commands.json":
        return _from_directory(directory)
    with tempfile.TemporaryDirectory(prefix="patchscope-cc-") as tmp:
        os.symlink(os.path.abspath(path), os.path.join(tmp, "compile_commands.json"))
        return _from_directory(tmp)


def _from_directory(directory: str) -> cindex.CompilationDatabase:
    # libclang writes its reasons to file descriptor 2 itself: catch them
    # there, so that the user gets one line and the reason is in it
    with tempfile.TemporaryFile() as said:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(said.fileno(), 2)
        try:
            return cindex.CompilationDatabase.fromDirectory(directory)
        except cindex.CompilationDatabaseError:
            said.seek(0)
            lines = said.read().decode(errors="replace").splitlines()
            reason = next((ln.split(": ", 1)[1] for ln in lines
                           if ln.startswith("json-compilation-database: ")), "")
            raise CompileCommandsError(
                "libclang cannot load it as a compilation database"
                + (f" ({reason})" if reason else "")) from None
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class CompileCommands:
    """Flags per file from a ``compile_commands.json``, read by libclang.

    Raises :class:`CompileCommandsError` when the file cannot be read.
    """

    def __init__(self, path: str, root: str) -> None:
        self.root = root
        self.by_file: dict[str, list[str]] = {}
        database = _load_database(path)
        for command in database.getAllCompileCommands() or []:
            directory = command.directory or root
            file = os.path.normpath(os.path.join(directory, command.filename))
            argv = list(command.arguments)
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
def _cached_parse(
    path: str, text: str, flags: tuple[str, ...] | None, hints: tuple[str, ...]
) -> ParsedFile:
    return parse_file(path, text, list(flags) if flags is not None else None, hints)


def parse_cached(
    path: str, text: str, flags: list[str] | None = None, hints: tuple[str, ...] = ()
) -> ParsedFile:
    """:func:`parse_file`, remembered: old and new sides often share files."""
    return _cached_parse(path, text, tuple(flags) if flags is not None else None, hints)
