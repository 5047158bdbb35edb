"""Whole-tree mode: every caller of a changed function, anywhere in the tree.

``git grep -l -w`` on the base commit's tree names the candidate files (plus
whatever the series itself creates or changes); only those are lexed and,
when the lexer finds a call, parsed.  Each call is checked on the new side,
after the patch, against the new signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from patchscope.core import Finding, Severity, SignatureChange
from patchscope.csource.analyse import arity_mismatch, not_updated
from patchscope.csource.calls import call_source, calls_in
from patchscope.csource.focus import CodeMap
from patchscope.csource.macros import unseen_findings
from patchscope.csource.parse import ParsedFile, guess_undeclared
from patchscope.csource.scan import RawDecl, Source, find_declarators
from patchscope.csource.windows import is_c_file
from patchscope.tree import TreeView


@dataclass
class Caller:
    """One call found by the whole-tree search."""

    file: str
    line: int
    caller: str | None
    nargs: int


@dataclass
class CallerSearch:
    """What a whole-tree search for one function found."""

    function: str
    candidates: int = 0  # files git grep named
    callers: list[Caller] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def find_callers(
    tree: TreeView,
    after: int,
    sig: SignatureChange,
    parse: Callable[[str, str, tuple[str, ...]], ParsedFile],
    patch: int,
    skip: set[str] | None = None,
) -> CallerSearch:
    """Every call of ``sig.function`` in the tree after the first *after* patches.

    Files in *skip* were already analysed in full (the patch's own files).
    A call whose argument count does not fit the new signature is a
    ``caller-not-updated`` error; calls only the lexer sees, a warning.
    """
    result = CallerSearch(sig.function)
    paths = set(tree.grep(sig.function))
    paths |= {p for p in tree.touched(after) if is_c_file(p)}
    result.candidates = len(paths)
    wanted = sorted(p for p in paths if is_c_file(p))
    tree.prefetch(wanted)
    for path in wanted:
        own = skip is not None and path in skip
        text = tree.text(path, after)
        if text is None:
            continue
        data = text.encode("utf-8", errors="surrogateescape")
        found = CodeMap(data).code_occurrences(sig.function)
        if not found:
            continue  # named only in comments or strings
        parsed = parse(path, text, guess_undeclared(data, found))
        src = call_source(path, text, sig.function, parsed.lex)
        if src is None:
            continue
        decls = [
            d
            for d in find_declarators(src, {sig.function})
            if parsed.is_function_decl(d.offset, sig.function)
        ]
        if any(d.is_static for d in decls):
            continue  # a function of its own that happens to share the name
        for d in decls:
            if arity_mismatch(sig, len(d.params)):
                result.findings.append(stale_declaration(sig, path, d, patch))
        for line in value_uses(src, sig.function, parsed):
            result.findings.append(
                Finding(
                    check="function-used-as-value",
                    severity=Severity.WARNING,
                    message=f"{sig.function} is used here without being called (a function "
                    "pointer?); whatever holds it must take the new signature too",
                    file=path,
                    line=line,
                    patch=patch,
                )
            )
        if own:
            continue  # its calls were checked with the patch's own files
        scan = calls_in(src, sig.function, parsed)
        if scan.unseen:
            result.findings.extend(
                unseen_findings(sig, path, data, len(scan.calls), scan.unseen, patch)
            )
        for call in scan.calls:
            nargs = len(call.raw.args)
            result.callers.append(Caller(path, call.raw.line, call.caller, nargs))
            if arity_mismatch(sig, nargs):
                result.findings.append(
                    not_updated(sig, path, call.raw.line, call.caller, nargs, patch)
                )
    return result


def value_uses(src: Source, name: str, parsed: ParsedFile) -> list[int]:
    """Lines where the function *name* is used as a value (its address taken,
    stored in an ops table), not called; export macros do not count."""
    tokens, code = src.tokens, src.code
    lines = []
    for k, i in enumerate(code):
        t = tokens[i]
        if t.spelling != name or t.kind != "IDENTIFIER":
            continue
        after = tokens[code[k + 1]].spelling if k + 1 < len(code) else ""
        before = tokens[code[k - 1]].spelling if k > 0 else ""
        if after == "(" or before in (".", "->"):
            continue
        macro = tokens[code[k - 2]].spelling if k > 1 and before == "(" else ""
        if macro.startswith(("EXPORT_SYMBOL", "EXPORT_TRACEPOINT")):
            continue
        if parsed.is_function_ref(t.start, name):
            lines.append(src.line_of(t))
    return lines


def stale_declaration(sig: SignatureChange, path: str, decl: RawDecl, patch: int) -> Finding:
    """The error for a prototype or definition still on another parameter count."""
    return Finding(
        check="declaration-not-updated",
        severity=Severity.ERROR,
        message=f"this {decl.kind} of {sig.function}() has {len(decl.params)} parameter(s); "
        f"the new signature has {len(sig.new_params)}",
        file=path,
        line=decl.line,
        patch=patch,
    )


def summary(search: CallerSearch, patch: int) -> Finding:
    """An info line saying what the whole-tree search covered."""
    stale = sum(1 for f in search.findings if f.check == "caller-not-updated")
    return Finding(
        check="callers-searched",
        severity=Severity.INFO,
        message=f"whole-tree search for {search.function}() (git grep: {search.candidates} "
        f"file(s)): {len(search.callers)} call(s) outside this patch's files, "
        f"{stale} of them not on the new signature",
        patch=patch,
    )
