"""Call sites: old and new calls of a changed function, paired and aligned.

Old and new calls are found separately in the reconstructed old and new
texts and paired by caller and order, never by which diff lines carry a
``+``: git may mark the first of two identical lines as the added one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from patchscope.core import AnalysisMode, Argument, CallSite, Param, SignatureChange
from patchscope.csource.focus import CodeMap, Lexer, line_end, line_start
from patchscope.csource.parse import ParsedFile
from patchscope.csource.scan import (
    RawArg,
    RawCall,
    Source,
    enclosing_definition,
    find_calls,
    find_declarators,
    function_name_in,
)
from patchscope.csource.signatures import diff_params


@dataclass
class SeenCall:
    """A call with the caller it sits in."""

    raw: RawCall
    caller: str | None
    context: str  # the caller's text (or the window's) up to the call


@dataclass
class ScanResult:
    """Calls the compiler confirmed, and those only the lexer found."""

    calls: list[SeenCall]
    unseen: list[RawCall]  # the lexer found them, the compiler parse did not


def calls_in(src: Source, name: str, parsed: ParsedFile | None, section: str = "") -> ScanResult:
    """Calls of *name* in *src*; with a parse, only those the compiler sees.

    Without a parse (a hunk window), the caller is the definition the window
    shows around the call, else the function the hunk header names.
    """
    out = ScanResult([], [])
    if parsed is not None and src.focus != name:
        focused = call_source(src.path, src.text, name, parsed.lex)
        if focused is None:
            return out
        src = focused
    raws = find_calls(src, name)
    if not raws:
        return out
    decls = find_declarators(src) if parsed is None else []
    for raw in raws:
        if parsed is not None:
            found = parsed.definition_at(raw.offset)
            if not parsed.is_call(raw.offset, name) and (
                found is None or parsed.skipped(raw.offset)
            ):
                # in a macro body or a branch the preprocessor dropped; a call
                # inside a live function body that the parse lost to errors
                # stays a call, read by the lexer
                out.unseen.append(raw)
                continue
            caller = found[0] if found else None
            start = found[1] if found else 0
        else:
            d = enclosing_definition(decls, raw.offset)
            caller = d.name if d else function_name_in(section)
            start = d.start if d else 0
        out.calls.append(SeenCall(raw, caller, src.slice(start, raw.offset)))
    return out


def call_source(
    path: str, text: str, name: str, lexer: Lexer | None = None, reach: int = 512
) -> Source | None:
    """*text* lexed only around the places that name *name* in code.

    Each region starts two lines above an occurrence and reaches *reach*
    bytes past it, widened until every call found there is closed.
    """
    data = text.encode("utf-8", errors="surrogateescape")
    found = CodeMap(data).code_occurrences(name)
    if not found:
        return None
    while True:
        regions = [
            (line_start(data, at, 2), line_end(data, min(len(data), at + reach))) for at in found
        ]
        src = Source(path, text, regions=regions, lexer=lexer, focus=name)
        if all(c.complete for c in find_calls(src, name)) or reach >= len(data):
            return src
        reach *= 4


def pair_calls(
    old: list[SeenCall], new: list[SeenCall]
) -> list[tuple[SeenCall | None, SeenCall | None]]:
    """Pair each caller's old calls with its new calls.

    Calls whose arguments read the same on both sides pair up first (a call
    the patch adds or removes beside them stays alone); the changed ones
    between them pair in order.
    """
    pairs: list[tuple[SeenCall | None, SeenCall | None]] = []
    callers: list[str | None] = []
    for c in old + new:
        if c.caller not in callers:
            callers.append(c.caller)
    for caller in callers:
        olds = [c for c in old if c.caller == caller]
        news = [c for c in new if c.caller == caller]
        matcher = difflib.SequenceMatcher(
            None, [_key(c) for c in olds], [_key(c) for c in news], autojunk=False
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                pairs.extend(zip(olds[i1:i2], news[j1:j2], strict=True))
            else:
                pairs.extend(_align(olds[i1:i2], news[j1:j2]))
    return pairs


def _similarity(old: SeenCall, new: SeenCall) -> int:
    """How many arguments the two calls share (as texts, in any position)."""
    left = [" ".join(a.text.split()) for a in old.raw.args]
    right = [" ".join(a.text.split()) for a in new.raw.args]
    shared = 0
    for text in left:
        if text in right:
            right.remove(text)
            shared += 1
    return shared


def _align(
    olds: list[SeenCall], news: list[SeenCall]
) -> list[tuple[SeenCall | None, SeenCall | None]]:
    """Order-keeping pairing of changed calls that shares the most arguments;
    any pair beats none, so equal counts pair one to one."""
    n, m = len(olds), len(news)
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(
                best[i + 1][j],
                best[i][j + 1],
                best[i + 1][j + 1] + 1 + _similarity(olds[i], news[j]) * (n + m + 1),
            )
    out: list[tuple[SeenCall | None, SeenCall | None]] = []
    i = j = 0
    while i < n and j < m:
        take = best[i + 1][j + 1] + 1 + _similarity(olds[i], news[j]) * (n + m + 1)
        if best[i][j] == take:
            out.append((olds[i], news[j]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            out.append((olds[i], None))
            i += 1
        else:
            out.append((None, news[j]))
            j += 1
    out.extend((o, None) for o in olds[i:])
    out.extend((None, c) for c in news[j:])
    return out


def _key(call: SeenCall) -> str:
    return "\x00".join(" ".join(a.text.split()) for a in call.raw.args)


def _labels(params: list[Param]) -> list[str | None]:
    out: list[str | None] = []
    for i, p in enumerate(params):
        if p.type == "...":
            break
        out.append(p.name or f"#{i + 1}")
    return out


def param_names(
    sig: SignatureChange, changed_here: bool, old_nargs: int | None, new_nargs: int | None
) -> tuple[list[str | None], list[str | None]]:
    """Parameter names for an old and a new call's arguments, position by position.

    Arguments on the new signature take the new names; arguments on the old
    signature the new name of the parameter they fed when it persists
    (renames followed), else the old name.  In a patch after the one that
    changed the signature, a call is taken to be on the old signature when
    its argument count fits the old one only.
    """
    new = _labels(sig.new_params)
    persists = diff_params(sig.old_params, sig.new_params).persists
    old = [persists.get(n, n) if n else None for n in _labels(sig.old_params)]
    if changed_here:
        return old, new

    def fits_old(nargs: int | None) -> bool:
        return nargs is not None and nargs == len(old) and nargs != len(new)

    return (old if fits_old(old_nargs) else new), (old if fits_old(new_nargs) else new)


def arguments(raws: list[RawArg], names: list[str | None]) -> list[Argument]:
    """Raw arguments as :class:`Argument` objects, aligned to *names* by position."""
    return [
        Argument(text=a.text, annotation=a.annotation, param=names[i] if i < len(names) else None)
        for i, a in enumerate(raws)
    ]


def call_site(
    function: str,
    path: str,
    old: SeenCall | None,
    new: SeenCall | None,
    names: tuple[list[str | None], list[str | None]],
    mode: AnalysisMode,
) -> CallSite:
    """A :class:`CallSite` from a paired old and new call (either may be missing)."""
    ref = new or old
    assert ref is not None
    complete = all(c.raw.complete for c in (old, new) if c is not None)
    reason = None
    if not complete:
        reason = "the call runs past the end of what the patch shows"
    return CallSite(
        function=function,
        caller=ref.caller or "?",
        file=path,
        line=ref.raw.line,
        old_line=old.raw.line if old else None,
        old_args=arguments(old.raw.args, names[0]) if old else None,
        new_args=arguments(new.raw.args, names[1]) if new else None,
        mode=mode,
        complete=complete,
        incomplete_reason=reason,
        old_context=old.context if old else None,
        new_context=new.context if new else None,
    )
