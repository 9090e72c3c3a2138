"""The preparer: a wheel in the cache for each of many distributions, all at once.

Each wheel is downloaded (hashed as it streams) and unzipped into the cache, each sdist or
source tree built (a git source checked out first): every one at once, each as soon as its
source is known, as uv's preparer runs its downloads and builds. What to prepare is the planner's
decision (``sula.installer.plan``); linking is the installer's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sula.database.core import DistributionDatabase
    from sula.distribution.dist import CachedDist, Dist

__all__ = ["prepare"]


async def prepare(
    requests: Sequence[tuple[Awaitable[Dist], Sequence[str]]],
    *,
    db: DistributionDatabase,
) -> list[tuple[Dist, CachedDist]]:
    """Fetch or build a wheel of each request's source (checked against its hashes), all at
    once, through ``db`` (with the index client and download reporter it was made with:
    :meth:`~sula.database.core.DistributionDatabase.connected`); returns, in order, each source (a git one as
    its checked-out tree, never a GitSource) with its wheel in the cache. A source may still be on its way (a
    pin whose file the index must name): its download starts when it is known, not after
    every other is."""
    import asyncio

    from sula.distribution.dist import GitSource

    async def one(
        pending: Awaitable[Dist], hashes: Sequence[str],
    ) -> tuple[Dist, CachedDist]:
        source = await pending
        if isinstance(source, GitSource):  # its commit checked out, then built as a tree
            source = await db.checkout(source)
        return source, await db.get_or_build_wheel(source, hashes)

    return list(await asyncio.gather(*(one(p, h) for p, h in requests)))
