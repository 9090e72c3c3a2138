"""Resolve, plan, prepare, remove and link: what ``sula.install`` and ``sula pip install | sync`` run.

Resolving is here; the rest is a short script over the layers below: the installer's planner
(``sula.installer.plan``) decides, the database's preparer (``sula.database.prepare``)
fetches and builds, and the installer (``sula.installer.installer``) removes and links. The
steps report through an :class:`InstallReporter` (the CLI prints uv's summary lines
and draws progress bars from it) and return an :class:`InstallSummary`; nothing here prints.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from sula._record import dataclass, field, replace
from sula.dispatch import _nested

if TYPE_CHECKING:
    from sula.cache import Cache
    from sula.client.registry import RegistryClient
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.context import BuildContext, BuildOptions
    from sula.database import DownloadReporter
    from sula.distribution.dist import CachedDist, Dist
    from sula.distribution.names import NormalizedName
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
    "for_platform",
    "install_spec",
    "install_wanted",
    "requested_satisfied",
    "resolve_wanted",
    "wanted_from_spec",
]

T = TypeVar("T")


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
    from sula.distribution.names import canonicalize_name
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
                version = req.exact_version
                if version is None:
                    raise UnpinnedRequirementError(str(req), origin)
                want = Wanted(name=req.name, version=version, hashes=hashes)
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
        from sula.distribution.names import canonicalize_name

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
    from sula.requirements.types import RegistryRequirement

    if spec.constraints or spec.overrides or spec.editables:
        return None
    # A requirement on nothing installed answers before any specifier is parsed (packaging's
    # parsers are ~10 ms of imports): an install into a fresh environment.
    for entry in spec.requirements:
        req = entry.requirement
        if not isinstance(req, RegistryRequirement):
            return None
        if req.marker is None and len(site.get(req.name)) != 1:
            return None
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    from sula.distribution.names import canonicalize_name
    from sula.installer.check import requirements_of

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
    if not settings.client.offline:
        from sula.client.http import prepare_tls

        prepare_tls(settings.client.native_tls)  # its CA certificates load during the imports
    from packaging.version import Version

    from sula.client.registry import RegistryClient
    from sula.distribution.names import canonicalize_name
    from sula.installer.choose import choose_file
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
    from sula.dispatch.hashes import entry_hashes, trusted_hashes
    from sula.distribution.names import canonicalize_name

    out: dict[str, tuple[str, ...]] = {}
    for entry in [*spec.requirements, *spec.editables]:
        found = entry_hashes(entry)
        if entry.name is not None and found:
            out[canonicalize_name(entry.name)] = trusted_hashes(found, str(entry.requirement), require=require)
    return out


# -- acting on what is wanted ---------------------------------------------------------


def _dry_run_summary(plan: Plan) -> InstallSummary:
    """What ``plan`` would install, remove and leave alone (``--dry-run``)."""
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
    """Plan ``wanted`` against the environment and the cache, prepare what is not cached,
    then remove and link: the installer's planner, the database's preparer and the installer,
    in that order. ``locked``: the caller holds the environment lock already
    (:func:`install_spec` does)."""
    from sula.database import DistributionDatabase
    from sula.installer.plan import Planner
    from sula.installer.site_packages import SitePackages
    from sula.resolver.options import index_for

    t_audit = time.perf_counter()
    index = index_for(settings.index, spec)
    # The environment lock comes before site-packages is read, as uv takes it: two installs
    # into one environment must not both plan from the same state (double dist-infos, an
    # uninstall of what the other just linked). A dry run changes nothing and takes none.
    env_lock = contextlib.ExitStack() if locked else _environment_lock(layout, settings)
    site = SitePackages.from_layout(layout)
    db = DistributionDatabase(cache=cache, offline=settings.client.offline,
                              build_context=replace(settings, index=index).build_context(cache, interp))
    try:
        planner = Planner(db=db, interp=interp, layout=layout, policy=binary_policy(settings, spec),
                          index=index)
        plan = planner.plan(wanted, site, reinstall=settings.reinstall, sync=settings.sync)
        unchanged = tuple(sorted(DistVersion(d.name, d.version) for d in plan.satisfied))
        if settings.dry_run or plan.is_noop():
            reporter.on_audited(len(wanted), time.perf_counter() - t_audit)
            return _dry_run_summary(plan) if settings.dry_run else InstallSummary(unchanged=unchanged)

        # Only now the linker and the uninstaller (a no-op sync never loads them), and asyncio.
        from sula.installer.installer import (
            InstalledWheel,
            Replacement,
            compile_bytecode,
            install_wheels,
            open_wheels,
            uninstall_dists,
        )

        if planner.unconfirmed(plan):
            _with_client(lambda client: planner.confirm_cached(plan, client),
                         cache=cache, index=index, settings=settings)
        prepared: list[tuple[Wanted, CachedDist]] = []
        if plan.remote:
            planner.check_remote(plan)
            t = time.perf_counter()
            downloads = reporter.on_download_start(len(plan.remote))

            async def fetch(client: RegistryClient) -> list[tuple[Wanted, CachedDist]]:
                from sula.database.prepare import prepare

                got = await prepare([(planner.locate(w, client), w.hashes) for w in plan.remote],
                                    db=db.connected(client, downloads))
                # Each with the source it was prepared from (a git one: its checked-out tree).
                return [(replace(w, source=src), cw) for w, (src, cw) in zip(plan.remote, got, strict=True)]

            try:
                prepared = _with_client(fetch, cache=cache, index=index, settings=settings)
            finally:
                reporter.on_download_end(len(prepared), time.perf_counter() - t)

        requested = {w.name for w in wanted if w.requested}
        to_link = sorted([*plan.cached, *prepared], key=lambda item: item[0].name)
        removed: list[DistVersion] = []
        added: list[DistVersion] = []
        with env_lock:  # released once linked: compiling bytecode needs no lock
            t = time.perf_counter()
            gone = uninstall_dists(plan.extraneous, layout) if plan.extraneous else []
            # A new version is linked before its old one is removed (their files listed first):
            # killed in between, the environment keeps one of them importable, never neither.
            replacing = Replacement(plan.reinstall)
            removal_time = time.perf_counter() - t
            installed: list[InstalledWheel] = []
            link_time = 0.0
            if to_link:
                t = time.perf_counter()
                items = open_wheels(to_link, requested)
                reporter.on_link_start(len(items))
            try:
                if to_link:
                    installed = install_wheels(items, layout, settings.link_mode, on_installed=reporter.on_linked,
                                               owned=replacing.owned)
                    link_time = time.perf_counter() - t
                t_removal = time.perf_counter()
                gone += replacing.finish(installed, layout)
                removal_time += time.perf_counter() - t_removal
                if gone:  # uv's order: "Uninstalled" before "Installed"
                    reporter.on_uninstalled(len(gone), removal_time)
            finally:
                if to_link:
                    reporter.on_link_end(len(installed), link_time or time.perf_counter() - t)
            if installed:
                from sula.distribution.names import canonicalize_name

                urls: dict[str, str | None] = {want.name: want.url for want, _ in to_link}
                added = [DistVersion(i.name, i.version, urls.get(canonicalize_name(i.name)))
                         for i in installed]
            removed = [DistVersion(s.dist.name, s.dist.version) for s in gone]
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


def _with_client(
    step: Callable[[RegistryClient], Awaitable[T]], *, cache: Cache, index: IndexSettings,
    settings: InstallSettings,
) -> T:
    """``step`` run on a fresh event loop with an index client for ``index``."""

    async def main() -> T:
        from sula.client.registry import RegistryClient

        async with RegistryClient(cache=cache, index=index, settings=settings.client) as client:
            return await step(client)

    return _nested.run(main())


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

