"""``patchscope check``: wire the stages together; no analysis happens here."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from typing import TYPE_CHECKING

from patchscope import policy
from patchscope.errors import InputError, UsageError
from patchscope.options import CheckOptions

if TYPE_CHECKING:
    from patchscope.core import Series


def options_from_args(args: argparse.Namespace) -> CheckOptions:
    from patchscope.series.sources import revision_toplevel

    stdout_tty = sys.stdout.isatty()
    sources = list(args.source)
    tree, implied = args.tree, False
    if tree is None:
        # commits inside a checkout: that checkout is the tree they apply to
        top = revision_toplevel(sources, os.getcwd())
        if top is not None:
            tree, implied = top, True
    gate = policy.combine(policy.from_config(tree), args.strict, args.ignore or [])
    return CheckOptions(
        source=" ".join(sources),
        sources=tuple(sources),
        tree_implied=implied,
        tree=tree,
        base=args.base,
        arch=args.arch,
        compile_commands=args.compile_commands,
        scenarios=args.scenarios,
        seed=args.seed,
        jobs=args.jobs,
        timeout=getattr(args, "timeout", None),
        output_format=args.output_format,
        html=args.html,
        color=args.output_format == "text" and _colour(args.color, stdout_tty),
        quiet=args.quiet,
        width=_width(stdout_tty),
        progress=sys.stderr.isatty() and args.output_format in ("text", "json"),
        strict=gate.strict,
        ignore=gate.ignore,
    )


def _colour(choice: str, tty: bool) -> bool:
    """--color: always, never, or auto: on a terminal unless NO_COLOR is set
    to something (https://no-color.org: an empty NO_COLOR does not count)."""
    if choice != "auto":
        return choice == "always"
    return tty and not os.environ.get("NO_COLOR")


def _width(tty: bool) -> int | None:
    """Columns to wrap the text report to: a terminal's (COLUMNS overrides it);
    a pipe gets whole lines, one finding per line, for the scripts that read it."""
    if not tty:
        return None
    return max(shutil.get_terminal_size().columns, 20)


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
    series = read_series(list(options.sources) or options.source,
                         cwd=options.tree or os.getcwd())
    for patch in series.patches:
        # the replies' trailers and review comments are read: their text is
        # not needed by any later stage or report, and is most of a big mailbox
        patch.replies = []
    tree = open_tree(options, series) if options.tree else None
    try:
        analyse_series(series, tree, options, progress)
    finally:
        if tree is not None:
            tree.close()
    decide_series(series, options, progress)
    policy.apply_policy(series, policy.Policy(options.strict, options.ignore))
    progress.done()
    return series


def exit_code(series: Series) -> int:
    return policy.exit_code(series)


def _readable_compile_commands(path: str) -> None:
    """A --compile-commands that libclang cannot load fails before the analysis."""
    from patchscope.csource.parse import CompileCommands, CompileCommandsError

    try:
        CompileCommands(path, os.getcwd())
    except CompileCommandsError as err:
        raise InputError(path, str(err)) from None


def _cache_key(args: argparse.Namespace, options: CheckOptions) -> str | None:
    """The output cache's key for this check (see :mod:`patchscope.cache`), or None:
    only one mail, mailbox or directory, checked without a tree or an HTML page."""
    if (args.no_cache or options.tree or options.html or options.timeout
            or len(options.sources or ()) > 1):
        return None
    from patchscope import cache

    return cache.output_key(options.source, {
        "format": options.output_format, "arch": options.arch,
        "scenarios": options.scenarios, "seed": options.seed, "color": options.color,
        "quiet": options.quiet, "width": options.width, "strict": options.strict,
        "ignore": sorted(options.ignore), "source": options.source})


def run(args: argparse.Namespace) -> int:
    options = options_from_args(args)
    key = _cache_key(args, options)
    if key is not None:
        from patchscope import cache

        hit = cache.get(key)
        if hit is not None:
            stored_code, stored = hit.split(b"\n", 1)
            sys.stdout.write(stored.decode("utf-8"))
            sys.stdout.flush()
            return int(stored_code)
    from patchscope.render import render_chunks

    if options.compile_commands and not options.tree:
        raise UsageError("--compile-commands needs --tree")
    if options.base and not options.tree:
        raise UsageError("--base needs --tree")
    if options.compile_commands:
        _readable_compile_commands(options.compile_commands)
    if options.html:
        from patchscope.render.html import html_target

        for source in options.sources or (options.source,):
            html_target(options.html, source)  # a bad path fails before the analysis
    series = check_series(options)
    if options.html:
        from patchscope.render.html import write_html

        write_html(series, options, options.html)
    code = exit_code(series)
    from patchscope import cache

    # written as rendered (JSON a patch at a time); kept for the cache only
    # while within its entry bound, so a huge report is never held twice
    kept: list[str] | None = [] if key is not None else None
    size = 0
    for chunk in render_chunks(series, options):
        sys.stdout.write(chunk)
        if kept is not None:
            size += len(chunk)
            if size <= cache.MAX_ENTRY:
                kept.append(chunk)
            else:
                kept = None
    sys.stdout.flush()
    if key is not None and kept is not None:
        cache.put(key, f"{code}\n".encode() + "".join(kept).encode("utf-8"))
    return code
