"""Fixtures for the unit tests: a temporary cache and the machine's pyenv Pythons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.pythons import require_python as _require

from sula.cache import Cache


@pytest.fixture
def require_python() -> Callable[[str], Path]:
    """``require_python("3.12")`` → that pyenv Python's executable, or the test is skipped."""
    return _require


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    """An empty cache under the test's temporary directory."""
    return Cache.from_settings(tmp_path / "cache", no_cache=False).init()
