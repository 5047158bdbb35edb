"""C analysis with libclang: signature changes and call sites.

Three modes, chosen by what is available and named on each patch:
``mbox`` reads only the hunks' windows; ``tree`` parses the whole old and new
files of a git checkout with the series applied by ``git apply`` out of sight
(a scratch index, see :mod:`patchscope.gitapply`); ``tree-whole``
adds every caller of each changed function anywhere in the tree.
"""

from __future__ import annotations

import traceback
from dataclasses import replace

from patchscope import budget
from patchscope.core import INTERNAL_ERROR, AnalysisMode, CheckOptions, Finding, Series, Severity
from patchscope.errors import InputError, ParseError
from patchscope.progress import Progress
from patchscope.tree import TreeView


def analyse_series(
    series: Series, tree: TreeView | None, options: CheckOptions, progress: Progress
) -> None:
    """Fill each patch's signature_changes, call_sites, mode and findings.

    With *tree*, each patch that applied is analysed on whole files and every
    function whose signature it changes is searched for in the whole tree;
    without, from the mail alone.  ``series.mode`` is the mode of the patch
    that got the least.
    """
    from patchscope.csource.analyse import Context, analyse_patch
    from patchscope.csource.names import check_parameter_names
    from patchscope.csource.parse import CompileCommands, CompileCommandsError
    from patchscope.csource.size import oversize
    from patchscope.csource.whole import find_callers, summary

    ctx = Context(tree=tree)
    if tree is not None:
        by_index = {p.index: p for p in series.patches}
        for finding in tree.findings:
            owner = by_index.get(finding.patch) if finding.patch is not None else None
            (owner.findings if owner else series.findings).append(finding)
        if tree.compile_commands:
            try:
                ctx.compile_commands = CompileCommands(tree.compile_commands, tree.root)
            except CompileCommandsError as err:
                if options.compile_commands:  # named by the user: bad input, exit 2
                    raise InputError(options.compile_commands, str(err)) from None
                series.findings.append(Finding(
                    check="compile-commands-unreadable",
                    severity=Severity.WARNING,
                    message=f"{tree.compile_commands}: {err}; files are parsed without "
                    "its flags",
                ))
    for patch in series.patches:
        if budget.expired():
            patch.gaps.append(f"its C analysis was {budget.reason()}")
            continue
        too_large = oversize(patch)
        if too_large is not None:
            patch.gaps.append(too_large)
            patch.unanalysed = True
            patch.findings.append(Finding(
                check="c-analysis-skipped", severity=Severity.WARNING,
                message=f"this patch is not analysed: {too_large}; its call sites are not "
                "checked", patch=patch.index))
            continue
        progress.note(f"C analysis: patch {patch.index}/{patch.total}")
        try:
            units = analyse_patch(patch, ctx)
        except ParseError as exc:
            # libclang crashed or --timeout was reached outside any one file
            patch.gaps.append(f"the C analysis did not finish: {exc}")
            patch.findings.append(
                Finding(
                    check="c-analysis-failed",
                    severity=Severity.WARNING,
                    message=f"the C analysis of this patch did not finish: {exc}; "
                    "its call sites are not checked",
                    patch=patch.index,
                )
            )
            continue
        except Exception as exc:  # noqa: BLE001 - a bug, reported as one; the rest goes on
            patch.findings.append(
                Finding(
                    check=INTERNAL_ERROR,
                    severity=Severity.ERROR,
                    message=f"internal error in the C analysis of this patch "
                    f"({type(exc).__name__}: {exc}, at {_where(exc)}); its signature changes "
                    "and call sites are unknown (a bug in patchscope; please report it)",
                    patch=patch.index,
                )
            )
            patch.signature_changes.clear()
            patch.call_sites.clear()
            continue
        if tree is None or patch.mode is not AnalysisMode.TREE:
            continue
        own = {u.path for u in units} | {u.change.old_path or u.path for u in units}
        for change in patch.signature_changes:
            if change.function in ctx.static:
                continue  # static: its callers are all in its own file
            progress.note(f"C analysis: callers of {change.function}()")
            search = find_callers(tree, patch.index, change, ctx.parse, patch.index, skip=own)
            change.outside_callers = len(search.callers)
            patch.findings.extend(search.findings)
            patch.findings.append(summary(search, patch.index))
        check_parameter_names(patch, tree)
        if patch.signature_changes:
            patch.checked.append("every caller in the tree was searched for (tree-whole mode)")
        patch.mode = AnalysisMode.TREE_WHOLE
        for site in patch.call_sites:
            site.mode = patch.mode
    modes = [p.mode for p in series.patches]
    order = [AnalysisMode.MBOX, AnalysisMode.TREE, AnalysisMode.TREE_WHOLE]
    series.mode = (
        min(modes, key=order.index)
        if modes
        else (AnalysisMode.TREE_WHOLE if tree is not None else AnalysisMode.MBOX)
    )
    _value_macros(series, tree, options)


def _value_macros(series: Series, tree: TreeView | None, options: CheckOptions) -> None:
    """The one value the mail or tree gives each constant a call names."""
    from patchscope.arch import get_profile
    from patchscope.csource.defines import macro_values
    from patchscope.csource.shapes import shape_files

    try:
        profile = get_profile(options.arch)
    except KeyError:
        return  # an unknown --arch is reported where the verdicts are made
    try:
        found = macro_values(series, tree, profile)
        if tree is not None:
            series.shape_files = shape_files(series, tree)
    except ParseError as exc:  # --timeout in a tree grep: those names stay unknown
        series.findings.append(Finding(
            check="c-analysis-failed", severity=Severity.WARNING,
            message=f"the macros the calls name were not looked up: {exc}"))
        return
    series.macro_values = {n: (v.value, v.where) for n, v in sorted(found.items())}
    from patchscope.csource.pure import pure_functions

    try:
        series.pure_functions = pure_functions(series, tree, replace(
            profile, extra_macros={n: v for n, (v, _) in series.macro_values.items()}))
    except ParseError as exc:  # --timeout in a tree grep: no function counts as pure
        series.findings.append(Finding(
            check="c-analysis-failed", severity=Severity.WARNING,
            message=f"the functions the calls name were not looked up: {exc}"))


def _where(exc: BaseException) -> str:
    """The innermost patchscope frame of *exc*: where it happened."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "patchscope" in f.filename]
    if not frames:
        return "unknown place"
    f = frames[-1]
    return f"{f.filename.rsplit('patchscope/', 1)[-1]}:{f.lineno} in {f.name}()"
