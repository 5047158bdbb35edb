"""Shared pytest fixtures (small and generic)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.csource.kernel_tree import build_kernel_tree


@pytest.fixture
def kernel_tree(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``kernel_tree("mm-extra-caller")`` -> a git repo of mm + overlays."""

    def make(*layers: str) -> Path:
        return build_kernel_tree(tmp_path / ("tree-" + "-".join(layers or ("mm",))), *layers)

    return make
