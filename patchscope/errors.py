"""All of patchscope's exceptions and exit codes, in one place.

Stages raise these; only :mod:`patchscope.main` turns them into exit codes and
one line on stderr.  Anything else escaping a stage is an internal error (exit 3).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

# Finding checks that report patchscope's own failure: exit 3, never ignorable
INTERNAL_ERROR = "internal-error"
INTERNAL_CHECKS = frozenset({INTERNAL_ERROR, "engine-disagreement"})


class PatchscopeError(Exception):
    """Base class of every error patchscope reports on purpose."""

    exit_code = EXIT_INTERNAL


class InputError(PatchscopeError):
    """The input named by the user cannot be read or holds no usable series.

    The message is one line; it names the input and the problem.
    """

    exit_code = EXIT_USAGE

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class UsageError(PatchscopeError):
    """The command line is wrong (conflicting or impossible options)."""

    exit_code = EXIT_USAGE


class DiffError(PatchscopeError):
    """One patch's diff is malformed.  In a series this becomes a finding."""

    exit_code = EXIT_USAGE


class TreeError(PatchscopeError):
    """The kernel tree given with --tree cannot be used (not git, bad base, ...)."""

    exit_code = EXIT_USAGE


class ParseError(PatchscopeError):
    """C source or a C expression could not be parsed.  Leads to `unknown`."""

    exit_code = EXIT_INTERNAL


class InternalError(PatchscopeError):
    """Something patchscope itself got wrong, e.g. two engines disagreeing."""

    exit_code = EXIT_INTERNAL
