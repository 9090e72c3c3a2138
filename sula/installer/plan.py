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
    from sula.distribution.dist import CachedDist, Dist

__all__ = ["Plan", "Reinstall", "Wanted", "plan_install", "same_version"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Wanted:
    """One distribution the environment must have: a registry pin or a direct URL/path.

    ``source`` is the ``Dist`` to install when it is known: the file chosen for a registry pin
    (by the resolution, or a lock file's), or the source tree of a directory or git
    requirement; None: a direct URL's is parsed from ``url``, and a ``pip sync`` pin's file is
    chosen from the index. ``fresh_after``: for a local directory, the newest modification time (ns) that its
    build depends on; an installed copy older than that is rebuilt and reinstalled.
    """

    name: NormalizedName
    version: str | None = None
    url: str | None = None
    editable: bool = False
    hashes: tuple[str, ...] = ()
    requested: bool = True
    source: Dist | None = None
    fresh_after: int | None = None

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
    cached: list[tuple[Wanted, CachedDist]] = field(default_factory=list)
    remote: list[Wanted] = field(default_factory=list)
    reinstall: list[InstalledDist] = field(default_factory=list)
    extraneous: list[InstalledDist] = field(default_factory=list)

    def is_noop(self) -> bool:
        return not (self.cached or self.remote or self.reinstall or self.extraneous)


def _normalize_url(url: str) -> str:
    return url.split("#", 1)[0].rstrip("/")


def _git_satisfies(dist: InstalledDist, want: Wanted) -> bool | None:
    """A git install satisfies a git pin when repository, commit and subdirectory match."""
    from sula.distribution.dist import GitPin, GitSource, TreeSource

    source = want.source
    match source:
        case TreeSource():
            pin = source.git  # None: a local directory
        case GitSource(reference=str() as commit):
            # A lock's git package: its reference is the full commit.
            pin = GitPin(repository=source.repository, commit=commit, subdirectory=source.subdirectory)
        case _:  # an archive, or a git requirement without a reference: no commit to compare
            pin = None
    if pin is None:
        return None
    info = dist.direct_url or {}
    vcs = info.get("vcs_info")
    return (isinstance(vcs, dict) and vcs.get("commit_id") == pin.commit
            and _normalize_url(str(info.get("url", ""))) == _normalize_url(pin.recorded_repository)
            and (info.get("subdirectory") or None) == (pin.subdirectory or None)
            and dist.editable == want.editable)


def _installed_after(dist: InstalledDist, when: int) -> bool:
    try:
        return dist.path.stat().st_mtime_ns >= when
    except OSError:
        return False


def _satisfies(dist: InstalledDist, want: Wanted) -> bool:
    git = _git_satisfies(dist, want)
    if git is not None:
        return git
    if want.url is not None:
        if dist.url is None or _normalize_url(dist.url) != _normalize_url(want.url):
            return False
        if want.editable != dist.editable:
            return False
        if want.fresh_after is not None and not _installed_after(dist, want.fresh_after):
            return False  # the project changed since it was installed
        return want.version is None or same_version(dist.version, want.version)
    if dist.direct_url is not None or dist.editable:
        # Installed from a URL, path or editable source; a registry pin wants the registry's.
        return False
    return want.version is not None and same_version(dist.version, want.version)


def plan_install(
    wanted: Sequence[Wanted],
    site_packages: SitePackages,
    *,
    find_cached: Callable[[Wanted], CachedDist | None],
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
