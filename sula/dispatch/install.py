"""Resolve, plan, fetch, remove and link: what ``sula.install`` and ``sula pip install | sync`` run.

The steps report through an :class:`InstallReporter` (the CLI prints uv's summary lines
and draws progress bars from it) and return an :class:`InstallSummary`; nothing here prints.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from sula._record import dataclass, field, replace
from sula.dispatch import _nested

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from sula.cache import Cache
    from sula.client.registry import RegistryClient
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.client.types import DistFile
    from sula.context import BuildContext, BuildOptions
    from sula.database import DistributionDatabase, DownloadReporter
    from sula.distribution.dist import BuiltDist, CachedDist, Dist, Sdist
    from sula.installer import Layout
    from sula.installer.linker import LinkMode
    from sula.installer.plan import Plan, Reinstall, Wanted
    from sula.installer.site_packages import SitePackages
    from sula.interpreter import Interpreter
    from sula.requirements.types import RequirementEntry, RequirementsSpec
    from sula.resolver.options import BinaryPolicy

__all__ = [
    "DistVersion",
    "InstallReporter",
    "InstallSettings",
    "InstallSummary",
    "binary_policy",
    "direct_source",
    "for_platform",
    "install_spec",
    "install_wanted",
    "requested_satisfied",
    "resolve_wanted",
    "seed_packages_kept",
    "wanted_from_spec",
]


@dataclass(frozen=True, slots=True, order=True)
class DistVersion:
    """A distribution by name and version, and the URL of a URL or path install (a dry run's
    plan knows no version of one yet: it is empty)."""

    name: str
    version: str
    url: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallSummary:
    """What an install did (or, with ``dry_run``, would do).

    ``installed`` were linked into the environment, ``uninstalled`` removed (replaced
    versions and, for ``sync``, extraneous ones), ``unchanged`` already satisfied the request
    and were left alone. ``downloaded`` counts the wheels fetched (to fetch, for a dry run).
    """

    installed: tuple[DistVersion, ...] = ()
    uninstalled: tuple[DistVersion, ...] = ()
    unchanged: tuple[DistVersion, ...] = ()
    downloaded: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.installed or self.uninstalled)


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallSettings:
    """How to install, besides what: resolution, source and link choices.

    ``sync`` removes every installed distribution that is not wanted (``--exact``), except
    the seed packages of environments sula did not create (:func:`seed_packages_kept`).
    ``no_deps`` resolves the requirements alone. ``hashes_implied``: hash-checking is on
    because a requirement has a ``--hash``, not by ``--require-hashes``; directories,
    editables and git are then installed unhashed, as uv installs them without the flag.
    """

    index: IndexSettings
    client: ClientSettings
    reinstall: Reinstall
    sync: bool = False
    no_deps: bool = False
    upgrade: bool = False
    upgrade_packages: frozenset[NormalizedName] = frozenset()
    link_mode: LinkMode | None = None
    compile_bytecode: bool = False
    dry_run: bool = False
    require_hashes: bool = False
    hashes_implied: bool = False
    prerelease: str | None = None
    resolution: str = "highest"
    only_binary: tuple[str, ...] = ()
    no_binary: tuple[str, ...] = ()
    no_build: bool = False
    build: BuildOptions | None = None

    def build_context(self, cache: Cache, interp: Interpreter) -> BuildContext:
        """The context that builds sources for ``interp`` with these settings' indexes."""
        from sula.context import BuildOptions
        from sula.dispatch.build import InstallerBuildContext

        return InstallerBuildContext(interpreter=interp, cache=cache,
                                     build_options=self.build or BuildOptions(),
                                     index=self.index, client=self.client)


class InstallReporter(Protocol):
    """Progress of one install: step counts with their elapsed seconds, and progress bars."""

    def on_resolved(self, count: int, seconds: float) -> None: ...

    def on_audited(self, count: int, seconds: float) -> None: ...

    def on_download_start(self, total: int) -> DownloadReporter | None: ...

    def on_download_end(self, count: int, seconds: float) -> None: ...

    def on_uninstalled(self, count: int, seconds: float) -> None: ...

    def on_link_start(self, total: int) -> None: ...

    def on_linked(self, name: str) -> None: ...

    def on_link_end(self, count: int, seconds: float) -> None: ...

    def on_compiled(self, count: int, seconds: float) -> None: ...


