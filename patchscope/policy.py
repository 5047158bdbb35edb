"""The gate policy: what the user asked for, applied after the analysis.

The analysis gives every finding its default severity: what is shown wrong
(a refuted claim, a reachable assertion, a caller left on the old signature)
is an error, a claim that could not be decided (``nfc-unproved``) a warning.
This module applies the user's choices on top of that, and nothing else
decides the exit status:

- ``--strict`` (or git config ``patchscope.strict``) makes an unproved claim
  an error;
- ``--ignore CHECK`` (or git config ``patchscope.ignore``, one check per value
  or several separated by commas or spaces) leaves a check out of the report
  and the exit status.  An internal error cannot be ignored.

The per-repository settings live in git config rather than in a file of the
tree: kernel developers already keep b4's and send-email's settings there, one
``git config`` sets them per repository or (``--global``) for every tree, and
no new file shows up in ``git status`` of a kernel checkout.

Whatever is ignored, a patch with an error-severity finding is never
``proved`` or ``verified``: its verdict becomes ``unknown`` naming the
finding, so that the verdict and the exit status tell the same story.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from patchscope.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, INTERNAL_CHECKS, UsageError

if TYPE_CHECKING:  # a cached run reads the policy and nothing of the core
    from patchscope.core import Finding, Series

# Findings that report patchscope's own failure (core.INTERNAL_CHECKS): exit 3,
# never ignorable.

# An undecided claim: a warning unless --strict.
UNPROVED_CHECKS = frozenset({"nfc-unproved"})

_CHECK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Policy:
    strict: bool = False
    ignore: frozenset[str] = field(default_factory=frozenset)


def parse_checks(values: list[str], where: str) -> frozenset[str]:
    """Check ids from ``--ignore`` or git config values ("a,b c")."""
    names: set[str] = set()
    for value in values:
        for name in re.split(r"[,\s]+", value.strip()):
            if not name:
                continue
            if not _CHECK_NAME.match(name):
                raise UsageError(f"{where}: {name!r} is not a check id (e.g. nfc-sampled)")
            if name in INTERNAL_CHECKS:
                raise UsageError(
                    f"{where}: {name} reports an internal error of patchscope; "
                    "it cannot be ignored"
                )
            names.add(name)
    return frozenset(names)


def _git_config(repo: str, *args: str) -> list[str] | None:
    """Values of a git config query in *repo*; None when git or the repo is not there."""
    try:
        done = subprocess.run(
            ["git", "-C", repo, "config", *args],
            capture_output=True, text=True, check=False,
        )
    except OSError:
        return None
    if done.returncode == 1:  # the key is not set
        return []
    if done.returncode:
        return None
    return done.stdout.splitlines()


def from_config(repo: str | None) -> Policy:
    """The policy set with git config ``patchscope.*`` in *repo* (and globally).

    Outside a git repository git still reads the global and system config.
    """
    where = repo or "."
    ignored = _git_config(where, "--get-all", "patchscope.ignore") or []
    strict = _git_config(where, "--type=bool", "--get", "patchscope.strict")
    if strict is None and _git_config(where, "--get", "patchscope.strict"):
        raise UsageError("git config patchscope.strict: not a boolean (true or false)")
    return Policy(
        strict=strict is not None and strict[:1] == ["true"],
        ignore=parse_checks(ignored, "git config patchscope.ignore"),
    )


def combine(config: Policy, strict: bool, ignore: list[str]) -> Policy:
    """The command line adds to the configuration (``--strict``, ``--ignore``)."""
    return Policy(
        strict=config.strict or strict,
        ignore=config.ignore | parse_checks(ignore, "--ignore"),
    )


def _gated(f: Finding, policy: Policy) -> Finding:
    from patchscope.core import Severity

    if f.check in INTERNAL_CHECKS:
        f.severity = Severity.ERROR
    elif f.check in UNPROVED_CHECKS:
        f.severity = Severity.ERROR if policy.strict else Severity.WARNING
    return f


def apply_policy(series: Series, policy: Policy) -> None:
    from patchscope.core import Basis, Severity, VerdictKind

    """Set severities, drop ignored checks, and make verdicts agree with errors."""
    for patch in series.patches:
        for f in patch.findings:
            _gated(f, policy)
        errors = [f for f in patch.findings if f.severity is Severity.ERROR]
        nfc = patch.nfc
        if errors and nfc is not None and nfc.verdict in (VerdictKind.PROVED,
                                                          VerdictKind.VERIFIED):
            first, was = errors[0], nfc.verdict.value
            nfc.verdict, nfc.basis = VerdictKind.UNKNOWN, Basis.NONE
            nfc.reasons.insert(0, f"{first.check} (so not {was}): {first.message}")
        patch.findings = [f for f in patch.findings if f.check not in policy.ignore]
    for f in series.findings:
        _gated(f, policy)
    series.findings = [f for f in series.findings if f.check not in policy.ignore]


def exit_code(series: Series) -> int:
    from patchscope.core import Severity

    """3 on an internal error, else 1 on an error-severity finding, else 0."""
    every = series.all_findings()
    if any(f.check in INTERNAL_CHECKS for f in every):
        return EXIT_INTERNAL
    if any(f.severity is Severity.ERROR for f in every):
        return EXIT_FINDINGS
    return EXIT_OK
