"""Shared pytest fixtures (small and generic)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.csource.kernel_tree import build_kernel_tree


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test (and the processes it starts) gets its own empty result cache,
    never the user's."""
    path = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(path))
    return path


@pytest.fixture
def kernel_tree(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``kernel_tree("mm-extra-caller")`` -> a fresh git repo of mm + overlays.

    Each call builds a new repository, so a test may ask for several.
    """
    counter = itertools.count(1)

    def make(*layers: str) -> Path:
        name = f"tree{next(counter)}-" + "-".join(layers or ("mm",))
        return build_kernel_tree(tmp_path / name, *layers)

    return make