class _Silent:
    """The reporter of library calls that pass none."""

    def on_resolved(self, count: int, seconds: float) -> None:
        pass

    def on_audited(self, count: int, seconds: float) -> None:
        pass

    def on_download_start(self, total: int) -> DownloadReporter | None:
        return None

    def on_download_end(self, count: int, seconds: float) -> None:
        pass

    def on_uninstalled(self, count: int, seconds: float) -> None:
        pass

    def on_link_start(self, total: int) -> None:
        pass

    def on_linked(self, name: str) -> None:
        pass

    def on_link_end(self, count: int, seconds: float) -> None:
        pass

    def on_compiled(self, count: int, seconds: float) -> None:
        pass


SILENT: InstallReporter = _Silent()


# -- what is wanted --------------------------------------------------------------------


def wanted_from_spec(
    spec: RequirementsSpec, interp: Interpreter, *, require_hashes: bool,
    cache: Cache | None = None, settings: InstallSettings | None = None,
) -> list[Wanted]:
    """Pinned requirements as they are, without resolution (``pip sync``): markers evaluated,
    extras ignored; an unpinned registry requirement is an error. Directories and git
    requirements (with ``cache`` and ``settings``) are named and located from their
    metadata: a git reference resolved to its commit, a project's metadata from its backend."""
    from packaging.utils import canonicalize_name

    from sula.installer.errors import (
        InstallError,
        SourceBuildRequiredError,
        UnpinnedRequirementError,
    )
    from sula.installer.plan import Wanted, same_version
    from sula.requirements.types import RegistryRequirement, UrlKind, UrlRequirement

    if spec.lock is not None:  # a PEP 751 lock: chosen per package, not read as pins
        from sula.dispatch.lock import wanted_from_lock

        return wanted_from_lock(spec.lock, interp)
    from sula.dispatch.hashes import check_hashed, entry_hashes, trusted_hashes
    from sula.resolver.sources import is_tree

    env = interp.marker_environment()
    if require_hashes:  # every pin hashed, no local trees: before any of them is looked at
        check_hashed(spec, dict(env), trees=settings is not None and settings.hashes_implied)
    out: dict[str, Wanted] = {}
    trees: list[RequirementEntry] = []
    for entry in [*spec.requirements, *spec.editables]:
        req = entry.requirement
        marker = req.marker
        if marker is not None and not marker.evaluate(dict(env)):
            continue
        if is_tree(req) and cache is not None and settings is not None:
            trees.append(entry)
            continue
        origin = str(entry.origin)
        hashes = trusted_hashes(entry_hashes(entry), str(req), require=require_hashes)
        want: Wanted
        match req:
            case RegistryRequirement():
                specs = list(req.specifier)
                if len(specs) != 1 or specs[0].operator not in ("==", "===") or specs[0].version.endswith(".*"):
                    raise UnpinnedRequirementError(str(req), origin)
                want = Wanted(name=req.name, version=specs[0].version, hashes=hashes)
            case UrlRequirement():
                if req.name is None or entry.editable or req.kind in (UrlKind.DIRECTORY, UrlKind.GIT):
                    raise SourceBuildRequiredError(req.url.given if req.name is None else str(req))
                url = req.url.url
                want = Wanted(name=req.name, url=url, editable=entry.editable, hashes=hashes)
        name = canonicalize_name(want.name)
        prev = out.get(name)
        if prev is not None and (prev.url != want.url or not same_version(prev.version or "", want.version or "")):
            raise InstallError(f"`{name}` is pinned twice, as `{prev}` and as `{want}`")
        out[name] = want
    if trees:
        assert cache is not None and settings is not None
        for want in _tree_wants(trees, spec, cache=cache, interp=interp, settings=settings):
            prev = out.get(want.name)
            if prev is not None:
                raise InstallError(f"`{want.name}` is pinned twice, as `{prev}` and as `{want}`")
            out[want.name] = want
    return list(out.values())


