"""``patchscope check``: wire the stages together; no analysis happens here."""

from __future__ import annotations

import argparse
import os
import sys

from patchscope.core import INTERNAL_CHECKS, CheckOptions, Series, Severity
from patchscope.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, UsageError


def options_from_args(args: argparse.Namespace) -> CheckOptions:
    stdout_tty = sys.stdout.isatty()
    return CheckOptions(
        source=args.source,
        tree=args.tree,
        base=args.base,
        arch=args.arch,
        compile_commands=args.compile_commands,
        scenarios=args.scenarios,
        seed=args.seed,
        jobs=args.jobs,
        timeout=getattr(args, "timeout", None),
        output_format=args.output_format,
        html=args.html,
        color=stdout_tty and "NO_COLOR" not in os.environ and args.output_format == "text",
        progress=sys.stderr.isatty() and args.output_format in ("text", "json"),
    )


def check_series(options: CheckOptions) -> Series:
    """Read and analyse a series: every stage but rendering."""
    from patchscope import budget
    from patchscope.csource import analyse_series
    from patchscope.equivalence import decide_series
    from patchscope.progress import Progress
    from patchscope.series import read_series
    from patchscope.tree import open_tree

    budget.start(options.timeout)
    progress = Progress(enabled=options.progress)
    series = read_series(options.source, cwd=options.tree or os.getcwd())
    tree = open_tree(options, series) if options.tree else None
    try:
        analyse_series(series, tree, options, progress)
    finally:
        if tree is not None:
            tree.close()
    decide_series(series, options, progress)
    progress.done()
    return series


def exit_code(series: Series) -> int:
    findings = series.all_findings()
    if any(f.check in INTERNAL_CHECKS for f in findings):
        return EXIT_INTERNAL
    if any(f.severity is Severity.ERROR for f in findings):
        return EXIT_FINDINGS
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    from patchscope.render import render

    options = options_from_args(args)
    if options.compile_commands and not options.tree:
        raise UsageError("--compile-commands needs --tree")
    if options.base and not options.tree:
        raise UsageError("--base needs --tree")
    if options.html:
        from patchscope.render.html import html_target

        html_target(options.html, options.source)  # a bad path fails before the analysis
    series = check_series(options)
    if options.html:
        from patchscope.render.html import write_html

        write_html(series, options, options.html)
    sys.stdout.write(render(series, options))
    sys.stdout.flush()
    return exit_code(series)
