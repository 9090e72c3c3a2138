"""Fixtures for the venv tests: the machine's pyenv Pythons and a temporary cache."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sula.cache import Cache


def pyenv_python(minor: str) -> Path | None:
    """``$PYENV_ROOT/versions/<minor>.*/bin/python<minor>``, newest patch first, or None."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    try:
        dirs = sorted((root / "versions").glob(f"{minor}.*"), reverse=True)
    except OSError:
        return None
    for d in dirs:
        exe = d / "bin" / f"python{minor}"
        if exe.is_file():
            return exe
    return None


def _require(minor: str) -> Path:
    exe = pyenv_python(minor)
    if exe is None:
        pytest.skip(f"Python {minor} is not installed in pyenv")
    return exe


@pytest.fixture
def require_python() -> Callable[[str], Path]:
    """``require_python("3.12")`` → that pyenv Python's executable, or the test is skipped."""
    return _require


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache.from_settings(tmp_path / "cache", no_cache=False).init()
