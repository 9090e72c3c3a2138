"""The preparer (``sula.database.prepare``): every source at once, in order, each started as
soon as it is known."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sula.cache import Cache
from sula.database import DistributionDatabase
from sula.database.prepare import prepare
from sula.distribution import WheelFilename
from sula.distribution.dist import PathWheel


def _source(whl: Path) -> PathWheel:
    return PathWheel(filename=WheelFilename.parse(whl.name), path=whl)


def test_a_known_source_is_prepared_while_another_is_still_being_located(wheel_factory, tmp_path: Path) -> None:
    first = _source(wheel_factory("first", "1.0", files={"first/__init__.py": ""}))
    later = _source(wheel_factory("later", "2.0", files={"later/__init__.py": ""}))
    db = DistributionDatabase(cache=Cache(root=tmp_path / "c").init())

    async def known() -> PathWheel:
        return first

    async def located() -> PathWheel:
        # Named only once the other is in the cache: a preparer that waited for every source
        # before fetching any would never get here.
        while db.lookup(first) is None:
            await asyncio.sleep(0.01)
        return later

    async def main() -> list[tuple[object, object]]:
        got = await asyncio.wait_for(prepare([(located(), ()), (known(), ())], db=db), timeout=30)
        return [(src, cw.filename.name) for src, cw in got]

    try:
        assert asyncio.run(main()) == [(later, "later"), (first, "first")]
    finally:
        db.close()
