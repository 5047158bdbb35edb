"""``--format json``: the JSON contract of design.md.

The output is a function of the series alone: no timestamps, no paths of the
machine, a fixed key order, and lists sorted wherever their order carries no
meaning, so that every encoding of one series gives byte-identical JSON.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from enum import Enum
from typing import Any

from patchscope.core import (
    Argument,
    CallSite,
    CheckOptions,
    Declaration,
    FileChange,
    Finding,
    LineAccount,
    Param,
    Patch,
    ReviewComment,
    Series,
    Severity,
    SignatureChange,
    Verdict,
    VerdictKind,
)

FORMAT_VERSION = 1
_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _plain(value: Any) -> Any:
    """JSON-ready copy of analysis values (enums, dataclasses, sets, tuples)."""
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def finding_sort_key(f: Finding) -> tuple[int, str, int, int, str, str]:
    """Findings have no meaningful order: sort by place, then severity, check, text."""
    return (
        f.patch or 0,
        f.file or "",
        f.line or 0,
        _SEVERITY_ORDER.get(f.severity, 3),
        f.check,
        f.message,
    )


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "check": f.check,
        "severity": _plain(f.severity),
        "file": f.file,
        "line": f.line,
        "message": f.message,
        "patch": f.patch,
    }


def _findings(findings: list[Finding]) -> list[dict[str, Any]]:
    return [finding_json(f) for f in sorted(findings, key=finding_sort_key)]


def _params(params: list[Param]) -> list[dict[str, str]]:
    return [{"type": p.type, "name": p.name} for p in params]


def verdict_json(v: Verdict | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "verdict": _plain(v.kind),
        "method": v.method,
        "reason": v.reason,
        "basis": _plain(v.basis),
        "scenarios": v.scenarios,
        "seed": v.seed,
        "arch": v.arch,
        "steps": list(v.steps),
        "counterexample": _plain(v.counterexample) if v.counterexample else None,
    }


def _declaration(d: Declaration) -> dict[str, Any]:
    return {"file": d.file, "line": d.line, "kind": d.kind,
            "old_return": d.old_return, "new_return": d.new_return,
            "old_attributes": list(d.old_attributes), "new_attributes": list(d.new_attributes)}


def _signature_change(sc: SignatureChange) -> dict[str, Any]:
    return {
        "function": sc.function,
        "file": sc.file,
        "line": sc.line,
        "old_params": _params(sc.old_params),
        "new_params": _params(sc.new_params),
        "added": list(sc.added),
        "removed": list(sc.removed),
        "renamed": [{"old": r.old, "new": r.new} for r in sc.renamed],
        "moved": list(sc.moved),
        "declarations": [_declaration(d) for d in sc.declarations],
        "unproved_interface": list(sc.unproved_interface),
        "substitution": dict(sorted(sc.substitution.items())),
        "body_verdict": verdict_json(sc.body_verdict),
    }


def _arg_texts(args: list[Argument] | None) -> list[str] | None:
    return None if args is None else [a.text for a in args]


def _annotations(args: list[Argument] | None) -> list[str | None] | None:
    return None if args is None else [a.annotation for a in args]


def _call_site(cs: CallSite) -> dict[str, Any]:
    v = verdict_json(cs.verdict)
    return {
        "function": cs.function,
        "caller": cs.caller,
        "file": cs.file,
        "line": cs.line,
        "old_line": cs.old_line,
        "mode": _plain(cs.mode),
        "complete": cs.complete,
        "incomplete_reason": cs.incomplete_reason,
        "old_args": _arg_texts(cs.old_args),
        "new_args": _arg_texts(cs.new_args),
        "old_annotations": _annotations(cs.old_args),
        "new_annotations": _annotations(cs.new_args),
        "aligned": [
            {
                "param": row.param,
                "old": row.old.text if row.old else None,
                "new": row.new.text if row.new else None,
                "changed": row.changed,
            }
            for row in cs.aligned()
        ],
        "verdict": v["verdict"] if v else None,
        "method": v["method"] if v else None,
        "reason": v["reason"] if v else None,
        "basis": v["basis"] if v else None,
        "scenarios": v["scenarios"] if v else None,
        "seed": v["seed"] if v else None,
        "arch": v["arch"] if v else None,
        "steps": v["steps"] if v else [],
        "counterexample": v["counterexample"] if v else None,
    }


def _file(fc: FileChange) -> dict[str, Any]:
    return {
        "path": fc.path,
        "added": fc.added,
        "removed": fc.removed,
        "old_path": fc.old_path,
        "is_new": fc.is_new,
        "is_deleted": fc.is_deleted,
        "is_rename": fc.is_rename,
        "is_binary": fc.is_binary,
        "hunks": len(fc.hunks),
    }


def _review_comment(rc: ReviewComment) -> dict[str, Any]:
    return {
        "author": rc.author,
        "file": rc.file,
        "line": rc.line,
        "side": rc.side,
        "text": rc.text,
        "quoted": rc.quoted,
    }


def _account(a: LineAccount) -> dict[str, Any]:
    return {
        "file": a.file,
        "side": a.side,
        "line": a.line,
        "text": a.text,
        "kind": a.kind,
        "by": a.by,
        "verdict": _plain(a.verdict) if a.verdict is not None else None,
        "note": a.note,
    }


def nfc_json(patch: Patch) -> dict[str, Any]:
    """The patch's NFC verdict; before the analysis: not-claimed or unknown."""
    if patch.nfc is not None:
        return {
            "verdict": _plain(patch.nfc.verdict),
            "reasons": list(patch.nfc.reasons),
            "basis": _plain(patch.nfc.basis),
            "assumptions": list(patch.assumptions),
            "checked": list(patch.checked),
        }
    if not patch.claims_nfc:
        return {
            "verdict": VerdictKind.NOT_CLAIMED.value,
            "reasons": ["the patch makes no no-functional-change claim"],
            "basis": "none",
        }
    return {"verdict": VerdictKind.UNKNOWN.value, "reasons": ["not analysed"], "basis": "none"}