def _tree_wants(
    entries: Sequence[RequirementEntry], spec: RequirementsSpec, *, cache: Cache, interp: Interpreter,
    settings: InstallSettings,
) -> list[Wanted]:
    """The wanted distributions of directory and git requirements (``pip sync``): each tree
    checked out (git) and named from its metadata, without resolving its dependencies."""
    import asyncio

    from sula.database import DistributionDatabase
    from sula.database.tree import fresh_after
    from sula.installer.plan import Wanted
    from sula.requirements.types import UrlRequirement
    from sula.resolver.options import index_for
    from sula.resolver.sources import tree_of

    index = index_for(settings.index, spec)

    async def main() -> list[Wanted]:
        from packaging.utils import canonicalize_name

        db = DistributionDatabase(cache=cache, offline=settings.client.offline,
                                  build_context=replace(settings, index=index).build_context(cache, interp))
        try:
            async def one(entry: RequirementEntry) -> Wanted:
                req = entry.requirement
                assert isinstance(req, UrlRequirement)
                tree = await tree_of(req, db, editable=entry.editable)
                meta = await db.get_or_build_wheel_metadata(tree)
                name = canonicalize_name(meta.name)
                tree = replace(tree, name=name)
                return Wanted(name=name, url=tree.url, editable=tree.editable, source=tree,
                              fresh_after=fresh_after(tree))

            return list(await asyncio.gather(*(one(e) for e in entries)))
        finally:
            db.close()

    return _nested.run(main())


def requested_satisfied(
    spec: RequirementsSpec, site: SitePackages, markers: dict[str, str], *, transitive: bool = True
) -> list[DistVersion] | None:
    """The installed distributions that already satisfy every requirement (and, when
    ``transitive``, their dependencies, recursively); None when something is missing."""
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    from sula.installer.check import requirements_of
    from sula.requirements.types import RegistryRequirement

    if spec.constraints or spec.overrides or spec.editables:
        return None
    todo: list[tuple[NormalizedName, SpecifierSet, frozenset[str]]] = []
    for entry in spec.requirements:
        req = entry.requirement
        if not isinstance(req, RegistryRequirement):
            return None
        if req.marker is not None and not req.marker.evaluate(dict(markers)):
            continue
        todo.append((req.name, req.specifier, frozenset(req.extras)))
    seen: dict[tuple[str, frozenset[str]], DistVersion] = {}
    while todo:
        name, specifier, extras = todo.pop()
        found = site.get(name)
        if len(found) != 1:
            return None
        dist = found[0]
        try:
            if not specifier.contains(Version(dist.version), prereleases=True):
                return None
        except InvalidVersion:
            return None
        if (name, extras) in seen:
            continue
        seen[(name, extras)] = DistVersion(dist.name, dist.version)
        if not transitive:
            continue
        for dep in requirements_of(dist, markers, extras):
            assert isinstance(dep, Requirement)
            todo.append((canonicalize_name(dep.name), dep.specifier, frozenset(dep.extras)))
    return sorted(set(seen.values()))


