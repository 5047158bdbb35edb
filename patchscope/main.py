"""Command line: parse the arguments and dispatch to one command module.

Nothing here decides anything about a series; each command module returns an
exit code (see :mod:`patchscope.errors`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from patchscope import __version__
from patchscope.arch import DEFAULT_ARCH, PROFILES
from patchscope.errors import EXIT_INTERNAL, EXIT_USAGE, PatchscopeError

DESCRIPTION = """\
Check "No functional change intended" claims in Linux kernel patch series.

patchscope reads a series (cover letter, patches, review replies, trailers),
finds every function whose signature the series changes and every call site of
it, and decides per call site whether behaviour is unchanged: by a symbolic
substitution proof where that suffices, and by running old and new arguments
through an embedded model of the kernel routine (free_pgtables) over many
memory layouts, with a concrete counterexample when they differ.
"""

EPILOG = """\
exit codes:
  0  no error-severity finding
  1  at least one error-severity finding: a refuted claim, a reachable
     assertion, a caller left on the old signature (an unproved claim
     only with --strict)
  2  bad usage or unreadable input (one line on stderr)
  3  internal error (the report still comes out, affected parts unknown)

examples:
  patchscope check series.mbox
  patchscope check v3-0000-cover-letter.patch-dir/ --format json
  patchscope check series.mbox --tree ~/linux --html report.html
  git format-patch --stdout -3 | patchscope check -
  patchscope check origin/master..HEAD        (inside a kernel checkout)
"""

CHECK_DESCRIPTION = """\
Read SOURCE, analyse every signature change and call site, print findings.

SOURCE is one of:
  an mbox file (mboxo or mboxrd quoting, optionally .gz), as saved from a list
  archive or written by `git format-patch --stdout` or `b4 am`;
  one .patch or .eml file; a directory of `git format-patch` files;
  '-' for standard input;
  a revision range A..B, or one revision (that commit alone, as git show),
  run inside a git checkout (which then implies --tree .) or with --tree.
Several SOURCE arguments form one series, in the order given (*.patch).

Without --tree, only the diff hunks are known ("mbox" mode): calls that run
past a hunk are reported `unknown`, never guessed.  With --tree DIR (a git
checkout of the kernel) the series is applied in memory on top of its base
(--base, else the cover letter's base-commit:, else the blob ids of the diffs,
else HEAD); whole files are parsed, and every caller anywhere in the tree is
checked ("tree-whole" mode).  Your worktree, index and refs are never touched.

Verdicts per call site: proved (exact proof), verified (no difference in N
sampled scenarios: evidence, not proof), refuted (with a counterexample),
unknown (with the reason), not-claimed (the patch claims no NFC).
"""

HOOK_DESCRIPTION = """\
Plug patchscope into the submit path.

  hook install --kind sendemail-validate
      `git send-email` runs patchscope before sending; an error-severity
      finding (a refuted claim, a reachable assertion, a forgotten caller;
      an unproved claim only under patchscope.strict) stops the send.  With
      newer git the whole series is checked at its last file; with git 2.39
      each patch is checked in tree mode, and the cover letter passes.
  hook install --kind pre-push
      `git push` checks the commits the remote does not have yet (fetching
      nothing; a remote tip that is not here counts as unknown).
  hook install --kind b4
      `b4 prep --check` and `b4 am --check` run `patchscope check - --format b4`
      on each patch, `b4 review` runs `--format b4-json` (checkpatch stays on
      where the tree has it).
  hook uninstall --kind KIND
      removes what install wrote, and nothing else.

