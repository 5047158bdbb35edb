"""Build git repositories from the kernel-like fixture trees, for tests.

``fixtures/trees/mm`` is the base tree the seed patch applies to; other
directories there are overlays copied on top of it (see their README).
Anyone's tests may use :func:`build_kernel_tree` or the ``kernel_tree``
pytest fixture of ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from patchscope.core import Series

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TREES = FIXTURES / "trees"
SEED_PATCH = FIXTURES / "seed" / "0004-mm-memory-Add-tree-limit-to-free_pgtables.patch"
SEED_MBOX = FIXTURES / "seed" / "free_pgtables-v1-4of9.mbox"

# Fixed identity and dates: the repositories are reproducible and no user or
# system git configuration leaks in.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fixture Author",
    "GIT_AUTHOR_EMAIL": "fixture@example.org",
    "GIT_COMMITTER_NAME": "Fixture Author",
    "GIT_COMMITTER_EMAIL": "fixture@example.org",
    "GIT_AUTHOR_DATE": "2025-09-01T12:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-09-01T12:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    """Run git in *repo* with the fixture identity; return stdout."""
    env = dict(os.environ)
    env.update(GIT_ENV)
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def build_kernel_tree(dest: Path, *layers: str, base: str = "mm") -> Path:
    """Copy ``fixtures/trees/<base>`` plus *layers* into *dest* and commit it.

    Returns *dest*, a git repository on branch ``main`` whose single commit
    holds the tree.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in (base, *layers):
        src = TREES / name
        if not src.is_dir():
            raise FileNotFoundError(f"no fixture tree {src}")
        shutil.copytree(src, dest, dirs_exist_ok=True)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", f"fixture tree {'+'.join((base, *layers))}")
    return dest


def apply_mail(repo: Path, patch: Path) -> None:
    """``git am`` *patch* onto *repo* (to compare with patchscope's in-memory apply)."""
    git(repo, "am", "-q", str(patch))


def analyse(source: Path, tree: Path | None = None, base: str | None = None) -> Series:
    """Read *source* and run the C analysis on it (mbox mode without *tree*).

    Returns the analysed :class:`patchscope.core.Series`.
    """
    from patchscope.core import CheckOptions
    from patchscope.csource import analyse_series
    from patchscope.progress import Progress
    from patchscope.series import read_series
    from patchscope.tree import open_tree

    options = CheckOptions(source=str(source), tree=str(tree) if tree else None, base=base)
    series = read_series(str(source), cwd=str(tree or source.parent))
    view = open_tree(options, series) if tree else None
    try:
        analyse_series(series, view, options, Progress(enabled=False))
    finally:
        if view is not None:
            view.close()
    return series
