"""A plain (non-editable) install renders the same report: the templates are in the wheel.

Slow (a venv and a wheel build, ~20 s), so marked ``slow``; it runs in the
normal suite.  It builds offline with ``--no-build-isolation``, so it needs
``hatchling`` importable (``pip install hatchling``); without it the test
skips and says so.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.render.builders import ROOT, SEED

pytestmark = pytest.mark.slow


def _copy_sources(dest: Path) -> None:
    """Only what the wheel is built from, so nothing of the checkout can leak in."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("patchscope", "templates"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)


def test_plain_install_renders_the_same_page(tmp_path: Path) -> None:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is needed to build the wheel offline (pip install hatchling)")
    src, venv = tmp_path / "src", tmp_path / "venv"
    src.mkdir()
    _copy_sources(src)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, capture_output=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", str(src)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    shutil.rmtree(src)  # nothing left to fall back on but the installed package

    where = subprocess.run(
        [str(python), "-c",
         "import patchscope.render.html as h; print(h.__file__); print(h.templates_root())"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout.split("\n")
    assert where[0].startswith(str(venv)), where
    assert where[1].startswith(str(venv)) and where[1].endswith("patchscope/templates"), where

    # the same command, from the same directory, installed and from the checkout
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    source = os.path.relpath(SEED, ROOT)
    pages = {}
    for name, cmd in (
        ("wheel", [str(venv / "bin" / "patchscope")]),
        ("checkout", [sys.executable, "-m", "patchscope"]),
    ):
        out = tmp_path / f"{name}.html"
        done = subprocess.run([*cmd, "check", source, "--html", str(out)],
                              capture_output=True, text=True, cwd=ROOT, env=env)
        assert done.returncode in (0, 1), done.stderr
        pages[name] = out.read_text(encoding="utf-8")
    assert pages["wheel"] == pages["checkout"]
    assert "No functional changes intended." in pages["wheel"]
