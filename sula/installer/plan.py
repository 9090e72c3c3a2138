"""The install plan: what one install keeps, links from the cache, fetches or builds, and removes.

It decides and does nothing else, as uv's planner: :func:`plan_install`, a pure function over
its inputs, sorts what is wanted against site-packages and the cache (consulted through a
callback), and the :class:`Planner` gives it this run's cache lookups (a chosen file's wheel,
or the best cached wheel of a pin) and what ``sync`` must keep (the seed packages, sula
itself). The database's preparer (``sula.database.prepare``) then fetches or builds the
plan's remote list, and the installer (``sula.installer.installer``) removes and links.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sula._record import dataclass, field
from sula.distribution.names import NormalizedName
from sula.distribution.version import same_version
from sula.installer.site_packages import InstalledDist, SitePackages

if TYPE_CHECKING:
    from sula.client.registry import RegistryClient
    from sula.client.settings import IndexSettings
    from sula.database import DistributionDatabase
    from sula.distribution.dist import CachedDist, Dist
    from sula.installer.choose import BinaryChoice
    from sula.installer.layout import Layout
    from sula.interpreter import Interpreter

__all__ = [
    "Plan",
    "Planner",
    "Reinstall",
    "Wanted",
    "index_keys",
    "plan_install",
    "same_version",
    "seed_packages_kept",
]


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
    reinstalled): removed once the new one is linked. ``extraneous``: installed, not
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


class Planner:
    """The plan of one install into ``layout`` for ``interp``, from the cache of ``db``: its
    wheels of ``index``'s indexes and find-links, the binary ``policy`` deciding between a
    pin's wheels and its sdist."""

    def __init__(
        self, *, db: DistributionDatabase, interp: Interpreter, layout: Layout, policy: BinaryChoice,
        index: IndexSettings,
    ) -> None:
        self._db = db
        self._interp = interp
        self._layout = layout
        self._policy = policy
        self._index = index
        self._keys: list[str] = []  # read once something is not installed (a no-op asks no index)

    def plan(
        self, wanted: Sequence[Wanted], site: SitePackages, *, reinstall: Reinstall, sync: bool,
    ) -> Plan:
        """Sort ``wanted`` against ``site`` and the cache; ``sync``: remove what is not wanted,
        except the seed packages (:func:`seed_packages_kept`) and, with a warning, sula and its
        requirements when this sula runs from the environment."""
        plan = plan_install(
            wanted, site, find_cached=self.find_cached, reinstall=reinstall, remove_extraneous=sync,
            keep=seed_packages_kept(self._layout, self._interp) if sync else frozenset(),
        )
        if plan.extraneous:
            keep = _self_protection(site, self._layout, self._interp)
            kept = [d for d in plan.extraneous if d.name in keep]
            if kept:
                from sula._warnings import warn_user

                warn_user(
                    "Keeping `sula` and its dependencies in the environment it runs from: "
                    + ", ".join(f"`{d.name}`" for d in kept)
                )
                plan.extraneous[:] = [d for d in plan.extraneous if d.name not in keep]
        return plan

    def find_cached(self, want: Wanted) -> CachedDist | None:
        """The cached wheel that installs ``want``, if the cache holds one (no network)."""
        from sula.errors import SulaError
        from sula.installer.choose import cached_candidate, direct_source

        db = self._db
        if want.source is not None:  # a git one is checked out when prepared
            return db.lookup(want.source, want.hashes)
        if want.url is not None:
            try:
                return db.lookup(direct_source(want), want.hashes)
            except SulaError:
                return None
        if not self._keys:
            self._keys.extend(index_keys(self._index))
        return cached_candidate(db, self._keys, want, self._interp, wheels=self._policy.allows_wheel(want.name))

    @staticmethod
    def unconfirmed(plan: Plan) -> bool:
        """Whether a cached wheel of ``plan`` is of a pin no resolution chose a file for
        (``pip sync``): :meth:`confirm_cached` must ask the index which file it is."""
        return any(want.url is None and want.source is None for want, _ in plan.cached)

    async def confirm_cached(self, plan: Plan, client: RegistryClient) -> None:
        """For pins that no resolution chose a file for (``pip sync``): keep the cached wheels
        of the file :func:`~sula.installer.choose.choose_file` picks from the index the
        strategy picks, with the sha256 it lists (``--index-strategy first-index`` must not
        link another index's file); move the rest to ``plan.remote``, to be fetched. Index
        pages come through the HTTP cache like a resolution's."""
        import asyncio

        from sula.installer.choose import choose_file
        from sula.installer.errors import NoMatchingDistributionError

        db = self._db

        async def one(want: Wanted, cw: CachedDist) -> CachedDist | None:
            if want.url is not None or want.source is not None:
                return cw
            assert want.version is not None
            files = (await client.files(want.name)).files_of(want.version)  # only its rows decoded
            try:
                source = choose_file(files, want, self._interp, self._policy)
            except NoMatchingDistributionError:
                return None  # fetching it says why
            return db.lookup(source, want.hashes)

        cached = list(plan.cached)
        found = await asyncio.gather(*(one(w, cw) for w, cw in cached))
        plan.cached[:] = [(w, cw) for (w, _), cw in zip(cached, found, strict=True) if cw is not None]
        plan.remote.extend(w for (w, _), cw in zip(cached, found, strict=True) if cw is None)

    @staticmethod
    def check_remote(plan: Plan) -> None:
        """Fail on URL inputs that need a build sula cannot do (an editable, a directory or
        git URL without its tree) before anything is downloaded or removed."""
        from sula.installer.choose import direct_source

        for want in plan.remote:
            if want.url is not None and want.source is None:
                direct_source(want)

    async def locate(
        self, want: Wanted, client: RegistryClient,
    ) -> Dist:
        """What the preparer fetches or builds for remote ``want``: the file the resolution
        chose (or a lock names), the archive of its URL, or for a pin without one
        (``pip sync``) the file :func:`~sula.installer.choose.choose_file` picks from the
        index; a git source named, to be checked out."""
        from sula._record import replace
        from sula.distribution.dist import GitSource
        from sula.installer.choose import choose_file, direct_source

        if isinstance(want.source, GitSource):  # a lock's git package: its commit checked out
            return replace(want.source, name=want.name)
        if want.source is not None:  # chosen by the resolution or a lock, or a source tree
            return want.source
        if want.url is not None:
            return direct_source(want)
        files = await client.files(want.name)
        assert want.version is not None  # a registry pin
        # Its version's rows only; none at all: every file, for the error that says why.
        return choose_file(files.files_of(want.version) or files.files, want, self._interp, self._policy)


