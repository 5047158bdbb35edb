"""The plain data that patchscope's stages pass to each other.

Every stage takes and returns these dataclasses and nothing else, so that each
stage can be tested alone and the renderers never reach back into a parser.
Field names follow the JSON contract of ``docs/design.md``; the JSON renderer
adds nothing that is not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The check of a finding that reports a bug in patchscope itself (exit status
# 3), and the command line's options: they live in light modules a cached run
# reads without this one, and are part of the core's API here too.
from patchscope.errors import INTERNAL_CHECKS, INTERNAL_ERROR  # noqa: F401
from patchscope.options import CheckOptions  # noqa: F401


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class VerdictKind(StrEnum):
    """Verdict words of the contract; the order of RANK is worst first."""

    REFUTED = "refuted"
    UNKNOWN = "unknown"
    VERIFIED = "verified"
    PROVED = "proved"
    NOT_CLAIMED = "not-claimed"


# A patch's verdict is the worst of its parts: refuted < unknown < verified < proved.
VERDICT_RANK = {
    VerdictKind.REFUTED: 0,
    VerdictKind.UNKNOWN: 1,
    VerdictKind.VERIFIED: 2,
    VerdictKind.PROVED: 3,
}


class Basis(StrEnum):
    """What a verdict rests on.  The report must never claim more than this."""

    PROOF = "proof"
    SAMPLING = "sampling"
    COUNTEREXAMPLE = "counterexample"
    NONE = "none"


class AnalysisMode(StrEnum):
    MBOX = "mbox"  # only the hunks' old and new windows are known
    TREE = "tree"  # whole old and new files of the touched files
    TREE_WHOLE = "tree-whole"  # plus every caller anywhere in the tree


# --------------------------------------------------------------------------
# Reading the series


@dataclass(slots=True)
class Finding:
    """One thing a reviewer should look at.  ``check`` is a stable id."""

    check: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    patch: int | None = None  # index of the patch (1-based), None: series-wide


@dataclass(slots=True)
class Trailer:
    key: str  # canonical spelling, e.g. "Reviewed-by"
    value: str
    source: str  # "patch" | "reply"
    message_id: str | None = None  # the message it was read from


@dataclass
class Message:
    """One decoded email."""

    message_id: str
    subject: str
    author: str  # "Name <email>"
    date: str | None
    body: str  # decoded text, LF line ends
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)


@dataclass
class SubjectTag:
    """What ``[RFC PATCH net-next v3 2/7]`` says."""

    prefixes: list[str]
    version: int
    index: int | None
    total: int | None
    title: str


@dataclass(slots=True)
class DiffLine:
    kind: str  # " ", "+", "-"
    text: str  # without the leading kind character and without the newline
    old_lineno: int | None
    new_lineno: int | None
    position: int  # line number inside the patch's diff text (1-based)


@dataclass(slots=True)
class Hunk:
    old_start: int
    old_length: int
    new_start: int
    new_length: int
    section: str  # the text after the second @@, often the enclosing function
    lines: list[DiffLine]
    # tree mode: the file lines where the hunk's old and new windows really
    # stand (a tree a few commits away from the series' base shifts them)
    tree_old_start: int | None = None
    tree_new_start: int | None = None

    @property
    def old_window(self) -> list[str]:
        return [dl.text for dl in self.lines if dl.kind in (" ", "-")]

    @property
    def new_window(self) -> list[str]:
        return [dl.text for dl in self.lines if dl.kind in (" ", "+")]


@dataclass
class FileChange:
    path: str  # the new path (the old one for a deleted file)
    old_path: str | None
    added: int
    removed: int
    is_new: bool = False
    is_deleted: bool = False
    is_rename: bool = False
    is_binary: bool = False
    old_blob: str | None = None  # abbreviated blob ids from the "index" line
    new_blob: str | None = None
    hunks: list[Hunk] = field(default_factory=list)
    # tree mode: the changes as the whole old and new files show them, with
    # wide context (a declarator or body the hunks cut is whole here)
    tree_windows: list[TreeWindow] = field(default_factory=list)
    # tree mode: the whole old and new file (the refactor-shape proofs,
    # patchscope.equivalence.hoist, look for every call in it)
    tree_old_text: str | None = None
    tree_new_text: str | None = None


@dataclass
class TreeWindow:
    """Lines of the old and new file around a group of changes (tree mode)."""

    old_first: int  # file line of old_lines[0]
    old_lines: list[str]
    new_first: int
    new_lines: list[str]
    old_changed: list[int]  # file lines removed
    new_changed: list[int]  # file lines added


@dataclass(slots=True)
class ReviewComment:
    author: str
    text: str
    file: str | None  # None: a general comment, not anchored to a diff line
    line: int | None  # line in the new file (old file for a removed line)
    side: str | None = None  # "new" | "old"
    message_id: str | None = None
    quoted: str | None = None  # the diff line it is anchored to, as quoted


# --------------------------------------------------------------------------
# C analysis


@dataclass(slots=True)
class Param:
    type: str  # e.g. "unsigned long", "struct vm_area_struct *"
    name: str  # "" for an unnamed prototype parameter


@dataclass
class Declaration:
    """One place that declares a changed function: a prototype or a definition."""

    file: str
    line: int  # new side
    kind: str  # "prototype" | "definition"
    old_params: list[Param]
    new_params: list[Param]
    old_body: str | None = None  # definitions only: source of the body, old side
    new_body: str | None = None
    body_complete: bool = False  # the whole body is known (tree mode or whole hunk)
    # the rest of the signature (patchscope.csource.attributes): the return
    # type's text and the attributes compared, canonically spelled
    old_return: str = ""
    new_return: str = ""
    old_attributes: tuple[str, ...] = ()
    new_attributes: tuple[str, ...] = ()
    # file lines the declarator spans (type to ";" or "{"), old and new side
    old_lines: tuple[int, int] = (0, 0)
    new_lines: tuple[int, int] = (0, 0)
    # where the declarator's head stands (type, name, parameters, attributes; up
    # to the ";" or "{"), as old_spans: the accounting excises it whole
    old_head: tuple[int, int, int, int] | None = None
    new_head: tuple[int, int, int, int] | None = None
    # where the text of old_body / new_body stands: (line, column) from, to
    # (exclusive), in the side's file lines (diff numbering in mbox mode, the
    # tree's in tree mode); the whole-patch accounting excises exactly these
    old_spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    new_spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    body_verdict: Verdict | None = None  # filled by the equivalence stage


@dataclass
class Renamed:
    old: str
    new: str


@dataclass
class SignatureChange:
    """A function whose signature (parameters, return type, attributes) the patch changes."""

    function: str
    file: str  # where its primary definition lives (else the first declaration)
    line: int
    old_params: list[Param]
    new_params: list[Param]
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[Renamed] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    declarations: list[Declaration] = field(default_factory=list)
    # what the declarators change besides parameters that no proof covers, in
    # words (a lost `__noreturn`, a new return type): the body is never proved
    unproved_interface: list[str] = field(default_factory=list)
    # every changed line of the patch lies in one of these declarations, all
    # prototypes: no body can have changed (patchscope.csource.analyse)
    prototypes_alone: bool = False
    # the patch changes the declarator but does not show it whole: why (mbox mode)
    partial: str | None = None
    # tree-whole mode: calls found outside the patch's own files (checked for
    # their argument count only, not against the proof's provisos)
    outside_callers: int = 0
    # filled by the equivalence stage
    body_verdict: Verdict | None = None
    substitution: dict[str, str] = field(default_factory=dict)  # new param -> old expr


@dataclass(slots=True)
class Argument:
    text: str  # exact source text, comments and layout inside it kept
    annotation: str | None = None  # a "/* name = */" comment before it
    param: str | None = None  # the parameter it is aligned to, if known


@dataclass(slots=True)
class AlignedArgument:
    """One row of a call site's old and new arguments, side by side."""

    param: str | None
    old: Argument | None
    new: Argument | None

    @property
    def changed(self) -> bool:
        if self.old is None or self.new is None:
            return True
        return " ".join(self.old.text.split()) != " ".join(self.new.text.split())