def resolve_wanted(
    spec: RequirementsSpec,
    *,
    cache: Cache,
    interp: Interpreter,
    site: SitePackages,
    settings: InstallSettings,
) -> list[Wanted]:
    """Resolve ``spec`` for ``interp``, preferring installed versions (unless upgrading),
    into the distributions the environment must hold. ``no_deps``: the requirements alone."""

    from packaging.utils import canonicalize_name
    from packaging.version import Version

    from sula.client.registry import RegistryClient
    from sula.installer.plan import Wanted
    from sula.resolver.api import resolve_async
    from sula.resolver.graph import ResolutionGraph
    from sula.resolver.manifest import Manifest
    from sula.resolver.options import PrereleaseMode, ResolutionMode, ResolverOptions, index_for
    from sula.resolver.python import PythonTarget

    markers = dict(interp.marker_environment())
    preferences: dict[NormalizedName, Version] = {}
    if not settings.upgrade:
        for dist in site:
            if dist.name in settings.upgrade_packages or dist.direct_url is not None:
                continue
            try:
                preferences[dist.name] = Version(dist.version)
            except ValueError:
                continue
    python = PythonTarget.from_interpreter(markers=markers, tags=list(interp.tags))
    prerelease = settings.prerelease or ("allow" if spec.pre else "if-necessary")
    options = ResolverOptions(
        prerelease=PrereleaseMode(prerelease),
        resolution=ResolutionMode(settings.resolution),
        binary=binary_policy(settings, spec),
        python_version=python.version,
    )
    index = index_for(settings.index, spec)
    named_spec = spec
    hashes = _spec_hashes(spec, require=settings.require_hashes)

    async def resolve() -> ResolutionGraph:
        nonlocal named_spec
        from sula.database import DistributionDatabase
        from sula.dispatch.hashes import HashedSources
        from sula.resolver.sources import name_sources

        async with RegistryClient(cache=cache, index=index, settings=settings.client) as client:
            db = DistributionDatabase(cache=cache, client=client, offline=settings.client.offline,
                                      build_context=replace(settings, index=index).build_context(cache, interp))
            # Each sdist's archive checked against its requirement's hashes before it is built.
            sources = HashedSources(db, hashes, require=settings.require_hashes,
                                    trees=settings.hashes_implied)
            try:
                named_spec = await name_sources(spec, db)
                manifest = Manifest.from_spec(named_spec, markers=python.markers, preferences=preferences)
                if settings.no_deps:
                    from sula.dispatch.direct import resolve_direct

                    return await resolve_direct(manifest, client=client, database=sources,
                                                python=python, options=options)
                return await resolve_async(manifest, client=client, database=sources, python=python,
                                           options=options)
            finally:
                db.close()

    graph = _nested.run(resolve())
    from sula.distribution.dist import TreeSource

    chosen: dict[str, Dist] = {}
    # The file each registry pin installs, chosen once, here, from the pinned version's files
    # the resolution kept: the installer links, fetches or builds exactly that file.
    for pinned in graph.sorted():
        if pinned.url is not None or isinstance(pinned.dist, TreeSource):
            continue
        if settings.require_hashes and not hashes.get(pinned.name):
            from sula.dispatch.hashes import missing_hash

            raise missing_hash(pinned.name)  # before anything is downloaded
        chosen[pinned.name] = choose_file(
            pinned.files, Wanted(name=pinned.name, version=str(pinned.version),
                                 hashes=hashes.get(pinned.name, ())),
            interp, options.binary)
    spec = named_spec
    from sula.resolver.sources import drop_projects

    drop_projects(graph, spec)
    requested: set[str] = set()
    editable: set[str] = set()
    for entry in [*spec.requirements, *spec.editables]:
        if entry.name is not None:
            requested.add(canonicalize_name(entry.name))
            if entry.editable:
                editable.add(canonicalize_name(entry.name))
    wanted: list[Wanted] = []
    for pinned in graph.sorted():
        url = (pinned.file_url or pinned.url) if pinned.url is not None else None
        if isinstance(pinned.dist, TreeSource):
            from sula.database.tree import fresh_after

            tree = replace(pinned.dist, name=pinned.name, editable=pinned.name in editable)
            wanted.append(Wanted(name=pinned.name, url=tree.url, editable=tree.editable, source=tree,
                                 requested=pinned.name in requested, fresh_after=fresh_after(tree)))
            continue
        wanted.append(Wanted(
            name=pinned.name,
            version=None if url is not None else str(pinned.version),
            url=url,
            editable=pinned.name in editable,
            hashes=hashes.get(pinned.name, ()),
            requested=pinned.name in requested,
            source=chosen.get(pinned.name),
        ))
    return wanted


def _spec_hashes(spec: RequirementsSpec, *, require: bool) -> dict[str, tuple[str, ...]]:
    """The hashes each named requirement trusts (``--hash``, else its URL's ``#sha256=``)."""
    from packaging.utils import canonicalize_name

    from sula.dispatch.hashes import entry_hashes, trusted_hashes

    out: dict[str, tuple[str, ...]] = {}
    for entry in [*spec.requirements, *spec.editables]:
        found = entry_hashes(entry)
        if entry.name is not None and found:
            out[canonicalize_name(entry.name)] = trusted_hashes(found, str(entry.requirement), require=require)
    return out


# -- acting on what is wanted ---------------------------------------------------------


def direct_source(want: Wanted) -> BuiltDist | Sdist:
    """The database source of a URL or path requirement: a wheel, or a source archive."""
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    from sula.distribution import FilenameError, SdistFilename, WheelFilename
    from sula.distribution.dist import PathSdist, PathWheel, UrlSdist, UrlWheel
    from sula.installer.errors import SourceBuildRequiredError

    assert want.url is not None
    if want.editable:
        raise SourceBuildRequiredError(f"-e {want.url}")
    parts = urlsplit(want.url)
    filename = unquote(parts.path.rsplit("/", 1)[-1])
    hashes: dict[str, str] = {}
    for piece in parts.fragment.split("&"):
        algo, sep, value = piece.partition("=")
        if sep and algo in ("sha256", "sha384", "sha512", "md5", "sha1", "sha224"):
            hashes[algo] = value
    url = want.url.split("#", 1)[0]
    if not filename.endswith(".whl"):
        try:
            SdistFilename.parse(filename, want.name)
        except FilenameError as err:
            # A directory, a git URL or an archive of another kind: not a source archive.
            raise SourceBuildRequiredError(str(want)) from err
        if parts.scheme == "file":
            return PathSdist(name=want.name, path=Path(unquote(parts.path)))
        return UrlSdist(name=want.name, filename=filename, url=url, hashes=hashes)
    try:
        fn = WheelFilename.parse(filename)
    except FilenameError as err:
        raise SourceBuildRequiredError(str(want)) from err
    if parts.scheme == "file":
        return PathWheel(filename=fn, path=Path(unquote(parts.path)))
    return UrlWheel(filename=fn, url=url, hashes=hashes)