def patch_json(p: Patch) -> dict[str, Any]:
    return {
        "index": p.index,
        "total": p.total,
        "version": p.version,
        "subject": p.subject,
        "author": p.author,
        "message_id": p.message_id or None,
        "claims_nfc": p.claims_nfc,
        "nfc_claim": p.nfc_claim,
        "mode": _plain(p.mode),
        "trailers": [{"key": t.key, "value": t.value, "source": t.source} for t in p.trailers],
        "files": [_file(fc) for fc in p.files],
        "signature_changes": [_signature_change(sc) for sc in p.signature_changes],
        "call_sites": [_call_site(cs) for cs in p.call_sites],
        "nfc": nfc_json(p),
        "accounting": [_account(a) for a in p.accounting],
        "findings": _findings(p.findings),
        "review_comments": [_review_comment(rc) for rc in p.review_comments],
    }


def series_json(series: Series) -> dict[str, Any]:
    """The whole JSON document as Python values."""
    doc = series_json_without_patches(series)
    doc["patches"] = [patch_json(p) for p in series.patches]
    return doc


def series_json_without_patches(series: Series) -> dict[str, Any]:
    """The JSON document with an empty list for its patches (in their place)."""
    every = series.all_findings()
    return {
        "format_version": FORMAT_VERSION,
        "series": {
            "subject": series.subject,
            "version": series.version,
            "total": series.total,
            "base_commit": series.base_commit,
            "message_id": series.message_id,
            "cover": (
                {
                    "subject": series.cover.subject,
                    "author": series.cover.author,
                    "message_id": series.cover.message_id or None,
                }
                if series.cover
                else None
            ),
            "missing": list(series.missing),
            "duplicated": list(series.duplicated),
            "mode": _plain(series.mode),
        },
        "findings": _findings(series.findings),
        "patches": [],
        "summary": {
            "errors": sum(1 for f in every if f.severity == Severity.ERROR),
            "warnings": sum(1 for f in every if f.severity == Severity.WARNING),
            "info": sum(1 for f in every if f.severity == Severity.INFO),
        },
    }


def render_json(series: Series, options: CheckOptions) -> str:
    """The ``--format json`` document: indented, UTF-8 text, trailing newline."""
    return "".join(json_chunks(series, options))


_PATCHES = '\n  "patches": []'


def json_chunks(series: Series, options: CheckOptions) -> Iterator[str]:
    """:func:`render_json`'s text in pieces, one a patch: the same bytes as
    ``json.dumps(series_json(series), indent=2)``, without the whole document's
    values (or text) ever held at once."""
    del options  # the document does not depend on how it was asked for
    doc = series_json_without_patches(series)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    # strings hold no raw newline, so the key at the top level is the only match
    head, sep, tail = text.partition(_PATCHES)
    assert sep, "the patches key is in the document"
    if not series.patches:
        yield text
        return
    yield head + '\n  "patches": ['
    for n, p in enumerate(series.patches):
        one = json.dumps(patch_json(p), indent=2, ensure_ascii=False)
        yield ("," if n else "") + "\n    " + one.replace("\n", "\n    ")
    yield "\n  ]" + tail
