"""The newest version an index offers of installed packages: ``pip list --outdated`` and
``pip tree --outdated``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sula._record import dataclass

if TYPE_CHECKING:
    from sula.cache import Cache
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.client.types import PackageFiles
    from sula.interpreter import Interpreter

__all__ = ["Latest", "latest_versions"]


@dataclass(frozen=True, slots=True)
class Latest:
    """The newest usable version of a package and its file type (``wheel`` or ``sdist``)."""

    version: str
    filetype: str


def latest_versions(
    names: Sequence[str],
    *,
    cache: Cache,
    index: IndexSettings,
    client: ClientSettings,
    interp: Interpreter,
    prereleases: frozenset[str] = frozenset(),
) -> dict[str, Latest]:
    """The newest version of each of ``names`` on the indexes, as uv picks it: not yanked,
    a wheel compatible with ``interp`` or an sdist, pre-releases only for the names in
    ``prereleases``. Names no index has are left out."""
    if not names:
        return {}
    from sula.client.registry import RegistryClient

    async def run() -> list[PackageFiles]:
        async with RegistryClient(cache=cache, index=index, settings=client) as registry:
            return list(await asyncio.gather(*(registry.files(n) for n in names)))

    out: dict[str, Latest] = {}
    from sula._gc import resume_gc

    resume_gc()
    for name, files in zip(names, asyncio.run(run()), strict=True):
        latest = _newest(files, interp, allow_pre=name in prereleases)
        if latest is not None:
            out[name] = latest
    return out


def _newest(files: PackageFiles, interp: Interpreter, *, allow_pre: bool) -> Latest | None:
    from sula.database.select import tag_string
    from sula.distribution import WheelFilename

    by_version = files.by_version()
    for version in sorted(by_version, reverse=True):
        if version.is_prerelease and not allow_pre:
            continue
        usable = [f for f in by_version[version] if not f.file.yanked]
        wheels = [f for f in usable if isinstance(f.filename, WheelFilename)
                  and interp.wheel_priority(tag_string(f.filename)) is not None]
        if wheels:
            return Latest(str(version), "wheel")
        if any(not isinstance(f.filename, WheelFilename) for f in usable):
            return Latest(str(version), "sdist")
    return None
