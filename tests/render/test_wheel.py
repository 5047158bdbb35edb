"""A plain (non-editable) install renders the same report: the templates are in the wheel.

Slow (a venv and a wheel build, ~20 s), so marked ``slow``; it runs in the
normal suite.  It builds offline with ``--no-build-isolation``, so it needs
``hatchling`` importable (``pip install hatchling``); without it the test
skips and says so.

The new venv sees the packages of the interpreter running the tests through a
``.pth`` file naming its site directories.  ``--system-site-packages`` would
not do: from inside a venv it exposes the base interpreter's packages, not the
venv's, so neither hatchling nor clang would be found there.
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


def _site_dirs() -> list[str]:
    """Where the running interpreter finds packages, without the checkout itself.

    All of ``sys.path`` (site directories, the user's, PYTHONPATH): inside a
    venv or outside one.  Lines of a ``.pth`` file are added to ``sys.path``
    but the ``.pth`` files in those directories are not run, so an editable
    install of this checkout does not leak into the venv.
    """
    root = ROOT.resolve()
    dirs = []
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        # the checkout itself, never; a venv inside it (.venv, as the README
        # makes one) is where the packages are
        if path.is_dir() and path != root:
            dirs.append(str(path))
    return dirs


def _borrow_site_dirs(python: Path) -> None:
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(purelib, "_borrowed_test_deps.pth").write_text("".join(d + "\n" for d in _site_dirs()))


def test_plain_install_renders_the_same_page(tmp_path: Path) -> None:
    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is needed to build the wheel offline (pip install hatchling)")
    src, venv = tmp_path / "src", tmp_path / "venv"
    src.mkdir()
    _copy_sources(src)
    subprocess.run([sys.executable, "-m", "venv", str(venv)],
                   check=True, capture_output=True)
    python = venv / "bin" / "python"
    _borrow_site_dirs(python)
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
    # (PYTHONPATH, which may name this checkout, only for the checkout's run)
    wheel_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    source = os.path.relpath(SEED, ROOT)
    pages = {}
    for name, cmd, env in (
        ("wheel", [str(venv / "bin" / "patchscope")], wheel_env),
        ("checkout", [sys.executable, "-m", "patchscope"], dict(os.environ)),
    ):
        out = tmp_path / f"{name}.html"
        done = subprocess.run([*cmd, "check", source, "--html", str(out)],
                              capture_output=True, text=True, cwd=ROOT, env=env)
        assert done.returncode in (0, 1), done.stderr
        pages[name] = out.read_text(encoding="utf-8")
    assert pages["wheel"] == pages["checkout"]
    assert "No functional changes intended." in pages["wheel"]
