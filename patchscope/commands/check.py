"""``patchscope check``: wire the stages together; no analysis happens here."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from patchscope.errors import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from patchscope.core import CheckOptions, Series


def _color(args: argparse.Namespace) -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and args.output_format == "text"


def options_from_args(args: argparse.Namespace) -> CheckOptions:
    from patchscope.core import CheckOptions

    return CheckOptions(
        source=args.source,
        tree=args.tree,
        base=args.base,
        arch=args.arch,
        compile_commands=args.compile_commands,
        scenarios=args.scenarios,
        seed=args.seed,
        jobs=args.jobs,
        output_format=args.output_format,
        html=args.html,
        color=_color(args),
        progress=sys.stderr.isatty() and args.output_format in ("text", "json"),
    )


def check_series(options: CheckOptions) -> Series:
    """Read and analyse a series: every stage but rendering."""
    from patchscope.csource import analyse_series
    from patchscope.equivalence import decide_series
    from patchscope.progress import Progress
    from patchscope.series import read_series
    from patchscope.tree import open_tree

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
    from patchscope.core import Severity

    if any(f.severity is Severity.ERROR for f in series.all_findings()):
        return EXIT_FINDINGS
    return EXIT_OK


def _cache_key(args: argparse.Namespace) -> str | None:
    """The output cache's key for this check (see :mod:`patchscope.cache`), or None.
    Read from the arguments: a hit imports nothing of the pipeline."""
    if args.no_cache or args.tree or args.html:
        return None
    from patchscope import cache

    return cache.output_key(args.source, {
        "format": args.output_format, "arch": args.arch, "scenarios": args.scenarios,
        "seed": args.seed, "color": _color(args), "source": args.source})


def run(args: argparse.Namespace) -> int:
    if args.compile_commands and not args.tree:
        raise UsageError("--compile-commands needs --tree")
    if args.base and not args.tree:
        raise UsageError("--base needs --tree")
    key = _cache_key(args)
    if key is not None:
        from patchscope import cache

        hit = cache.get(key)
        if hit is not None:
            stored_code, stored = hit.split(b"\n", 1)
            sys.stdout.write(stored.decode("utf-8"))
            sys.stdout.flush()
            return int(stored_code)
    from patchscope.render import render

    options = options_from_args(args)
    if options.html:
        from patchscope.render.html import html_target

        html_target(options.html, options.source)  # a bad path fails before the analysis
    series = check_series(options)
    if options.html:
        from patchscope.render.html import write_html

        write_html(series, options, options.html)
    text = render(series, options)
    code = exit_code(series)
    if key is not None:
        cache.put(key, f"{code}\n".encode() + text.encode("utf-8"))
    sys.stdout.write(text)
    sys.stdout.flush()
    return code
