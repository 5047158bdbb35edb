"""The JSON contract of design.md, with analysis fields filled as later stages fill them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchscope.core import (
    AnalysisMode,
    Argument,
    Basis,
    CallSite,
    CheckOptions,
    Counterexample,
    Declaration,
    Finding,
    NfcResult,
    Param,
    Renamed,
    Series,
    Severity,
    SignatureChange,
    Verdict,
    VerdictKind,
)
from patchscope.render.json import render_json
from patchscope.series import read_series
from tests.render.builders import ROOT, SEED

SYNTHETIC = ROOT / "fixtures" / "series" / "synthetic.mbox"
OPTIONS = CheckOptions(source=str(SEED), output_format="json")


def _read(path: Path) -> Series:
    return read_series(str(path), cwd=str(ROOT))


def _doc(series: Series) -> dict:
    text = render_json(series, OPTIONS)
    assert text.endswith("}\n")
    return json.loads(text)


def test_contract_keys_and_values_from_the_reader() -> None:
    doc = _doc(_read(SEED))
    assert {"format_version", "series", "patches", "summary"} <= set(doc)
    assert {"subject", "version", "total", "base_commit", "message_id"} <= set(doc["series"])
    assert {"errors", "warnings"} <= set(doc["summary"])
    (patch,) = doc["patches"]
    assert {
        "index", "total", "subject", "author", "message_id", "claims_nfc", "trailers", "files",
        "signature_changes", "call_sites", "nfc", "findings", "review_comments",
    } <= set(patch)
    assert (patch["index"], patch["total"], patch["claims_nfc"]) == (4, 9, True)
    assert {k: patch["files"][1][k] for k in ("path", "added", "removed")} == {
        "path": "mm/memory.c", "added": 25, "removed": 3,
    }
    assert {"key": "Reviewed-by", "value": "Pedro Falcato <pfalcato@suse.de>",
            "source": "reply"} in patch["trailers"]
    comment = next(c for c in patch["review_comments"] if c["text"].startswith("NIT: /**"))
    assert {k: comment[k] for k in ("author", "file", "line")} == {
        "author": "Lorenzo Stoakes <lorenzo.stoakes@oracle.com>", "file": "mm/memory.c",
        "line": 372,
    }
    for finding in patch["findings"] + doc["findings"]:
        assert set(finding) >= {"check", "severity", "file", "line", "message"}


def test_nfc_before_analysis() -> None:
    series = _read(SYNTHETIC)
    for p in series.patches:
        p.nfc = None
    doc = _doc(series)
    verdicts = [(p["claims_nfc"], p["nfc"]["verdict"], p["nfc"]["reasons"]) for p in doc["patches"]]
    assert verdicts[0] == (True, "unknown", ["not analysed"])
    assert verdicts[1][:2] == (False, "not-claimed")


def _fill_analysis(series: Series) -> None:
    patch = series.patches[0]
    patch.mode = AnalysisMode.TREE
    verdict = Verdict(
        kind=VerdictKind.REFUTED,
        method="model free_pgtables",
        reason="old and new free different page tables",
        basis=Basis.COUNTEREXAMPLE,
        scenarios=120,
        seed=7,
        arch="x86_64",
        counterexample=Counterexample(
            arch="x86_64",
            scenario={"vmas": [(0x1000, 0x2000)], "tree": "maple"},
            old_args={"ceiling": 0, "tree_max": None},
            new_args={"ceiling": 0, "tree_max": 4096},
            old={"freed": {3, 1}},
            new={"freed": [1]},
            difference="new frees less",
        ),
        steps=["step one"],
    )
    patch.signature_changes = [
        SignatureChange(
            function="free_pgtables",
            file="mm/memory.c",
            line=390,
            old_params=[Param("unsigned long", "ceiling")],
            new_params=[Param("unsigned long", "ceiling"), Param("unsigned long", "tree_max")],
            added=["tree_max"],
            renamed=[Renamed("start_vma", "vma")],
            declarations=[Declaration("mm/internal.h", 445, "prototype", [], [])],
            substitution={"tree_max": "ceiling"},
            body_verdict=Verdict(VerdictKind.PROVED, "substitution", "equal", Basis.PROOF),
        )
    ]
    patch.call_sites = [
        CallSite(
            function="free_pgtables",
            caller="exit_mmap",
            file="mm/mmap.c",
            line=1313,
            old_line=1313,
            old_args=[Argument("USER_PGTABLES_CEILING", param="ceiling"),
                      Argument("true", annotation="mm_wr_locked", param="mm_wr_locked")],
            new_args=[Argument("USER_PGTABLES_CEILING", param="ceiling"),
                      Argument("USER_PGTABLES_CEILING", param="tree_max"),
                      Argument("true", annotation="mm_wr_locked", param="mm_wr_locked")],
            verdict=verdict,
        ),
        CallSite(
            function="free_pgtables", caller="new_caller", file="mm/vma.c", line=5,
            old_line=None, old_args=None, new_args=[Argument("x")],
            complete=False, incomplete_reason="runs past the hunk",
        ),
    ]
    patch.nfc = NfcResult(VerdictKind.REFUTED, ["exit_mmap: refuted"], Basis.COUNTEREXAMPLE)
    patch.findings.append(
        Finding("nfc-refuted", Severity.ERROR, "refuted", file="mm/mmap.c", line=1313, patch=4)
    )


def test_analysis_fields_serialised() -> None:
    series = _read(SEED)
    _fill_analysis(series)
    doc = _doc(series)
    (patch,) = doc["patches"]
    assert patch["mode"] == "tree"
    (sc,) = patch["signature_changes"]
    assert sc["old_params"] == [{"type": "unsigned long", "name": "ceiling"}]
    assert sc["renamed"] == [{"old": "start_vma", "new": "vma"}]
    assert sc["declarations"] == [{"file": "mm/internal.h", "line": 445, "kind": "prototype",
                                   "old_return": "", "new_return": "", "old_attributes": [],
                                   "new_attributes": []}]
    assert sc["unproved_interface"] == []
    assert sc["substitution"] == {"tree_max": "ceiling"}
    assert sc["body_verdict"]["verdict"] == "proved" and sc["body_verdict"]["basis"] == "proof"
    first, second = patch["call_sites"]
    assert first["old_args"] == ["USER_PGTABLES_CEILING", "true"]
    assert first["new_annotations"] == [None, None, "mm_wr_locked"]
    assert [row["param"] for row in first["aligned"]] == ["ceiling", "tree_max", "mm_wr_locked"]
    assert [row["changed"] for row in first["aligned"]] == [False, True, False]
    assert (first["verdict"], first["basis"], first["scenarios"], first["seed"]) == (
        "refuted", "counterexample", 120, 7
    )
    cx = first["counterexample"]
    assert cx["old"] == {"freed": [1, 3]} and cx["scenario"]["vmas"] == [[4096, 8192]]
    assert cx["difference"] == "new frees less"
    assert second["old_args"] is None and second["verdict"] is None
    assert (second["complete"], second["incomplete_reason"]) == (False, "runs past the hunk")
    assert patch["nfc"] == {
        "verdict": "refuted", "reasons": ["exit_mmap: refuted"], "basis": "counterexample",
        "assumptions": [], "checked": [],
    }
    assert doc["summary"]["errors"] == 1


def test_deterministic_and_free_of_machine_paths() -> None:
    one, two = _read(SEED), _read(SEED)
    _fill_analysis(one)
    _fill_analysis(two)
    extra = [
        Finding("b-check", Severity.WARNING, "second", file="mm/vma.c", line=2, patch=4),
        Finding("a-check", Severity.WARNING, "first", file="mm/vma.c", line=1, patch=4),
    ]
    one.patches[0].findings += extra
    two.patches[0].findings += list(reversed(extra))
    assert render_json(one, OPTIONS) == render_json(two, OPTIONS)
    text = render_json(one, OPTIONS)
    assert str(ROOT) not in text and "/tmp" not in text


@pytest.mark.parametrize("path", [SEED, SYNTHETIC])
def test_render_is_pure(path: Path) -> None:
    series = _read(path)
    assert render_json(series, OPTIONS) == render_json(series, OPTIONS)
