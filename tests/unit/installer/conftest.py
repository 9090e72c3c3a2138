"""Helpers for installer tests: unpack a factory wheel into a cache and make a venv-shaped layout."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sula.cache import Cache
from sula.database import DistributionDatabase
from sula.distribution import WheelFilename
from sula.distribution.dist import CachedDist, PathWheel
from sula.installer import Layout, UnpackedWheel

Unpack = Callable[[Path], UnpackedWheel]


def unpack_into(cache: Cache, wheel: Path) -> CachedDist:
    async def go() -> CachedDist:
        db = DistributionDatabase(cache=cache)
        try:
            return await db.get_wheel(PathWheel(filename=WheelFilename.parse(wheel.name), path=wheel))
        finally:
            db.close()

    return asyncio.run(go())


@pytest.fixture
def unpack(cache: Cache) -> Unpack:
    def go(wheel: Path) -> UnpackedWheel:
        return UnpackedWheel.open(unpack_into(cache, wheel).path)

    return go


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    """A venv-shaped prefix whose scripts run under the test interpreter."""
    return Layout.for_venv(tmp_path / "env", (3, 11), python=Path(sys.executable))