def index_keys(index: IndexSettings) -> list[str]:
    """The cache keys wheels of these indexes and find-links are stored under (no network).

    The same URLs, credentials moved out, that ``RegistryClient`` stores wheels under; built
    without a client so that a no-op install imports no HTTP machinery.
    """
    from sula.client.auth import AuthStore
    from sula.distribution.index import IndexUrl

    auth = AuthStore()
    keys = [auth.remember(loc) for loc in index.find_links]
    from sula.distribution.index import NoDefaultIndexError

    # No default index known (no pip beside sula): only find-links can be cached.
    with contextlib.suppress(NoDefaultIndexError):
        keys.extend(IndexUrl.parse(auth.remember(i.url)).url for i in index.indexes())
    return keys


def _self_protection(site: SitePackages, layout: Layout, interp: Interpreter) -> set[str]:
    """sula and its requirements, when this sula imports from the target: `sync` keeps them."""
    import sys

    from sula.distribution.names import canonicalize_name
    from sula.installer.check import requirements_of

    if not site.get("sula"):
        return set()
    ours = {os.path.realpath(p) for p in sys.path if p}
    if not any(os.path.realpath(d) in ours for d in layout.site_dirs()):
        return set()
    markers = interp.marker_environment()
    keep: set[str] = set()
    todo = ["sula"]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        for dist in site.get(name):
            todo.extend(str(canonicalize_name(r.name)) for r in requirements_of(dist, markers))
    return keep


_SEED_PACKAGES = ("pip", "setuptools", "wheel")


def seed_packages_kept(layout: Layout, interp: Interpreter) -> frozenset[NormalizedName]:
    """The seed packages (pip, setuptools, wheel) ``sync`` leaves in an environment, as uv
    does: all of them unless sula or uv created it without ``--seed`` (its pyvenv.cfg has a
    ``sula`` or ``uv`` key and no ``seed = true``). A ``--target``/``--prefix`` directory
    keeps none: it is not an environment of its own."""
    from pathlib import Path

    root = Path(interp.prefix)
    if Path(layout.data).resolve() != root.resolve():
        return frozenset()
    from sula.interpreter.query import pyvenv_cfg

    keys = pyvenv_cfg(root)
    made_by_tool = "sula" in keys or "uv" in keys
    if made_by_tool and keys.get("seed", "").lower() != "true":
        return frozenset()
    return frozenset(NormalizedName(n) for n in _SEED_PACKAGES)
