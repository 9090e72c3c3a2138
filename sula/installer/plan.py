"""The install plan: sort what is wanted against what is installed and what is cached.

A pure function over its inputs (the cache is consulted through a callback): it decides,
and separate code uninstalls, fetches and links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName

from sula._record import dataclass, field
from sula.distribution.version import same_version
from sula.installer.site_packages import InstalledDist, SitePackages

if TYPE_CHECKING:
    from sula.database import CachedWheel, WheelSource
    from sula.database.source import SdistSource

__all__ = ["Plan", "Reinstall", "Wanted", "plan_install", "same_version"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Wanted:
    """One distribution the environment must have: a registry pin or a direct URL/path.

    ``source`` is the wheel or sdist to fetch for a registry pin when it is already chosen
    (a lock file's); None: the index is asked.
    """

    name: NormalizedName
    version: str | None = None
    url: str | None = None
    editable: bool = False
    hashes: tuple[str, ...] = ()
    requested: bool = True
    source: WheelSource | SdistSource | None = None

    def __str__(self) -> str:
        if self.url is not None:
            return f"{self.name} @ {self.url}"
        return f"{self.name}=={self.version}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reinstall:
    """``--reinstall`` (everything) or ``--reinstall-package NAME`` (some)."""

    all: bool = False
    packages: frozenset[NormalizedName] = frozenset()

    def wants(self, name: NormalizedName) -> bool:
        return self.all or name in self.packages


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The lists the installer acts on.

    ``satisfied``: installed and right, left alone. ``cached``: to link from the cache.
    ``remote``: to fetch first. ``reinstall``: installed but wrong (or asked to be
    reinstalled): removed before the new one is linked. ``extraneous``: installed, not
    wanted (``sync`` removes them).
    """

    satisfied: list[InstalledDist] = field(default_factory=list)
    cached: list[tuple[Wanted, CachedWheel]] = field(default_factory=list)
    remote: list[Wanted] = field(default_factory=list)
    reinstall: list[InstalledDist] = field(default_factory=list)
    extraneous: list[InstalledDist] = field(default_factory=list)

    def is_noop(self) -> bool:
        return not (self.cached or self.remote or self.reinstall or self.extraneous)


def _normalize_url(url: str) -> str:
    return url.split("#", 1)[0].rstrip("/")


def _satisfies(dist: InstalledDist, want: Wanted) -> bool:
    if want.url is not None:
        if dist.url is None or _normalize_url(dist.url) != _normalize_url(want.url):
            return False
        if want.editable != dist.editable:
            return False
        return want.version is None or same_version(dist.version, want.version)
    if dist.direct_url is not None or dist.editable:
        # Installed from a URL, path or editable source; a registry pin wants the registry's.
        return False
    return want.version is not None and same_version(dist.version, want.version)


def plan_install(
    wanted: Sequence[Wanted],
    site_packages: SitePackages,
    *,
    find_cached: Callable[[Wanted], CachedWheel | None],
    reinstall: Reinstall | None = None,
    remove_extraneous: bool = False,
    keep: frozenset[NormalizedName] = frozenset(),
) -> Plan:
    """Decide what to keep, link, fetch, reinstall and (for ``sync``) remove; ``keep``
    names installed distributions that are never extraneous (seed packages)."""
    reinstall = reinstall or Reinstall()
    result = Plan()
    wanted_names: set[NormalizedName] = set()
    for want in wanted:
        wanted_names.add(want.name)
        installed = site_packages.get(want.name)
        if (
            len(installed) == 1
            and not reinstall.wants(want.name)
            and _satisfies(installed[0], want)
        ):
            result.satisfied.append(installed[0])
            continue
        result.reinstall.extend(installed)
        hit = None if want.editable else find_cached(want)
        if hit is not None:
            result.cached.append((want, hit))
        else:
            result.remote.append(want)
    if remove_extraneous:
        result.extraneous.extend(
            d for d in site_packages if d.name not in wanted_names and d.name not in keep
        )
    return result