Hooks print nothing when all is well (git config patchscope.verbose true:
the report every time), and a tool problem never stops a send or push.
They run the patchscope command found at install time.  An existing hook
that patchscope did not write is never overwritten.  For pre-commit, see
.pre-commit-hooks.yaml in patchscope's repository.
"""


def _positive(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _non_negative(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line, without the usage dump, on errors."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"patchscope: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="patchscope",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"patchscope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser(
        "check",
        help="check a patch series",
        description=CHECK_DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "source",
        metavar="SOURCE",
        nargs="+",
        help="mbox, .patch, directory, '-', A..B or a revision; several form one series",
    )
    check.add_argument("--tree", metavar="DIR", help="a git checkout of the kernel (tree mode)")
    check.add_argument("--base", metavar="REV", help="the commit the series applies to")
    check.add_argument(
        "--compile-commands",
        metavar="FILE",
        help="compile_commands.json for parsing (default: the tree's own, if any)",
    )
    check.add_argument(
        "--arch",
        default=DEFAULT_ARCH,
        choices=sorted(PROFILES),
        help=f"word size and page-table constants (default {DEFAULT_ARCH})",
    )
    check.add_argument(
        "--format",
        dest="output_format",
        default="text",
        choices=["text", "json", "b4", "b4-json"],
        help="output on stdout (default text)",
    )
    check.add_argument("--html", metavar="FILE", help="also write the HTML report to FILE")
    check.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="text: only the error and warning lines (nothing when there are none)",
    )
    check.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour the text report: auto (default) on a terminal unless NO_COLOR is "
        "set and not empty",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="an unproved claim of no functional change (nfc-unproved) is an error, "
        "not a warning (also: git config patchscope.strict true)",
    )
    check.add_argument(
        "--ignore",
        action="append",
        metavar="CHECK",
        help="leave check CHECK out of the report and the exit status; repeatable, "
        "or comma-separated (also: git config --add patchscope.ignore CHECK)",
    )
    check.add_argument(
        "--scenarios",
        type=_non_negative,
        default=2000,
        metavar="N",
        help="random memory layouts per call site, after the exhaustive grid (default 2000)",
    )
    check.add_argument(
        "--seed",
        type=_non_negative,
        default=1,
        metavar="N",
        help="seed of the random layouts (default 1)",
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the cache of earlier results "
        "($XDG_CACHE_HOME/patchscope, default ~/.cache/patchscope)",
    )
    check.add_argument(
        "--timeout",
        type=_positive,
        default=None,
        metavar="SECONDS",
        help="bound the whole run: what is not finished by then is reported unknown, "
        "naming the limit (default: no bound)",
    )
    check.add_argument(
        "--jobs",
        type=_positive,
        default=1,
        metavar="N",
        help="worker processes for the model's scenario runs, one call site each "
        "(default 1; the report is the same for any N)",
    )

    hook = sub.add_parser(
        "hook",
        help="plug patchscope into the submit path (git hooks, b4)",
        description=HOOK_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = hook.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    install = actions.add_parser("install", help="install a hook in a git repository")
    install.add_argument(
        "--kind",
        choices=["sendemail-validate", "pre-push", "b4"],
        default="sendemail-validate",
        help="which hook (default sendemail-validate)",
    )
    install.add_argument("--tree", metavar="DIR", default=".", help="the repository (default .)")
    uninstall = actions.add_parser("uninstall", help="remove what hook install wrote")
    uninstall.add_argument(
        "--kind",
        choices=["sendemail-validate", "pre-push", "b4"],
        default="sendemail-validate",
        help="which hook (default sendemail-validate)",
    )
    uninstall.add_argument("--tree", metavar="DIR", default=".", help="the repository (default .)")
    run_hook = actions.add_parser("run", help="what an installed hook runs (git calls it)")
    run_hook.add_argument("kind", choices=["sendemail-validate", "pre-push"])
    run_hook.add_argument("hook_args", nargs=argparse.REMAINDER, metavar="ARG")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "hook":
            from patchscope.commands import hook

            return hook.run(args)
        if args.command == "check":
            from patchscope.commands import check

            return check.run(args)
    except PatchscopeError as err:
        print(f"patchscope: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # noqa: BLE001 - the one place that catches all
        if os.environ.get("PATCHSCOPE_DEBUG"):
            raise
        print(
            f"patchscope: internal error: {type(err).__name__}: {err} "
            "(set PATCHSCOPE_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE
