"""Calls the compiler parse does not see: inside macro bodies, or skipped by #if.

A call written in a ``#define`` body is made wherever the macro is used; if
its argument count no longer fits, every use breaks the build, so it is an
error like any other caller left behind.  A call under an inactive ``#if``
branch is a warning: it matters in another configuration.
"""

from __future__ import annotations

import re

from patchscope.core import Finding, Severity, SignatureChange
from patchscope.csource.focus import CodeMap
from patchscope.csource.scan import RawCall

DEFINE = re.compile(rb"[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)")


def enclosing_macro(data: bytes, offset: int) -> tuple[str, int] | None:
    """Name and line of the ``#define`` whose (backslash-continued) body holds *offset*."""
    start = data.rfind(b"\n", 0, offset) + 1
    while start > 1 and data[start - 2 : start] == b"\\\n":
        start = data.rfind(b"\n", 0, start - 2) + 1
    m = DEFINE.match(data, start)
    if m is None:
        return None
    return m.group(1).decode(), data.count(b"\n", 0, start) + 1


def macro_use_lines(data: bytes, name: str, define_line: int) -> list[int]:
    """Lines where macro *name* is used in code (its own #define line excluded)."""
    lines = []
    for at in CodeMap(data).code_occurrences(name):
        line = data.count(b"\n", 0, at) + 1
        if line != define_line:
            lines.append(line)
    return lines


def unseen_findings(
    sig: SignatureChange,
    path: str,
    data: bytes,
    parsed_count: int,
    unseen: list[RawCall],
    patch: int,
) -> list[Finding]:
    """Findings for the calls of ``sig.function`` the lexer found and the parse did not."""
    out: list[Finding] = []
    skipped: list[RawCall] = []
    for call in unseen:
        macro = enclosing_macro(data, call.offset)
        if macro is None:
            skipped.append(call)
            continue
        name, line = macro
        uses = macro_use_lines(data, name, line)
        nargs = len(call.args)
        where = f"used at line(s) {', '.join(map(str, uses))}" if uses else "not used in this file"
        stale = nargs != len(sig.new_params) and "..." not in [p.type for p in sig.new_params]
        out.append(
            Finding(
                check="caller-not-updated" if stale and uses else "call-in-macro",
                severity=Severity.ERROR if stale and uses else Severity.WARNING,
                message=f"the macro {name} calls {sig.function}() with {nargs} argument(s)"
                f"{'; the new signature takes ' + str(len(sig.new_params)) if stale else ''} "
                f"({where})",
                file=path,
                line=call.line,
                patch=patch,
            )
        )
    if skipped:
        lines = ", ".join(str(c.line) for c in skipped)
        out.append(
            Finding(
                check="calls-not-parsed",
                severity=Severity.WARNING,
                message=f"the compiler parse sees {parsed_count} call(s) of {sig.function}(), "
                f"the token scan {parsed_count + len(unseen)}: line(s) {lines} are in code the "
                "preprocessor skips here (#if/#else): check them for other configurations",
                file=path,
                line=skipped[0].line,
                patch=patch,
            )
        )
    return out