def _direct_url_info(want: Wanted, cached: CachedDist) -> dict[str, object] | None:
    """PEP 610 ``direct_url.json`` for URL, path, directory and git installs; None for
    registry ones."""
    from sula.distribution import dist as d

    source = want.source
    match source:
        case d.TreeSource():  # a directory (editable or not) or a git checkout
            return source.direct_url()
        case d.GitSource():
            raise AssertionError(f"`{source}` is linked only once checked out")
        case (d.RegistryWheel() | d.UrlWheel() | d.PathWheel() | d.RegistrySdist() | d.UrlSdist()
              | d.PathSdist() | None):
            if want.url is None:
                return None  # a registry pin, or a lock's file of an index
        case _:
            d.assert_never(source)
    archive: dict[str, object] = {}
    if cached.sha256:
        archive["hash"] = f"sha256={cached.sha256}"
        archive["hashes"] = {"sha256": cached.sha256}
    from sula.client.auth import strip_credentials

    # No credentials in a file of the environment (as pip and uv write it).
    return {"url": strip_credentials(want.url.split("#", 1)[0]), "archive_info": archive}


def _cached_candidate(
    db: DistributionDatabase, keys: list[str], want: Wanted, interp: Interpreter, *,
    wheels: bool = True,
) -> CachedDist | None:
    """The best cached wheel of ``want`` for ``interp``: a downloaded one (unless ``wheels``
    is false: ``--no-binary``) or, after those, one built from the version's sdist."""
    from sula.database import parse_hashes
    from sula.database.select import tag_string
    from sula.installer.plan import same_version

    assert want.version is not None
    version = want.version
    allowed = parse_hashes(want.hashes).get("sha256", set()) if want.hashes else None

    def best_of(found: Iterable[CachedDist]) -> CachedDist | None:
        best: tuple[int, CachedDist] | None = None
        for cw in found:
            if not same_version(cw.filename.version_str, version):
                continue
            rank = interp.wheel_priority(tag_string(cw.filename))
            if rank is None:
                continue
            if allowed is not None and cw.sha256 not in allowed:
                continue
            if best is None or rank < best[0]:
                best = (rank, cw)
        return best[1] if best is not None else None

    # Built wheels only when no downloaded one fits (a warm install lists no sdist builds).
    hit = best_of(cw for key in keys for cw in db.registry_entries(key, want.name)) if wheels else None
    if hit is None:
        hit = best_of(cw for key in keys for cw in db.built_registry_entries(key, want.name, version))
    return hit


def choose_file(
    files: Sequence[DistFile], want: Wanted, interp: Interpreter, policy: BinaryPolicy,
) -> Dist:
    """The one file of registry pin ``want`` to install for ``interp``, among the index's
    ``files`` that its hashes allow: the most specific compatible wheel of the pinned version
    when the binary policy allows one, else the version's sdist (to build)."""
    from sula.database.select import select_wheel
    from sula.dispatch.hashes import allowed_files
    from sula.distribution import SdistFilename
    from sula.distribution.dist import dist_of
    from sula.installer.errors import NoMatchingDistributionError
    from sula.installer.plan import same_version

    assert want.version is not None
    listed = allowed_files(files, want.hashes)  # the files one of its hashes allows
    picked = None
    if policy.allows_wheel(want.name):
        picked = select_wheel(listed, want.version, interp.wheel_priority)
    if picked is not None:
        return dist_of(want.name, picked)
    of_version = [f for f in listed if same_version(f.filename.version_str, want.version)]
    if not files:
        raise NoMatchingDistributionError(str(want), "the package is not on the index")
    if not of_version:
        raise NoMatchingDistributionError(str(want), "the index has no file of that version")
    sdists = [f for f in of_version if isinstance(f.filename, SdistFilename)]
    if not sdists:
        raise NoMatchingDistributionError(
            str(want), f"no wheel is compatible with the target Python {interp.python_full_version}")
    if not policy.allows_sdist(want.name):
        from sula.errors import option

        raise NoMatchingDistributionError(
            str(want), "it has no compatible wheel, and building from source is turned off "
            f"({option('--no-build')} or {option('--only-binary')})")
    # `.tar.gz` (the standard's format) before legacy `.zip` archives.
    sdists.sort(key=lambda f: not f.filename.filename.lower().endswith(".tar.gz"))
    return dist_of(want.name, sdists[0])


