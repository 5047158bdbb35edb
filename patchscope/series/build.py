"""From decoded messages to a Series: patches, cover letter, replies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from patchscope.core import Finding, Message, Patch, Series, Severity, SubjectTag
from patchscope.diff import PatchParts, parse_diff, split_patch_body
from patchscope.errors import DiffError, InputError
from patchscope.series.nfc import find_nfc_claim
from patchscope.series.replies import thread_replies
from patchscope.series.review import review_comments
from patchscope.series.subject import is_reply_subject, parse_subject
from patchscope.series.trailers import find_trailers, unquoted_lines

_DIFFSTAT = re.compile(
    r"^\s*(\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?\s*$",
    re.MULTILINE,
)
_BASE_COMMIT = re.compile(r"^base-commit:\s*([0-9a-fA-F]{7,64})\s*$")
_COVER = "cover"


@dataclass
class _Candidate:
    msg: Message
    tag: SubjectTag
    parts: PatchParts | None  # None: no diff in it


def _date_key(msg: Message) -> tuple[float, str]:
    try:
        stamp = parsedate_to_datetime(msg.date).timestamp() if msg.date else float("inf")
    except (TypeError, ValueError, IndexError, OverflowError):
        stamp = float("inf")
    return stamp, msg.message_id


def _base_commit(text: str) -> str | None:
    for line in unquoted_lines(text):
        if m := _BASE_COMMIT.match(line):
            return m.group(1).lower()
    return None


def _finding(check: str, severity: Severity, message: str, patch: int | None = None) -> Finding:
    return Finding(check=check, severity=severity, message=message, patch=patch)


def _classify(messages: list[Message]) -> tuple[list[_Candidate], list[_Candidate], list[Message]]:
    patches: list[_Candidate] = []
    covers: list[_Candidate] = []
    replies: list[Message] = []
    for msg in messages:
        tag = parse_subject(msg.subject)
        if is_reply_subject(msg.subject):
            replies.append(msg)
            continue
        parts = split_patch_body(msg.body)
        if parts is not None:
            patches.append(_Candidate(msg, tag, parts))
        elif tag.index == 0:
            covers.append(_Candidate(msg, tag, None))
        elif msg.in_reply_to or msg.references:
            replies.append(msg)
    return patches, covers, replies


def _number(cands: list[_Candidate]) -> list[tuple[int, int, _Candidate]]:
    """(index, total, candidate): from the tags, else by order of appearance."""
    if all(c.tag.index is not None for c in cands):
        return [(c.tag.index or 0, c.tag.total or 0, c) for c in cands]
    total = len(cands)
    return [(n, total, c) for n, c in enumerate(cands, start=1)]


def _make_patch(index: int, total: int, cand: _Candidate) -> Patch:
    assert cand.parts is not None
    msg = cand.msg
    # The title counts too: "mm: tidy up foo() (no functional change)".
    claim = find_nfc_claim(cand.parts.commit_message) or find_nfc_claim(cand.tag.title)
    return Patch(
        index=index,
        total=total,
        version=cand.tag.version,
        subject=cand.tag.title,
        full_subject=msg.subject,
        author=msg.author,
        message_id=msg.message_id,
        date=msg.date,
        body=cand.parts.commit_message,
        diff_text=cand.parts.diff_text,
        claims_nfc=claim is not None,
        nfc_claim=claim,
        trailers=find_trailers(
            cand.parts.commit_message, source="patch", message_id=msg.message_id or None
        ),
    )


def _check_diffstat(patch: Patch, notes: str) -> None:
    """A diffstat that disagrees with the diff means the patch was edited by hand."""
    m = _DIFFSTAT.search(notes)
    if m is None or any(f.check == "diff-unsafe-path" for f in patch.findings):
        return
    files, added, removed = (int(g) if g else 0 for g in m.groups())
    got = (len(patch.files), sum(f.added for f in patch.files), sum(f.removed for f in patch.files))
    if (files, added, removed) != got:
        patch.findings.append(
            _finding(
                "diffstat-mismatch",
                Severity.WARNING,
                f"the diffstat says {files} files, +{added} -{removed}; the diff has "
                f"{got[0]} files, +{got[1]} -{got[2]} (edited by hand?)",
                patch.index,
            )
        )


def _read_diff(patch: Patch) -> str | None:
    """Fill patch.files; the problem, if the diff is malformed."""
    try:
        patch.files, findings = parse_diff(patch.diff_text, patch_index=patch.index)
    except DiffError as err:
        patch.findings.append(
            _finding("diff-malformed", Severity.ERROR, f"malformed diff: {err}", patch.index)
        )
        return " ".join(str(err).split())
    patch.findings.extend(findings)
    return None


def build_series(source: str, label: str, messages: list[Message]) -> Series:
    """Assemble the series of *messages* read from *source*.

    Raises InputError when no message holds a patch, or when every patch's
    diff is malformed (one line, naming *label*).
    """
    cands, covers, replies = _classify(messages)
    if not cands:
        what = f"{len(messages)} message" + ("" if len(messages) == 1 else "s")
        raise InputError(label, f"holds no patch ({what}, none with a diff)")

    findings: list[Finding] = []
    version = max(c.tag.version for c in cands)
    older = sorted({c.tag.version for c in cands if c.tag.version != version})
    if older:
        findings.append(
            _finding(
                "series-versions",
                Severity.INFO,
                f"read v{version}; ignored older versions: "
                + ", ".join(f"v{v}" for v in older),
            )
        )
    cands = [c for c in cands if c.tag.version == version]
    cover_cand = next((c for c in covers if c.tag.version == version), None)

    patches: list[Patch] = []
    duplicated: set[int] = set()
    seen: dict[int, Patch] = {}
    notes: dict[int, str] = {}
    for index, total, cand in _number(cands):
        if index in seen:
            duplicated.add(index)
            continue
        seen[index] = _make_patch(index, total, cand)
        notes[index] = cand.parts.notes if cand.parts else ""
        patches.append(seen[index])
    patches.sort(key=lambda p: p.index)
    total = max([p.total for p in patches] + [cover_cand.tag.total or 0 if cover_cand else 0])
    for p in patches:
        p.total = total
    missing = sorted(set(range(1, total + 1)) - set(seen))
    if missing:
        findings.append(
            _finding(
                "series-missing",
                Severity.INFO,
                "missing from the series: " + ", ".join(f"{i}/{total}" for i in missing),
            )
        )
    for index in sorted(duplicated):
        findings.append(
            _finding(
                "series-duplicate",
                Severity.WARNING,
                f"patch {index}/{total} appears more than once; the first copy is read",
                index,
            )
        )

    problems = []
    for p in patches:
        problem = _read_diff(p)
        if problem is None:
            _check_diffstat(p, notes.get(p.index, ""))
        else:
            problems.append(problem)
    if len(problems) == len(patches):
        if len(patches) == 1:
            raise InputError(label, f"malformed diff: {problems[0]}")
        raise InputError(label, f"every patch has a malformed diff; first: {problems[0]}")

    _attach_replies(patches, cover_cand.msg if cover_cand else None, replies)

    cover = cover_cand.msg if cover_cand else None
    base = _base_commit(cover.body) if cover else None
    for p in patches:
        base = base or _base_commit(p.diff_text) or _base_commit(p.body)
    first = patches[0]
    return Series(
        source=source,
        subject=cover_cand.tag.title if cover_cand else first.subject,
        version=version,
        total=total,
        base_commit=base,
        message_id=(cover.message_id if cover else first.message_id) or None,
        cover=cover,
        patches=patches,
        missing=missing,
        duplicated=sorted(duplicated),
        findings=findings,
    )


def _attach_replies(patches: list[Patch], cover: Message | None, replies: list[Message]) -> None:
    roots: dict[str, str] = {p.message_id: str(p.index) for p in patches if p.message_id}
    if cover is not None and cover.message_id:
        roots[cover.message_id] = _COVER
    titles: dict[tuple[int, int | None, str], str] = {
        (p.version, p.index, p.subject): str(p.index) for p in patches
    }
    grouped = thread_replies(replies, roots, titles)
    for p in patches:
        p.replies = sorted(grouped.get(str(p.index), []), key=_date_key)
        for reply in p.replies:
            p.trailers.extend(
                find_trailers(reply.body, source="reply", message_id=reply.message_id or None)
            )
            p.review_comments.extend(review_comments(reply, p))
    # A trailer given to the cover letter is given to every patch (as b4 does).
    for reply in sorted(grouped.get(_COVER, []), key=_date_key):
        for p in patches:
            p.trailers.extend(
                find_trailers(reply.body, source="reply", message_id=reply.message_id or None)
            )