@dataclass(frozen=True)
class Support:
    """Code one side of the patch adds or removes that a call's proof read."""

    file: str
    side: str  # "old" | "new"
    spellings: tuple[str, ...]  # its tokens, comments aside
    label: str  # what it is, e.g. "UNMAP_DESC() from this patch, building desc"
    note: str | None = None  # what the proof assumed reading it


@dataclass
class CallSite:
    function: str
    caller: str
    file: str
    line: int  # new side
    old_line: int | None
    old_args: list[Argument] | None  # None: no old call (a new caller)
    new_args: list[Argument] | None  # None: the call was removed
    mode: AnalysisMode = AnalysisMode.MBOX
    complete: bool = True  # False: the call runs past what is visible
    incomplete_reason: str | None = None
    # caller text before the call (from the caller's start or the window's),
    # for engines that need the caller's context (mas_set, vma_iter_set ...)
    old_context: str | None = None
    new_context: str | None = None
    verdict: Verdict | None = None
    # lines a proof of this call read besides its arguments (the statements
    # that build a struct it passes, new definitions they use): the accounting
    # counts them for the call once it is proved (:mod:`.equivalence.packed`)
    support: list[Support] = field(default_factory=list)
    # a removed parameter that now travels in a field of a struct the caller
    # builds: (parameter, field as the callee reads it, what the caller stores)
    fields: list[tuple[str, str, str]] = field(default_factory=list)

    def aligned(self) -> list[AlignedArgument]:
        """Old and new arguments paired by parameter.

        ``Argument.param`` names the parameter in the new signature when it
        persists (renames followed) and the old name when it was removed, so
        equal names pair up; without names, arguments pair by position.
        """
        old = list(self.old_args or [])
        new = list(self.new_args or [])
        if all(a.param for a in old + new):
            old_by = {a.param: a for a in old}
            rows = [AlignedArgument(a.param, old_by.pop(a.param, None), a) for a in new]
            packed = {p: (label, value) for p, label, value in self.fields}
            # one row per field: the old argument beside what the caller stores
            rows += [AlignedArgument(packed[p][0], a, Argument(packed[p][1], None, packed[p][0]))
                     if p in packed else AlignedArgument(p, a, None)
                     for p, a in old_by.items()]
            return rows
        width = max(len(old), len(new))
        return [
            AlignedArgument(
                (new[i].param if i < len(new) else old[i].param),
                old[i] if i < len(old) else None,
                new[i] if i < len(new) else None,
            )
            for i in range(width)
        ]


