"""The index client against the live default index (marked `network`, pinned by upload date)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sula.cache import Cache
from sula.client import ClientSettings, IndexSettings, RegistryClient
from sula.distribution.filename import WheelFilename
from sula.distribution.metadata import Metadata

pytestmark = pytest.mark.network


def test_attrs_from_the_default_index(tmp_path: Path) -> None:
    cutoff = datetime(2023, 6, 1, tzinfo=timezone.utc)

    async def main() -> tuple[list[str], Metadata, int]:
        async with RegistryClient(
            cache=Cache(tmp_path / "cache").init(),
            index=IndexSettings(exclude_newer=cutoff),
            settings=ClientSettings(),
        ) as client:
            pkg = await client.files("ATTRS")
            versions = sorted({str(v) for v in pkg.by_version()}, key=lambda s: s)
            wheel = next(
                df for df in pkg.files
                if isinstance(df.filename, WheelFilename) and df.filename.version_str == "23.1.0"
            )
            meta = await client.wheel_metadata(wheel)
            return versions, meta, client.http.stats.bytes

    versions, meta, transferred = asyncio.run(main())
    assert "23.1.0" in versions and "23.2.0" not in versions
    assert (meta.name, meta.version, meta.requires_python) == ("attrs", "23.1.0", ">=3.7")
    assert any(r.startswith("importlib-metadata") for r in meta.requires_dist)
    assert transferred < 5_000_000