async def _prepare(
    remote: Sequence[Wanted], *, db: DistributionDatabase, client: RegistryClient, interp: Interpreter,
    policy: BinaryPolicy,
) -> list[tuple[Wanted, CachedDist]]:
    """Download or build a wheel for each of ``remote``, all at once: the file the
    resolution chose (or a lock names), or for a pin without one (``pip sync``) the file
    :func:`choose_file` picks from the index."""
    import asyncio

    from sula.distribution.dist import GitSource

    async def one(want: Wanted) -> tuple[Wanted, CachedDist]:
        if isinstance(want.source, GitSource):  # a lock's git package: its commit checked out
            tree = replace(await db.checkout(want.source), name=want.name)
            return replace(want, source=tree), await db.get_or_build_wheel(tree, want.hashes)
        if want.source is not None:  # chosen by the resolution or a lock, or a source tree
            return want, await db.get_or_build_wheel(want.source, want.hashes)
        if want.url is not None:
            return want, await db.get_or_build_wheel(direct_source(want), want.hashes)
        files = await client.files(want.name)
        return want, await db.get_or_build_wheel(choose_file(files.files, want, interp, policy), want.hashes)

    return list(await asyncio.gather(*(one(w) for w in remote)))


async def _confirm_cached(
    cached: Sequence[tuple[Wanted, CachedDist]], *, db: DistributionDatabase, cache: Cache,
    index: IndexSettings, settings: InstallSettings, interp: Interpreter, policy: BinaryPolicy,
) -> tuple[list[tuple[Wanted, CachedDist]], list[Wanted]]:
    """For pins that no resolution chose a file for (``pip sync``): the cached wheels of the
    file :func:`choose_file` picks from the index the strategy picks, with the sha256 it
    lists (``--index-strategy first-index`` must not link another index's file); the rest
    are fetched. Index pages come through the HTTP cache like a resolution's."""
    import asyncio

    from sula.client.registry import RegistryClient
    from sula.installer.errors import NoMatchingDistributionError

    async with RegistryClient(cache=cache, index=index, settings=settings.client) as client:
        async def one(want: Wanted, cw: CachedDist) -> CachedDist | None:
            if want.url is not None or want.source is not None:
                return cw
            files = await client.files(want.name)
            try:
                source = choose_file(files.files, want, interp, policy)
            except NoMatchingDistributionError:
                return None  # fetching it says why
            return db.lookup(source, want.hashes)

        found = await asyncio.gather(*(one(w, cw) for w, cw in cached))
    kept = [(w, cw) for (w, _), cw in zip(cached, found, strict=True) if cw is not None]
    stale = [w for (w, _), cw in zip(cached, found, strict=True) if cw is None]
    return kept, stale


def _index_keys(index: IndexSettings) -> list[str]:
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

    from packaging.utils import canonicalize_name

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

    from packaging.utils import NormalizedName

    root = Path(interp.prefix)
    if Path(layout.data).resolve() != root.resolve():
        return frozenset()
    keys: dict[str, str] = {}
    with contextlib.suppress(OSError, UnicodeDecodeError):
        for line in (root / "pyvenv.cfg").read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                keys[key.strip().lower()] = value.strip().lower()
    made_by_tool = "sula" in keys or "uv" in keys
    if made_by_tool and keys.get("seed") != "true":
        return frozenset()
    return frozenset(NormalizedName(n) for n in _SEED_PACKAGES)


def _dry_run_summary(plan: Plan) -> InstallSummary:
    removed = [DistVersion(d.name, d.version) for d in [*plan.reinstall, *plan.extraneous]]
    added = [DistVersion(w.name, w.version or "", w.url) for w in plan.remote]
    added += [DistVersion(w.name, cw.filename.version_str, w.url) for w, cw in plan.cached]
    return InstallSummary(
        installed=tuple(sorted(added)),
        uninstalled=tuple(sorted(removed)),
        unchanged=tuple(sorted(DistVersion(d.name, d.version) for d in plan.satisfied)),
        downloaded=len(plan.remote),
        dry_run=True,
    )


def _environment_lock(layout: Layout, settings: InstallSettings) -> contextlib.ExitStack:
    """The environment's lock, held until the returned stack closes; none for a dry run."""
    stack = contextlib.ExitStack()
    if not settings.dry_run:
        from sula._fs import lock

        stack.enter_context(lock(layout.lock_path()))
    return stack


