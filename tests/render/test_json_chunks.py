"""JSON written a patch at a time is the document json.dumps makes whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchscope.core import CheckOptions
from patchscope.render.json import json_chunks, render_json, series_json
from patchscope.series import read_series

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox",
           ROOT / "fixtures" / "series" / "synthetic.mbox"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_chunks_are_the_whole_document(source: Path) -> None:
    series = read_series(str(source), cwd=str(ROOT))
    options = CheckOptions(source=str(source), output_format="json")
    whole = json.dumps(series_json(series), indent=2, ensure_ascii=False) + "\n"
    chunks = list(json_chunks(series, options))
    assert "".join(chunks) == whole == render_json(series, options)
    assert len(chunks) == len(series.patches) + 2  # head, one a patch, tail


def test_a_series_without_patches_is_one_chunk() -> None:
    series = read_series(str(SOURCES[0]), cwd=str(ROOT))
    series.patches = []
    options = CheckOptions(source="x", output_format="json")
    (only,) = json_chunks(series, options)
    assert only == json.dumps(series_json(series), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(only)["patches"] == []


def test_a_subject_that_spells_the_key_does_not_split_the_document() -> None:
    series = read_series(str(SOURCES[0]), cwd=str(ROOT))
    series.subject = '\n  "patches": []'  # escaped in the output: no raw newline
    series.patches[0].subject = '"patches": []'
    options = CheckOptions(source="x", output_format="json")
    text = "".join(json_chunks(series, options))
    assert text == json.dumps(series_json(series), indent=2, ensure_ascii=False) + "\n"
