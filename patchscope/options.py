"""What the user asked ``patchscope check`` for: a module of its own, so that a
cached run (which reads nothing else of the core) does not build the core's
data classes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CheckOptions:
    """What the user asked ``patchscope check`` for, after parsing the command line."""

    source: str  # what the user named (several sources: joined by spaces)
    tree: str | None = None
    base: str | None = None
    arch: str = "x86_64"
    compile_commands: str | None = None
    scenarios: int = 2000
    seed: int = 1
    jobs: int = 1
    timeout: float | None = None  # --timeout: seconds for the whole run
    output_format: str = "text"
    html: str | None = None
    color: bool = False
    progress: bool = False
    strict: bool = False  # an unproved claim is an error (see patchscope.policy)
    sources: tuple[str, ...] = ()  # several SOURCE arguments, in order (else source alone)
    tree_implied: bool = False  # --tree . was implied by revisions inside a checkout
    quiet: bool = False  # text: findings only
    width: int | None = None  # text: wrap to this many columns (a terminal's width)
    ignore: frozenset[str] = frozenset()  # check ids left out of report and exit status