def install_wanted(
    wanted: Sequence[Wanted],
    *,
    cache: Cache,
    layout: Layout,
    interp: Interpreter,
    settings: InstallSettings,
    spec: RequirementsSpec | None = None,
    reporter: InstallReporter = SILENT,
    locked: bool = False,
) -> InstallSummary:
    """Plan ``wanted`` against the environment and the cache, then fetch, remove and link.
    ``locked``: the caller holds the environment lock already (:func:`install_spec` does)."""
    from sula.database import DistributionDatabase
    from sula.installer.plan import plan_install
    from sula.installer.site_packages import SitePackages
    from sula.resolver.options import index_for

    t_audit = time.perf_counter()
    index = index_for(settings.index, spec)
    # The environment lock comes before site-packages is read, as uv takes it: two installs
    # into one environment must not both plan from the same state (double dist-infos, an
    # uninstall of what the other just linked). A dry run changes nothing and takes none.
    env_lock = contextlib.ExitStack() if locked else _environment_lock(layout, settings)
    site = SitePackages.from_layout(layout)
    policy = binary_policy(settings, spec)
    db = DistributionDatabase(cache=cache, offline=settings.client.offline,
                              build_context=replace(settings, index=index).build_context(cache, interp))
    try:
        keys = _index_keys(index)

        def find_cached(want: Wanted) -> CachedDist | None:
            from sula.errors import SulaError

            if want.source is not None:  # a git one is checked out when prepared
                return db.lookup(want.source, want.hashes)
            if want.url is not None:
                try:
                    return db.lookup(direct_source(want), want.hashes)
                except SulaError:
                    return None
            return _cached_candidate(db, keys, want, interp, wheels=policy.allows_wheel(want.name))

        plan = plan_install(
            wanted, site, find_cached=find_cached, reinstall=settings.reinstall,
            remove_extraneous=settings.sync,
            keep=seed_packages_kept(layout, interp) if settings.sync else frozenset(),
        )
        if plan.extraneous:
            keep = _self_protection(site, layout, interp)
            kept = [d for d in plan.extraneous if d.name in keep]
            if kept:
                from sula._warnings import warn_user

                warn_user(
                    "Keeping `sula` and its dependencies in the environment it runs from: "
                    + ", ".join(f"`{d.name}`" for d in kept)
                )
                plan.extraneous[:] = [d for d in plan.extraneous if d.name not in keep]
        unchanged = tuple(sorted(DistVersion(d.name, d.version) for d in plan.satisfied))
        if settings.dry_run or plan.is_noop():
            reporter.on_audited(len(wanted), time.perf_counter() - t_audit)
            return _dry_run_summary(plan) if settings.dry_run else InstallSummary(unchanged=unchanged)

        # Only now the linker and the uninstaller (a no-op sync never loads them), and asyncio.
        from sula.installer.install import InstallOptions
        from sula.installer.installer import compile_bytecode, install_wheels, uninstall_dists
        from sula.installer.wheel import UnpackedWheel

        if any(want.url is None and want.source is None for want, _ in plan.cached):
            plan.cached[:], stale = _nested.run(_confirm_cached(
                plan.cached, db=db, cache=cache, index=index, settings=settings, interp=interp,
                policy=policy,
            ))
            plan.remote.extend(stale)
        prepared: list[tuple[Wanted, CachedDist]] = []
        if plan.remote:
            # Fail on inputs that need a build before anything is downloaded or removed.
            for want in plan.remote:
                if want.url is not None and want.source is None:
                    direct_source(want)
            t = time.perf_counter()
            db.reporter = reporter.on_download_start(len(plan.remote))

            async def fetch() -> list[tuple[Wanted, CachedDist]]:
                from sula.client.registry import RegistryClient

                async with RegistryClient(cache=cache, index=index, settings=settings.client) as client:
                    db.client = client
                    return await _prepare(plan.remote, db=db, client=client, interp=interp,
                                          policy=policy)

            try:
                prepared = _nested.run(fetch())
            finally:
                reporter.on_download_end(len(prepared), time.perf_counter() - t)

        requested = {w.name for w in wanted if w.requested}
        to_link = sorted([*plan.cached, *prepared], key=lambda item: item[0].name)
        removed: list[DistVersion] = []
        added: list[DistVersion] = []
        with env_lock:  # released once linked: compiling bytecode needs no lock
            removals = [*plan.reinstall, *plan.extraneous]
            if removals:
                t = time.perf_counter()
                done = uninstall_dists(removals, layout)
                reporter.on_uninstalled(len(done), time.perf_counter() - t)
                removed = [DistVersion(s.dist.name, s.dist.version) for s in done]
            if to_link:
                t = time.perf_counter()
                items = [
                    (
                        UnpackedWheel.open(cw.path, want.name),
                        InstallOptions(requested=want.name in requested, direct_url=_direct_url_info(want, cw)),
                    )
                    for want, cw in to_link
                ]
                reporter.on_link_start(len(items))
                installed = []
                try:
                    installed = install_wheels(items, layout, settings.link_mode, on_installed=reporter.on_linked)
                finally:
                    reporter.on_link_end(len(installed), time.perf_counter() - t)
                from packaging.utils import canonicalize_name

                urls: dict[str, str | None] = {want.name: want.url for want, _ in to_link}
                added = [DistVersion(i.name, i.version, urls.get(canonicalize_name(i.name)))
                         for i in installed]
        if settings.compile_bytecode and to_link:
            t = time.perf_counter()
            n = compile_bytecode(layout)
            reporter.on_compiled(n, time.perf_counter() - t)
    finally:
        db.close()
        env_lock.close()
    return InstallSummary(
        installed=tuple(sorted(added)),
        uninstalled=tuple(sorted(removed)),
        unchanged=unchanged,
        downloaded=len(prepared),
    )


