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

libclang runs in the clang worker (:mod:`patchscope.clangproc`):
:class:`ParsedFile` here holds a handle to the worker's translation unit and
asks it questions, plain data both ways.  A crash of libclang on the file
raises :class:`~patchscope.clangproc.NativeFailure` naming the file.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import tempfile
from typing import Any

from clang import cindex

from patchscope import clangproc
from patchscope.clang import Token
from patchscope.csource.tu import blank_includes

__all__ = ["CompileCommands", "ParsedFile", "blank_includes", "parse_cached", "parse_file"]

WORKER = "patchscope.csource.tu"


class ParsedFile:
    """A file parsed in the clang worker, re-parsed with more stubs on demand.

    The questions are those of :class:`patchscope.csource.tu.LocalParsedFile`.
    When a restarted worker has lost the translation unit, it is parsed again
    to the same number of rounds, so the answers do not change.
    """

    def __init__(
        self, path: str, data: bytes, flags: list[str] | None, hints: tuple[str, ...] = ()
    ) -> None:
        self.path = path
        self._source = data
        self._flags = flags
        self._hints = hints
        self.rounds = 1
        self._handle = 0
        self._generation = -1
        self._defs: tuple[int, list[tuple[str, int, int]]] | None = None
        self.tolerant = flags is None
        self._open()
        self.data = blank_includes(data) if self.tolerant else data

    def _open(self) -> None:
        self._generation = clangproc.generation()
        self._handle, self.tolerant, self.rounds = clangproc.call(
            WORKER,
            "open_unit",
            self.path,
            self._source,
            self._flags,
            self._hints,
            self.rounds,
            what=self.path,
        )

    def _request(self, function: str, *args: object) -> Any:
        for _ in range(3):
            if self._generation != clangproc.generation():
                self._open()
            answer = clangproc.call(WORKER, function, self._handle, *args, what=self.path)
            if answer is not None:
                return answer
            self._generation = -1  # dropped from the worker's cache: parse again
        raise clangproc.NativeFailure(self.path, "lost the translation unit")

    def _ask(self, question: str, *args: object) -> Any:
        rounds, answer = self._request("ask", question, args)
        self.rounds = rounds
        return answer

    @property
    def stubs(self) -> list[str]:
        stubs: list[str] = self._request("stubs")
        return stubs

    def improve(self) -> bool:
        """Stub what the last parse found undeclared and parse again; False if
        there is nothing new to stub or the rounds are used up."""
        return bool(self._ask("improve"))

    def lex(self, start: int, end: int) -> list[Token]:
        """Tokens of bytes [start, end) of the file, from the parse's own buffer
        (blanked ``#include`` lines yield none)."""
        return list(self._ask("lex", start, end))

    def is_call(self, offset: int, name: str) -> bool:
        """Whether the compiler sees a use of function *name* at *offset*."""
        return bool(self._ask("is_call", offset, name))

    def is_function_ref(self, offset: int, name: str) -> bool:
        """Whether *offset* names the global function *name* (declared, or only
        stubbed because its header is missing), not a local of that name."""
        return bool(self._ask("is_function_ref", offset, name))

    def is_function_decl(self, offset: int, name: str) -> bool:
        """Whether *offset* is the name in a declaration of function *name*."""
        return bool(self._ask("is_function_decl", offset, name))

    def skipped(self, offset: int) -> bool:
        """Whether *offset* is in a macro definition or preprocessor-skipped code."""
        return bool(self._ask("skipped", offset))

    def inactive(self, offset: int) -> bool:
        """Whether *offset* lies in code the preprocessor skipped (#if 0, #else ...)."""
        return bool(self._ask("inactive", offset))

    def body_extent(self, offset: int) -> tuple[int, int] | None:
        """Byte range of the body of the function defined at *offset*."""
        extent: tuple[int, int] | None = self._ask("body_extent", offset)
        return extent

    @property
    def definitions(self) -> list[tuple[str, int, int]]:
        """(name, start offset, end offset) of each function defined in the file."""
        if self._defs is None or self._defs[0] != self.rounds:
            rounds, defs = self._request("definitions")
            self.rounds = rounds
            self._defs = (rounds, defs)
        return self._defs[1]

    def definition_at(self, offset: int) -> tuple[str, int, int] | None:
        """(name, start, end) of the function definition holding *offset*."""
        for d in self.definitions:
            if d[1] <= offset < d[2]:
                return d
        return None


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
