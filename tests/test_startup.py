"""Lean start-up (issue 14): a run imports only what it uses, and a setting
made for a lazily imported module is in force once it is imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"

_PROBE = """
import contextlib, io, json, sys
from patchscope.main import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
heavy = ("z3", "jinja2", "pygments", "concurrent.futures", "numpy",
         "patchscope.models.free_pgtables", "patchscope.render.html")
out = {"code": code, "loaded": [m for m in heavy if m in sys.modules]}
if "z3" in sys.modules:
    out["memory_max_size"] = sys.modules["z3"].get_param("memory_max_size")
print(json.dumps(out))
"""


def _loaded(*argv: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


CHAIN = ROOT / "fixtures" / "equivalence" / "chain.patch"


def test_a_check_without_a_modelled_call_loads_no_model_or_html() -> None:
    # span_left() has no model, no --html is asked for, one job forks no pool
    got = _loaded("check", str(CHAIN), "--no-cache")
    assert got["code"] == 0, got
    assert not {"jinja2", "pygments", "concurrent.futures", "numpy",
                "patchscope.models.free_pgtables", "patchscope.render.html"} & set(
                    got["loaded"]), got  # type: ignore[call-overload]


def test_z3_imported_on_first_use_gets_its_memory_limit() -> None:
    from patchscope.equivalence.symbolic import MEMORY_MB

    got = _loaded("check", str(SEED), "--no-cache")
    assert "z3" in got["loaded"], got  # type: ignore[operator]  # the WARN check needs it
    assert got["memory_max_size"] == str(MEMORY_MB)


def test_a_cached_run_reads_no_mail_and_parses_no_c() -> None:
    _loaded("check", str(SEED))  # fills this test's private cache
    probe = _PROBE.replace('"patchscope.render.html")', '"patchscope.render.html", '
                           '"patchscope.series.build", "patchscope.csource", "clang.cindex")')
    done = subprocess.run([sys.executable, "-c", probe, "check", str(SEED)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["loaded"] == []