# --------------------------------------------------------------------------
# Equivalence


@dataclass
class Counterexample:
    """A concrete input on which old and new differ, with what each does."""

    arch: str
    scenario: dict[str, Any]  # the layout: VMAs, tree kind, start, markers
    old_args: dict[str, Any]  # parameter -> value (ints, None for NULL)
    new_args: dict[str, Any]
    old: dict[str, Any]  # observations of the old call
    new: dict[str, Any]  # observations of the new call
    difference: str  # one sentence: the first observation that differs


@dataclass(slots=True)
class Verdict:
    kind: VerdictKind
    method: str  # how it was decided, e.g. "substitution tree_max := ceiling"
    reason: str  # one human sentence
    basis: Basis = Basis.NONE
    scenarios: int | None = None  # sampling: how many ran
    seed: int | None = None
    arch: str | None = None
    counterexample: Counterexample | None = None
    steps: list[str] = field(default_factory=list)  # the proof's steps, for the report


@dataclass(slots=True)
class LineAccount:
    """What accounts for one changed line of a patch: the whole-patch accounting.

    A patch is ``proved`` only when every added and removed line has a proved
    account; ``by`` None means nothing accounts for the line.
    """

    file: str
    side: str  # "old": a removed line, "new": an added line
    line: int  # its line number on that side, as the diff numbers it
    text: str
    kind: str  # "layout" | "prose" | "signature" | "body" | "call" | "refactor" | "unaccounted"
    by: str | None  # what accounts for it, e.g. "call of free_pgtables() in exit_mmap()"
    verdict: VerdictKind | None = None  # the verdict of what accounts for it
    note: str | None = None  # why nothing does, or what the account assumes


@dataclass
class NfcResult:
    verdict: VerdictKind
    reasons: list[str] = field(default_factory=list)
    basis: Basis = Basis.NONE


# --------------------------------------------------------------------------
# The series


@dataclass
class Patch:
    index: int  # M of M/T; 1 for a lone patch without a tag
    total: int
    version: int
    subject: str  # the title without the [PATCH ...] tag
    full_subject: str
    author: str
    message_id: str
    date: str | None
    body: str  # the commit message (above the first "---")
    diff_text: str  # the diff part of the mail, as it was sent
    claims_nfc: bool = False
    nfc_claim: str | None = None  # the sentence that makes the claim
    trailers: list[Trailer] = field(default_factory=list)
    files: list[FileChange] = field(default_factory=list)
    # review replies; a check drops them once their trailers and comments are read
    replies: list[Message] = field(default_factory=list)
    review_comments: list[ReviewComment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    signature_changes: list[SignatureChange] = field(default_factory=list)
    call_sites: list[CallSite] = field(default_factory=list)
    nfc: NfcResult | None = None
    mode: AnalysisMode = AnalysisMode.MBOX
    # parts left unanalysed (libclang crashed, a limit or --timeout was
    # reached), each with its reason: the patch cannot be proved
    gaps: list[str] = field(default_factory=list)
    # past a limit of size (patchscope.csource.size): neither analysed nor
    # decided, the reason in gaps
    unanalysed: bool = False
    accounting: list[LineAccount] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)  # what the patch's proof rests on
    checked: list[str] = field(default_factory=list)  # assumptions tree mode checked instead


@dataclass
class Series:
    source: str  # what the user named
    subject: str  # the cover letter's title, else the first patch's
    version: int
    total: int
    base_commit: str | None
    message_id: str | None  # the cover letter's, else the first patch's
    cover: Message | None = None
    patches: list[Patch] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    duplicated: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # series-wide
    mode: AnalysisMode = AnalysisMode.MBOX
    # constants the calls name, valued by their one definition in the mail or
    # the tree: name -> (value, where) (patchscope.csource.defines)
    macro_values: dict[str, tuple[int, str]] = field(default_factory=dict)
    # functions the calls name whose result is their arguments' alone: name ->
    # why, in words (patchscope.csource.pure)
    pure_functions: dict[str, str] = field(default_factory=dict)
    # tree mode: (path, text) of the base tree's files that define the struct
    # shapes (initializer macros, init helpers) the series' new code uses
    shape_files: list[tuple[str, str]] = field(default_factory=list)

    def all_findings(self) -> list[Finding]:
        out = list(self.findings)
        for p in self.patches:
            out.extend(p.findings)
        return out
