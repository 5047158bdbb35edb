"""Per-patch analysis: signature changes, call sites and their findings."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from patchscope.core import (
    AnalysisMode,
    Declaration,
    FileChange,
    Finding,
    Patch,
    Severity,
    SignatureChange,
)
from patchscope.csource.attributes import interface_diff
from patchscope.csource.calls import ScanResult, call_site, calls_in, pair_calls, param_names
from patchscope.csource.focus import match_brace
from patchscope.csource.macros import unseen_findings
from patchscope.csource.parse import CompileCommands, ParsedFile, parse_cached
from patchscope.csource.partial import cut_declarators
from patchscope.csource.scan import RawDecl, Source, find_declarators
from patchscope.csource.signatures import DeclSeen, build_change, primary, same_params
from patchscope.csource.windows import (
    Unit,
    hunk_units,
    is_c_file,
    locate_window,
    position,
    tree_windows,
    visible_body,
)
from patchscope.errors import ParseError
from patchscope.tree import Placement, TreeView


@dataclass
class Context:
    """What one run of the analysis shares across patches."""

    tree: TreeView | None
    compile_commands: CompileCommands | None = None
    # function -> its latest signature change in the series so far
    changed: dict[str, SignatureChange] = field(default_factory=dict)
    # functions whose primary definition is static: no callers outside its file
    static: set[str] = field(default_factory=set)

    def parse(self, path: str, text: str, hints: tuple[str, ...] = ()) -> ParsedFile:
        """Parse *text* as *path* with the tree's compile flags if known, else tolerantly."""
        flags = self.compile_commands.flags_for(path) if self.compile_commands else None
        if flags is not None and self.tree is not None:
            return parse_cached(os.path.join(self.tree.root, path), text, flags)
        return parse_cached(path, text, None, hints)


def tree_units(patch: Patch, ctx: Context, failed: set[str]) -> list[Unit]:
    """One unit per C file of *patch*: whole old and new text, parsed."""
    tree = ctx.tree
    assert tree is not None
    units = []
    for fc in patch.files:
        if not is_c_file(fc.path) or fc.is_binary:
            continue
        old_path = fc.old_path or fc.path
        old_text = None if fc.is_new else tree.text(old_path, patch.index - 1)
        new_text = None if fc.is_deleted else tree.text(fc.path, patch.index)
        unit = Unit(path=fc.path, change=fc, old=None, new=None)
        fc.tree_windows = tree_windows(old_text, new_text)
        fc.tree_old_text, fc.tree_new_text = old_text, new_text
        place_hunks(fc, tree.placements(patch.index, fc.path), old_text, new_text)
        try:
            if old_text is not None:
                spans = [(h.tree_old_start, h.old_length) for h in fc.hunks]
                unit.old = Source(old_path, old_text, regions=hunk_regions(old_text, spans))
                unit.old_parsed = ctx.parse(old_path, old_text)
            if new_text is not None:
                spans = [(h.tree_new_start, h.new_length) for h in fc.hunks]
                unit.new = Source(fc.path, new_text, regions=hunk_regions(new_text, spans))
                unit.new_parsed = ctx.parse(fc.path, new_text)
        except ParseError as exc:
            unit_failed(patch, fc.path, exc, failed)
            continue
        units.append(unit)
    return units


# A declarator a hunk changes may start this many lines above the hunk (a long
# parameter list) and open its body this many lines below it.
DECL_LINES_ABOVE = 20
DECL_LINES_BELOW = 5


def place_hunks(
    fc: FileChange, placed: list[Placement | None], old_text: str | None, new_text: str | None
) -> None:
    """Set each hunk's ``tree_old_start`` / ``tree_new_start``: where git applied it
    (a tree a few commits away from the series' base has it elsewhere than its
    ``@@`` numbers), else where its window stands nearest to that, after the
    previous hunk's shift."""
    old_lines = old_text.split("\n") if old_text is not None else None
    new_lines = new_text.split("\n") if new_text is not None else None
    shift_old = shift_new = 0  # where the previous hunk applied, from its @@ line
    for i, h in enumerate(fc.hunks):
        p = placed[i] if i < len(placed) else None
        if p is not None:
            h.tree_old_start, h.tree_new_start = p.old_start, p.new_start
        else:
            if old_lines is not None:
                h.tree_old_start = locate_window(old_lines, h.old_window, h.old_start + shift_old)
            if new_lines is not None:
                h.tree_new_start = locate_window(new_lines, h.new_window, h.new_start + shift_new)
        shift_old = (h.tree_old_start or h.old_start) - h.old_start
        shift_new = (h.tree_new_start or h.new_start) - h.new_start


