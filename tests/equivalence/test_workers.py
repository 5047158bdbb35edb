"""``--jobs N``: model runs in worker processes give the very same report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patchscope.commands.check import check_series
from patchscope.core import CallSite, CheckOptions, Severity, VerdictKind
from patchscope.equivalence.workers import modelled_calls
from patchscope.models import find_model
from patchscope.series import read_series

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures" / "seed" / "free_pgtables-v1-4of9.mbox"
EQ = ROOT / "fixtures" / "equivalence"


def run(source: Path, jobs: int) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(source), "--format", "json",
         "--scenarios", "300", "--jobs", str(jobs)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, done.stdout


@pytest.mark.parametrize("source", [SEED, EQ / "mutant-callee-bound.patch",
                                    EQ / "mutant-caller-limit.patch"], ids=lambda p: p.stem)
def test_jobs_give_the_same_report(source: Path) -> None:
    rc1, one = run(source, 1)
    rc3, three = run(source, 3)
    assert (rc1, one) == (rc3, three)
    report = json.loads(three)
    # the model really ran: scenario counts on every decided call site
    assert all(c["scenarios"] for p in report["patches"] for c in p["call_sites"]), report


def test_a_model_failing_in_a_worker_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    analysed = check_series(CheckOptions(source=str(SEED), scenarios=0))
    model = find_model(analysed.patches[0].signature_changes[0])
    assert model is not None

    def boom(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"boom in {os.getpid()}")

    # the forked workers inherit the patched class
    monkeypatch.setattr(type(model), "check_call", boom)
    checked = check_series(CheckOptions(source=str(SEED), jobs=2, scenarios=10))
    patch = checked.patches[0]
    errors = [f for f in patch.findings if f.check == "internal-error"]
    assert len(errors) == 3 and all(f.severity is Severity.ERROR for f in errors)
    assert all("RuntimeError: boom in " in f.message for f in errors)
    # raised in the worker processes, not here
    assert not any(f"boom in {os.getpid()}" in f.message for f in errors)
    # what the engine failed on is not decided
    assert all(c.verdict is not None and c.verdict.kind is VerdictKind.UNKNOWN
               for c in patch.call_sites)


def test_only_whole_old_and_new_calls_go_to_the_model() -> None:
    series = read_series(str(SEED), cwd=str(ROOT))
    checked = check_series(CheckOptions(source=str(SEED), scenarios=0))
    assert len(modelled_calls(checked)) == 3
    calls: list[CallSite] = checked.patches[0].call_sites
    calls[0].complete = False
    calls[1].old_args = None
    assert [c.caller for _, c in modelled_calls(checked)] == [calls[2].caller]
    assert series.patches  # the reader alone finds no call sites to model
    assert modelled_calls(series) == []


def test_jobs_show_progress_with_totals() -> None:
    """The parent sums what its workers ran: call sites done and layouts, with totals."""
    import io

    from patchscope.arch import get_profile
    from patchscope.equivalence.workers import run_models
    from patchscope.progress import Progress

    options = CheckOptions(source=str(SEED), scenarios=300, jobs=2)
    analysed = check_series(CheckOptions(source=str(SEED), scenarios=0))
    out = io.StringIO()
    outcomes = run_models(analysed, get_profile("x86_64"), options, Progress(True, out, 200))
    assert len(outcomes) == 3
    shown = out.getvalue().split("\r\x1b[K")
    last = [s for s in shown if s][-1]
    assert last.startswith("model: call site 3/3 done on 2 workers, layout "), shown
    done, planned = last.split("layout ")[1].split(" ")[0].split("/")
    assert done == planned and int(planned.replace(",", "")) > 0
