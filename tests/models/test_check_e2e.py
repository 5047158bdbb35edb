"""The model inside ``patchscope check``: seed, mutants and the arm-lpae fixture."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def check(source: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(source), "--format", "json",
         "--scenarios", "300", *extra], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def calls(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for p in report["patches"]:
        for c in p["call_sites"]:
            out[c["caller"]] = c
    return out


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for p in report["patches"] for f in p["findings"]] + report["findings"]


def test_seed_is_proved_and_the_model_agrees_on_every_scenario() -> None:
    code, report = check(FIXTURES / "seed" / "free_pgtables-v1-4of9.mbox")
    assert code == 0
    sites = calls(report)
    assert set(sites) == {"exit_mmap", "unmap_region", "vms_clear_ptes"}
    for c in sites.values():
        assert c["verdict"] == "proved"
        assert c["scenarios"] and c["scenarios"] > 1000
        assert f"model agreed on {c['scenarios']} scenarios" in c["method"]


def test_arm_lpae_fixture_differs_only_on_arm_lpae() -> None:
    patch = FIXTURES / "models" / "arm-lpae-top-limit.patch"
    code, report = check(patch)
    assert code == 0 and calls(report)["exit_mmap"]["verdict"] == "proved"
    code, report = check(patch, "--arch", "arm-lpae")
    assert code == 1
    c = calls(report)["exit_mmap"]
    assert c["verdict"] == "refuted" and c["arch"] == "arm-lpae"
    cx = c["counterexample"]
    assert cx["arch"] == "arm-lpae" and cx["new_args"]["tree_max"] == 0
    # every VMA of the layout lies in user space, below TASK_SIZE (0xbf000000,
    # the ceiling): the walks agree, the new call's WARN alone differs
    assert all(v["end"] <= 0xBF000000 for v in cx["scenario"]["vmas"]), cx["scenario"]
    assert cx["old"]["warn"] is False and cx["new"]["warn"] is True
    assert any(f["check"] == "assertion-reachable" and "model shows" in f["message"]
               for f in findings(report))


@pytest.mark.parametrize("name", ["mutant-callee-bound.patch", "mutant-caller-limit.patch"])
def test_mutants_are_refuted_with_a_counterexample(name: str) -> None:
    path = FIXTURES / "equivalence" / name
    if not path.exists():
        pytest.skip(f"{name} not committed yet")
    code, report = check(path)
    assert code == 1
    refuted = [c for c in calls(report).values() if c["verdict"] == "refuted"]
    assert refuted
    for c in refuted:
        cx = c["counterexample"]
        assert cx["old"] != cx["new"] and cx["difference"]
    if name == "mutant-caller-limit.patch":
        assert any(f["check"] == "assertion-reachable" and "model shows" in f["message"]
                   for f in findings(report))


def test_tree_mode_reads_every_role_from_code(kernel_tree: Any) -> None:
    from tests.csource.kernel_tree import SEED_PATCH

    repo = kernel_tree()
    done = subprocess.run(
        [sys.executable, "-m", "patchscope", "check", str(SEED_PATCH), "--tree", str(repo),
         "--format", "json", "--scenarios", "200"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for c in calls(json.loads(done.stdout)).values():
        assert c["verdict"] == "proved" and "model agreed" in c["method"]
        model_steps = " ".join(s for s in c["steps"] if s.startswith("model:"))
        assert "assumed" not in model_steps
        assert "floor `floor`, ceiling `ceiling`" in model_steps