def hunk_regions(text: str, spans: list[tuple[int | None, int]]) -> list[tuple[int, int]]:
    """Byte regions of *text* around the hunks' lines: where declarators the patch
    changes can be.

    *spans*: per hunk, its start and line count in *text* (where it applied,
    not what its ``@@`` line says); a start of None (not known) stands for the
    whole text.
    """
    data = text.encode("utf-8", errors="surrogateescape")
    starts = [0] + [m.end() for m in re.finditer(b"\n", data)]
    regions = []
    for first, count in spans:
        if first is None:
            regions.append((0, len(data)))
            continue
        lo = min(max(first - DECL_LINES_ABOVE, 1), len(starts))
        hi = min(first + count + DECL_LINES_BELOW, len(starts))
        regions.append((starts[lo - 1], starts[hi] if hi < len(starts) else len(data)))
    return regions


def _confirmed(d: RawDecl, parsed: ParsedFile | None) -> bool:
    """Whether the compiler agrees *d* declares a function; fixes its body extent."""
    if parsed is None:
        return True
    if not parsed.is_function_decl(d.offset, d.name):
        # a declaration for another configuration (#else branch) still
        # declares the function; anything else the compiler sees is not one
        if not parsed.inactive(d.offset):
            return False
        if d.kind == "definition" and d.body_start is not None and d.body_end is None:
            d.body_end = match_brace(parsed.data, d.body_start)
        return True
    if d.kind == "definition":
        # the body's end may lie beyond the lexed region: ask the parse
        extent = parsed.body_extent(d.offset)
        if extent is not None:
            d.body_start, d.body_end = extent
    return True


def _pair_decls(old: list[RawDecl], new: list[RawDecl]) -> list[tuple[RawDecl, RawDecl]]:
    pairs: list[tuple[RawDecl, RawDecl]] = []
    for key in dict.fromkeys((d.name, d.kind) for d in new):
        olds = [d for d in old if (d.name, d.kind) == key]
        news = [d for d in new if (d.name, d.kind) == key]
        pairs.extend(zip(olds, news, strict=False))
    return pairs


def _head(src: Source | None, d: RawDecl) -> tuple[int, int, int, int] | None:
    """Where *d*'s head stands in *src*, from its first type token to its ";" or "{"."""
    if src is None:
        return None
    return (*position(src, d.start), *position(src, d.head_end))


def unit_failed(patch: Patch, path: str, exc: ParseError, failed: set[str]) -> None:
    """Record that *path* could not be analysed (libclang crashed or ran past a
    limit on it): a finding naming the file, and a gap that keeps the patch
    from being proved."""
    failed.add(path)
    reason = f"the C analysis of {path} did not finish: {exc}"
    patch.gaps.append(reason)
    patch.findings.append(
        Finding(
            check="c-analysis-failed",
            severity=Severity.WARNING,
            message=f"{reason}; its declarations and call sites are not checked",
            file=path,
            patch=patch.index,
        )
    )


