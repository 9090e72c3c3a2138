"""Fixtures shared by the `pip` command tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pip_helpers import USING_LINE, make_venv
from fixtures.cli import SulaRunner


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A fresh empty virtual environment (``python -m venv --without-pip``)."""
    path = tmp_path / "venv"
    make_venv(path)
    return path


@pytest.fixture
def without_using_line(run_sula: SulaRunner) -> None:
    """``run_sula``'s redacted output without the `Using Python …` line (for a whole module:
    ``pytestmark = pytest.mark.usefixtures("without_using_line")``)."""
    run_sula.filters.append(USING_LINE)