def binary_policy(settings: InstallSettings, spec: RequirementsSpec | None) -> BinaryPolicy:
    """``--only-binary``/``--no-binary``/``--no-build`` of the command line and the files."""
    from sula.resolver.options import BinaryPolicy

    return BinaryPolicy.from_lists(
        only_binary=[*settings.only_binary, *sorted(spec.only_binary if spec else ())],
        no_binary=[*settings.no_binary, *sorted(spec.no_binary if spec else ())],
        no_build=settings.no_build,
    )


def for_platform(interp: Interpreter, python_platform: str | None) -> Interpreter:
    """``interp``, or with ``--python-platform`` the same interpreter with that platform's
    markers and tags, so that resolution and wheel selection target the platform."""
    if not python_platform:
        return interp
    from sula.resolver.python import platform_target

    markers, tags = platform_target(python_platform, interp.markers, interp.python_minor)
    return interp.retarget(markers=markers, tags=tags)


def install_spec(
    spec: RequirementsSpec,
    *,
    cache: Cache,
    layout: Layout,
    interp: Interpreter,
    settings: InstallSettings,
    reporter: InstallReporter = SILENT,
) -> InstallSummary:
    """Resolve ``spec`` against the environment and install the result (``pip install``).

    When what is installed already satisfies every requirement (and, unless ``no_deps``,
    their dependencies) nothing is resolved: no network at all.
    """
    from sula.installer.site_packages import SitePackages

    started = time.perf_counter()
    if spec.lock is not None:  # `install -r pylock.toml`: the lock's choice, no resolution
        wanted = wanted_from_spec(spec, interp, require_hashes=False)
        reporter.on_resolved(len(wanted), time.perf_counter() - started)
        return install_wanted(wanted, cache=cache, layout=layout, interp=interp,
                              settings=settings, spec=spec, reporter=reporter)
    if settings.require_hashes:  # every requirement pinned and hashed, before anything else
        from sula.dispatch.hashes import check_hashed

        check_hashed(spec, dict(interp.marker_environment()), trees=settings.hashes_implied)
    # The environment lock before site-packages is read, as uv takes it: the "already
    # satisfied" check and the resolver's preferences read what another install may be
    # removing at that moment.
    with _environment_lock(layout, settings):
        site = SitePackages.from_layout(layout)
        reinstall = settings.reinstall
        if not (settings.upgrade or settings.upgrade_packages or reinstall.all
                or reinstall.packages or settings.sync):
            markers = dict(interp.marker_environment())
            found = requested_satisfied(spec, site, markers, transitive=not settings.no_deps)
            if found is not None:
                reporter.on_audited(len(found), time.perf_counter() - started)
                return InstallSummary(unchanged=tuple(found), dry_run=settings.dry_run)
        wanted = resolve_wanted(spec, cache=cache, interp=interp, site=site, settings=settings)
        reporter.on_resolved(len(wanted), time.perf_counter() - started)
        return install_wanted(
            wanted, cache=cache, layout=layout, interp=interp, settings=settings, spec=spec,
            reporter=reporter, locked=True,
        )