def signature_changes(
    patch: Patch, units: list[Unit], failed: set[str] | None = None
) -> dict[str, list[DeclSeen]]:
    """Every declaration whose signature *patch* changes, by function: its
    parameter list, return type or attributes."""
    out: dict[str, list[DeclSeen]] = {}
    failed = set() if failed is None else failed
    for unit in units:
        if unit.path in failed:
            continue
        try:
            olds = find_declarators(unit.old) if unit.old else []
            news = find_declarators(unit.new) if unit.new else []
            for old, new in _pair_decls(olds, news):
                rest = interface_diff(old.return_type, new.return_type, old.attributes,
                                      new.attributes)
                if same_params(old.params, new.params) and not rest.changed:
                    continue
                # only now ask the parse: confirming every declarator-like line
                # (DEFINE_MUTEX(x); ...) would cost re-parses for nothing
                if not (_confirmed(old, unit.old_parsed) and _confirmed(new, unit.new_parsed)):
                    continue
                decl = Declaration(
                    file=unit.path,
                    line=new.line,
                    kind=new.kind,
                    old_params=old.params,
                    new_params=new.params,
                    old_return=old.return_type,
                    new_return=new.return_type,
                    old_attributes=old.attributes,
                    new_attributes=new.attributes,
                    old_lines=(old.first_line, old.last_line),
                    new_lines=(new.first_line, new.last_line),
                    old_head=_head(unit.old, old),
                    new_head=_head(unit.new, new),
                )
                if new.kind == "definition":
                    decl.old_body, old_done, decl.old_spans = visible_body(unit, "old", old)
                    decl.new_body, new_done, decl.new_spans = visible_body(unit, "new", new)
                    decl.body_complete = old_done and new_done
                seen = DeclSeen(decl, new.is_inline or old.is_inline, new.is_static)
                out.setdefault(new.name, []).append(seen)
        except ParseError as exc:
            unit_failed(patch, unit.path, exc, failed)
    return out


def prototypes_alone(patch: Patch, decls: list[Declaration]) -> bool:
    """Whether *decls* are all prototypes and every changed line of *patch* (blank
    lines aside) lies within one of them: then no body changed with them."""
    if not decls or any(d.kind != "prototype" for d in decls):
        return False
    for fc in patch.files:
        if fc.is_binary or fc.is_rename or fc.is_new or fc.is_deleted:
            return False
        mine = [d for d in decls if d.file == fc.path]
        for hunk in fc.hunks:
            for dl in hunk.lines:
                if dl.kind == " " or not dl.text.strip():
                    continue
                at = dl.new_lineno if dl.kind == "+" else dl.old_lineno
                spans = [d.new_lines if dl.kind == "+" else d.old_lines for d in mine]
                if at is None or not any(lo <= at <= hi for lo, hi in spans):
                    return False
    return True


def arity_mismatch(sig: SignatureChange, nargs: int) -> bool:
    """Whether *nargs* arguments cannot be a call on the new signature."""
    if any(p.type == "..." for p in sig.new_params):
        return nargs < len(sig.new_params) - 1
    return nargs != len(sig.new_params)


def not_updated(
    sig: SignatureChange, path: str, line: int, caller: str | None, nargs: int, patch: int
) -> Finding:
    """The error for a call left on an argument count the new signature rejects."""
    where = f"{caller}() " if caller else ""
    return Finding(
        check="caller-not-updated",
        severity=Severity.ERROR,
        message=f"{where}calls {sig.function}() with {nargs} argument(s); "
        f"its new signature takes {len(sig.new_params)}",
        file=path,
        line=line,
        patch=patch,
    )


def collect_calls(
    patch: Patch,
    units: list[Unit],
    ctx: Context,
    here: set[str],
    mode: AnalysisMode,
    failed: set[str] | None = None,
) -> None:
    """Fill ``patch.call_sites`` for every changed function the patch shows calls of.

    A unit libclang fails on is skipped and named in *failed*."""
    failed = set() if failed is None else failed
    for function, sig in ctx.changed.items():
        changed_here = function in here
        for unit in units:
            if unit.path in failed:
                continue
            try:
                old = ScanResult([], [])
                new = ScanResult([], [])
                if unit.old is not None:
                    old = calls_in(unit.old, function, unit.old_parsed, unit.section)
                if unit.new is not None:
                    new = calls_in(unit.new, function, unit.new_parsed, unit.section)
                side = unit.new if unit.new is not None else unit.old
                unseen = new.unseen if unit.new is not None else old.unseen
                if unseen and side is not None:
                    seen = len(new.calls if unit.new is not None else old.calls)
                    patch.findings.extend(
                        unseen_findings(sig, unit.path, side.data, seen, unseen, patch.index)
                    )
                for o, n in pair_calls(old.calls, new.calls):
                    if (
                        not changed_here
                        and o
                        and n
                        and [a.text for a in o.raw.args] == [a.text for a in n.raw.args]
                    ):
                        continue
                    names = param_names(
                        sig,
                        changed_here,
                        len(o.raw.args) if o else None,
                        len(n.raw.args) if n else None,
                    )
                    site = call_site(function, unit.path, o, n, names, mode)
                    patch.call_sites.append(site)
                    if not site.complete:
                        patch.findings.append(
                            Finding(
                                check="call-incomplete",
                                severity=Severity.WARNING,
                                message=f"the call of {function}() in "
                                f"{site.caller}() runs past what the patch shows; its verdict "
                                "stays unknown",
                                file=unit.path,
                                line=site.line,
                                patch=patch.index,
                            )
                        )
                    elif (n is not None and sig.partial is None
                          and arity_mismatch(sig, len(n.raw.args))):
                        patch.findings.append(
                            not_updated(
                                sig, unit.path, n.raw.line, n.caller, len(n.raw.args), patch.index
                            )
                        )
            except ParseError as exc:
                unit_failed(patch, unit.path, exc, failed)


