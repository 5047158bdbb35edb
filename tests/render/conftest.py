"""Markers of the renderer tests."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds a venv or a wheel (deselect: -m 'not slow')")
