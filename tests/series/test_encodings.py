"""The same series in every encoding gives byte-identical JSON; goldens match."""

from __future__ import annotations

import pytest

from patchscope.core import CheckOptions
from patchscope.render.json import render_json
from patchscope.series import read_series
from tests.goldens import GoldenCase, compare, golden_cases
from tests.series.helpers import FIXTURES, ROOT, SEED_MBOX

SYNTHETIC = sorted(
    [p for p in FIXTURES.glob("synthetic.*") if not p.name.endswith(".json")]
    + [FIXTURES / "synthetic-dir"]
)
SEED = sorted(p for p in FIXTURES.glob("seed-thread.*") if not p.name.endswith(".json"))


def _json(path: str) -> str:
    options = CheckOptions(source=path, output_format="json")
    return render_json(read_series(path, cwd=str(ROOT)), options)


@pytest.mark.parametrize(("family", "reference"), [(SYNTHETIC, SYNTHETIC[0]), (SEED, SEED_MBOX)])
def test_every_encoding_gives_identical_json(family: list, reference: object) -> None:
    assert len(family) >= 8
    expected = _json(str(reference))
    for path in family:
        assert _json(str(path)) == expected, path.name


def test_encodings_really_differ_on_disk() -> None:
    # mboxo and mboxrd quote alike unless a body line already starts with ">From".
    files = [p for p in SYNTHETIC if p.is_file() and p.name != "synthetic.mboxrd.mbox"]
    assert len({p.read_bytes() for p in files}) == len(files)
    assert b"=?utf-8?" in (FIXTURES / "synthetic.mbox").read_bytes()
    assert b"\r\n" in (FIXTURES / "synthetic.crlf.mbox").read_bytes()
    assert b">From now on" in (FIXTURES / "synthetic.mboxrd.mbox").read_bytes()
    assert b"\nFrom now on" in (FIXTURES / "synthetic.mbox").read_bytes()


def test_single_patch_and_eml_agree() -> None:
    assert _json(str(FIXTURES / "synthetic-single.patch")) == _json(
        str(FIXTURES / "synthetic-single.eml")
    )


@pytest.mark.parametrize("case", golden_cases(), ids=lambda c: c.name)
def test_golden(case: GoldenCase) -> None:
    problem = compare(case)
    assert problem is None, problem