def unmatched_close(src: Source) -> int | None:
    """File line of the first ")" in *src* whose "(" lies before it, if any."""
    depth = 0
    for i in src.code:
        s = src.tokens[i].spelling
        if s == "(":
            depth += 1
        elif s == ")":
            if depth == 0:
                return src.line_of(src.tokens[i])
            depth -= 1
    return None


def cut_expressions(patch: Patch, units: list[Unit]) -> None:
    """Warn about hunks whose changes sit in an expression opened above the window:
    a call there cannot be read from the mail, so it must not pass unnoticed."""
    for unit in units:
        if unit.hunk_index is None:
            continue
        hunk = unit.change.hunks[unit.hunk_index]
        for side, src, kind in (("new", unit.new, "+"), ("old", unit.old, "-")):
            if src is None:
                continue
            close = unmatched_close(src)
            if close is None:
                continue
            changed = [
                dl.new_lineno if side == "new" else dl.old_lineno
                for dl in hunk.lines
                if dl.kind == kind
            ]
            if any(n is not None and n <= close for n in changed):
                patch.findings.append(
                    Finding(
                        check="hunk-starts-inside-call",
                        severity=Severity.WARNING,
                        message="the hunk changes lines of an expression that begins above "
                        f"what it shows (closed at {side} line {close}); a call there cannot "
                        "be read from the mail: check it with --tree",
                        file=unit.path,
                        line=hunk.new_start,
                        patch=patch.index,
                    )
                )
                break


def analyse_patch(patch: Patch, ctx: Context) -> list[Unit]:
    """Signature changes and call sites of one patch, in mbox or tree mode."""
    failed: set[str] = set()
    if ctx.tree is not None and patch.index not in ctx.tree.failed:
        patch.mode = AnalysisMode.TREE
        units = tree_units(patch, ctx, failed)
    else:
        patch.mode = AnalysisMode.MBOX
        units = [u for fc in patch.files if is_c_file(fc.path) for u in hunk_units(fc)]
    found = signature_changes(patch, units, failed)
    here = set()
    for function, decls in found.items():
        change, findings = build_change(function, decls, patch.index)
        change.prototypes_alone = prototypes_alone(patch, change.declarations)
        patch.signature_changes.append(change)
        patch.findings.extend(findings)
        ctx.changed[function] = change
        if primary(decls).is_static:
            ctx.static.add(function)
        here.add(function)
    if patch.mode is AnalysisMode.MBOX:
        for function, (path, line, why) in cut_declarators(units, set(found)).items():
            change = SignatureChange(function, path, line, [], [], partial=why)
            patch.signature_changes.append(change)
            ctx.changed[function] = change
            here.add(function)
    collect_calls(patch, units, ctx, here, patch.mode, failed)
    units = [u for u in units if u.path not in failed]
    if patch.mode is AnalysisMode.MBOX and ctx.changed:
        try:
            cut_expressions(patch, units)
        except ParseError as exc:
            patch.gaps.append(f"the check for hunks that start inside a call did not finish: {exc}")
    return units
