"""The provider: what the solver asks (which package next, which version, its dependencies),
answered from version maps and metadata that the async side fetches ahead of time.

The solver's questions are synchronous and only read caches filled here; the driver in
:mod:`sula.resolver.resolver` awaits :meth:`ResolverProvider.ensure_versions` and
:meth:`ResolverProvider.ensure_metadata` before asking them. When a version is chosen, its
dependencies' index pages and the metadata of their likely candidates are fetched in the
background (bounded), so the solver rarely waits on a single request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from packaging.version import Version

from sula import _aio
from sula._log import getLogger
from sula._once import OnceMap
from sula.distribution.dist import dist_of
from sula.distribution.filename import SdistFilename
from sula.distribution.names import NormalizedName
from sula.errors import SulaError
from sula.resolver.dependencies import Dependency, DependencyBuilder, InvalidRequiresDist, Pkg
from sula.resolver.errors import SourceBuildRequiredError
from sula.resolver.pubgrub.solver import NeedsData, Unavailable
from sula.resolver.version_map import VersionMap

if TYPE_CHECKING:
    import asyncio

    from sula.client.types import PackageFiles
    from sula.distribution.dist import Dist, GitSource, TreeSource
    from sula.distribution.metadata import Metadata
    from sula.resolver.candidate import Candidate, CandidateSelector
    from sula.resolver.manifest import Manifest, ManifestRequirement
    from sula.resolver.markers import MarkerAlgebra
    from sula.resolver.options import ResolverOptions
    from sula.resolver.python import PythonTarget
    from sula.resolver.version_map import DistFile

ForkPieces = Callable[[Mapping[Pkg, list[tuple[str, Any]]], list[tuple[Any, Any]]], list[Any] | None]
"""Universal resolution: the environments (a list of ``markers.Dnf``) to fork into for one
version's fork points and dependency edges, None where no fork is needed."""

__all__ = [
    "ROOT",
    "ROOT_VERSION",
    "ForkNeeded",
    "ForkPieces",
    "IndexClient",
    "MetadataDatabase",
    "ResolverProvider",
    "Unavailable",
]

_log = getLogger(__name__)

# The root package of every resolution: "your requirements".
ROOT = Pkg(NormalizedName(""))
ROOT_VERSION = Version("0")


class IndexClient(Protocol):
    """The part of ``sula.client.RegistryClient`` the resolver uses: index pages."""

    async def files(self, name: str) -> PackageFiles: ...


class MetadataDatabase(Protocol):
    """The part of ``sula.database.DistributionDatabase`` the resolver uses: the one place
    the metadata of every kind of dist comes from (wheels, sdists, trees), and git checkouts."""

    async def get_or_build_wheel_metadata(self, dist: Dist) -> Metadata: ...

    async def checkout(self, source: GitSource) -> TreeSource:
        """The tree of a git requirement: its reference resolved to a commit, checked out."""
        ...


class ForkNeeded(Exception):
    """Universal resolution: the dependencies of ``pkg==version`` require one package with
    different specifiers under different markers, so the resolution goes on in ``pieces``
    (disjoint environments), as uv forks. ``decided``: the versions decided before it (the
    resolver fills it in), which each piece keeps where it can."""

    def __init__(self, pkg: Pkg, version: Version, pieces: list[Any]) -> None:
        super().__init__(f"{pkg}=={version}")
        self.pkg = pkg
        self.version = version
        self.pieces = pieces
        self.decided: dict[Pkg, Version] = {}


class ResolverProvider:
    """Answers the solver from fetched data; fetches ahead of it."""

    def __init__(
        self,
        *,
        client: IndexClient,
        database: MetadataDatabase,
        manifest: Manifest,
        options: ResolverOptions,
        python: PythonTarget,
        selector: CandidateSelector,
        algebra: MarkerAlgebra | None = None,
        fork_pieces: ForkPieces | None = None,
    ) -> None:
        self.client = client
        self.database = database
        self.manifest = manifest
        self.options = options
        self.python = python
        self.selector = selector
        self.deps = DependencyBuilder(markers=python.markers, manifest=manifest, algebra=algebra)
        self.urls = manifest.urls()
        self._maps: dict[NormalizedName, VersionMap] = {}
        self._map_once: OnceMap[NormalizedName, VersionMap] = OnceMap()
        self._meta: dict[tuple[NormalizedName, Version], Metadata] = {}
        self._meta_once: OnceMap[tuple[NormalizedName, Version], Metadata] = OnceMap()
        self._chosen: dict[tuple[NormalizedName, Version], DistFile] = {}
        # choose_version's answers: the selector's pick within a range, by name and range.
        self._selected: dict[tuple[NormalizedName, Any], Candidate | None] = {}
        self._priority: dict[Pkg, int] = {ROOT: 0}
        # Packages the solver's conflict tracking moved: 1 decided early, 2 late (else 3).
        self._conflict_rank: dict[Pkg, int] = {}
        self._prefetch_sem = _aio.Semaphore(max(1, options.prefetch))
        self._tasks: set[asyncio.Task[Any]] = set()
        self._prefetched: set[NormalizedName] = set()
        self.not_found: set[NormalizedName] = set()
        # Versions whose Requires-Dist has a line that does not parse: that line, for the hints.
        self.invalid_metadata: dict[tuple[NormalizedName, Version], str] = {}
        # Directory and git requirements: the tree each resolved to (a git one at its commit).
        self.trees: dict[NormalizedName, TreeSource] = {}
        # Universal: Python versions where a newer candidate's Requires-Python starts.
        self.python_cuts: set[Version] = set()
        self.python_cut_names: set[NormalizedName] = set()
        # Universal: where a version's requirements fork the resolution; None: nothing forks.
        self.fork_pieces = fork_pieces

    # -- synchronous: the solver's questions ----------------------------------------

    def priority(self, pkg: Pkg) -> int:
        """Discovery order (earlier is decided first), as uv orders undecided packages."""
        prio = self._priority.get(pkg)
        if prio is None:
            prio = self._priority[pkg] = len(self._priority)
        return prio

    def mark_conflict(self, pkg: Pkg, early: bool) -> bool:
        """The solver's conflict tracking: decide ``pkg`` before (``early``) or after the
        packages it keeps conflicting with, as uv does; False when it was already moved (a
        package once moved early stays early)."""
        rank = self._conflict_rank.get(pkg)
        if rank is not None and (rank == 1 or not early):
            return False
        self._conflict_rank[pkg] = 1 if early else 2
        return True

    def choose_package(self, candidates: Iterable[tuple[Pkg, Any]]) -> Pkg:
        """The candidate of least :meth:`package_priority` (the solver keeps its own heap of
        those keys and asks this only of a provider without them)."""
        return min(candidates, key=lambda c: self.package_priority(*c))[0]

    def package_priority(self, pkg: Pkg, rng: Any) -> tuple[int, int]:
        """The solver's order of undecided packages (least first): URLs and exact pins, then
        packages that were often rejected, those that often caused it, the rest; each in
        discovery order. It changes only with ``rng`` and through :meth:`mark_conflict`."""
        prio = self.priority(pkg)
        # ``==v`` has two cuts and no lower end: most ranges fail that before the call.
        pinned = pkg.name in self.urls or (
            not rng._lo and len(rng._cuts) == 2 and rng.as_singleton() is not None)
        return (0 if pinned else self._conflict_rank.get(pkg, 3)), prio

    def version_map(self, name: NormalizedName) -> VersionMap | None:
        return self._maps.get(name)

    def choose_version(self, pkg: Pkg, rng: Any) -> Version | None:
        """The version to try within ``rng`` (a solver Range), or None if none is usable."""
        if pkg == ROOT:
            return ROOT_VERSION
        vmap = self._maps.get(pkg.name)
        if vmap is None:
            raise NeedsData(("versions", pkg.name))
        # The same range comes back after every backtrack (a term is kept with its
        # derivation): home-assistant.in's solve asks 12,500 times for 1,300 packages.
        key = (pkg.name, rng)
        selected = self._selected
        if key in selected:
            cand = selected[key]
        else:
            cand = selected[key] = self.selector.select(pkg.name, rng.contains, vmap)
            if self.deps.algebra is not None:
                self._note_python_cuts(vmap, rng, cand)
        if cand is None:
            return None
        self._chosen[(pkg.name, cand.version)] = cand.file
        return cand.version

    def _note_python_cuts(self, vmap: VersionMap, rng: Any, cand: Candidate | None) -> None:
        """Universal resolution: newer versions in range passed over only for their
        Requires-Python mark where uv forks (``>=3.10`` while resolving from 3.9)."""
        from sula.resolver.python import requires_python_floor
        from sula.resolver.version_map import Incompatibility as Why

        for entry in vmap.entries:
            if cand is not None and entry.version <= cand.version:
                break
            if entry.is_prerelease or not rng.contains(entry.version):
                continue
            if vmap.reason(entry) is not Why.REQUIRES_PYTHON:
                continue
            rp = next((f.file.requires_python for f in entry.files if f.file.requires_python), None)
            floor = requires_python_floor(rp) if rp else None
            if floor is not None and floor > self.python.version:
                self.python_cuts.add(floor)
                self.python_cut_names.add(vmap.name)
            break

    def get_dependencies(self, pkg: Pkg, version: Version) -> dict[Pkg, Any] | Unavailable:
        """The solver's question: dependencies as ranges; starts prefetching them."""
        if pkg != ROOT and (pkg.name, version) not in self._meta:
            raise NeedsData(("metadata", pkg, version))
        deps = self.dependencies(pkg, version)
        if isinstance(deps, Unavailable):
            return deps
        if self.fork_pieces is not None and self.deps.last_forks:
            forks = self.deps.last_forks
            edges = [(d.marker, _range(d)) for d in deps if d.pkg not in forks]
            edges += [(env, _spec_range(spec)) for alts in forks.values() for spec, env in alts]
            pieces = self.fork_pieces(forks, edges)
            if pieces:
                raise ForkNeeded(pkg, version, pieces)
        # Discovery order (the package priority) follows the solver, never the prefetcher,
        # so that the answer does not depend on network timing.
        for dep in deps:
            self.priority(dep.pkg)
        ranges = {dep.pkg: _range(dep) for dep in deps}
        self.prefetch(deps, ranges)
        return ranges

    def dependencies(self, pkg: Pkg, version: Version) -> list[Dependency] | Unavailable:
        """Dependencies of ``pkg`` at ``version`` (its metadata must have been fetched)."""
        if pkg == ROOT:
            deps = self.deps.for_root(self.manifest.requirements)
        else:
            meta = self._meta[(pkg.name, version)]
            rp = meta.requires_python
            if rp and not self.python.satisfies_requires_python(rp):
                return Unavailable(self.python.requires_python_clause(rp))
            try:
                deps = self.deps.for_metadata(pkg, version, meta.requires_dist)
            except InvalidRequiresDist as err:
                _log.debug("`%s==%s` has %s", pkg.name, version, err)
                self.invalid_metadata[(pkg.name, version)] = err.line
                return Unavailable("has invalid metadata")
        return deps

    def file_for(self, name: NormalizedName, version: Version) -> DistFile | None:
        return self._chosen.get((name, version))

    def dist_for(self, name: NormalizedName, version: Version) -> Dist | None:
        """The dist of the file chosen for ``name==version``, whose metadata the resolution
        reads (None: no file was chosen)."""
        file = self._chosen.get((name, version))
        return dist_of(name, file) if file is not None else None

    def metadata_for(self, name: NormalizedName, version: Version) -> Metadata | None:
        return self._meta.get((name, version))

    # -- asynchronous: fetching ------------------------------------------------------

    async def ensure_versions(self, name: NormalizedName) -> VersionMap:
        vmap = self._maps.get(name)
        if vmap is None:
            vmap = await self._map_once.run(name, self._load_versions)
        return vmap

    async def _load_versions(self, name: NormalizedName) -> VersionMap:
        url = self.urls.get(name)
        if url is not None and url.url is not None and _is_tree(url.url):
            return await self._tree_versions(name, url)
        if url is not None and url.url is not None:
            vmap = VersionMap(name, [[_url_dist(name, url.url)]], python=self.python,
                              binary=self.options.binary)
        else:
            files = await self.client.files(name)
            groups = files.groups
            if groups is not None:  # one page: decode a version's files when it is looked at
                if not groups:
                    self.not_found.add(name)
                vmap = VersionMap.of_groups(name, groups, lambda: files.files, python=self.python,
                                            binary=self.options.binary, derived=files.derived)
            else:
                if not files.files:
                    self.not_found.add(name)
                vmap = VersionMap(name, [files.files], python=self.python,
                                  binary=self.options.binary)
        self._maps[name] = vmap
        return vmap

    async def _tree_versions(self, name: NormalizedName, req: ManifestRequirement) -> VersionMap:
        """A directory or git requirement: one version, the project's own, whose metadata
        (static, cached, or from its backend) is known from the start."""
        from sula.client.types import DistFile as ClientDistFile
        from sula.client.types import File
        from sula.resolver.sources import tree_of

        assert req.url is not None
        tree = await tree_of(req.url, self.database, editable=req.editable)
        meta = await self.database.get_or_build_wheel_metadata(tree)
        self.trees[name] = tree
        filename = f"{name}-{meta.version}.tar.gz"
        fn = SdistFilename(filename, name, meta.version, ".tar.gz")
        file = ClientDistFile(fn, File(filename=filename, url=tree.url,
                                       requires_python=meta.requires_python), "url")
        vmap = VersionMap(name, [[file]], python=self.python, binary=self.options.binary)
        self._meta[(name, Version(meta.version))] = meta
        self._maps[name] = vmap
        return vmap

    async def ensure_metadata(self, pkg: Pkg, version: Version) -> None:
        if pkg == ROOT or (pkg.name, version) in self._meta:
            return
        await self._meta_once.run((pkg.name, version), self._load_metadata)

    async def _load_metadata(self, key: tuple[NormalizedName, Version]) -> Metadata:
        name, version = key
        file = self._chosen.get(key)
        if file is None:
            vmap = await self.ensure_versions(name)
            entry = vmap.get(version)
            file = vmap.best_file(entry, allow_yanked=True) if entry is not None else None
            if file is None:
                raise SourceBuildRequiredError(f"{name}=={version}")
        meta = await self.database.get_or_build_wheel_metadata(dist_of(name, file))
        self._meta[key] = meta
        return meta

    def prefetch(self, deps: Iterable[Dependency], ranges: Mapping[Pkg, Any]) -> None:
        """Start fetching index pages and likely metadata for ``deps`` in the background.

        Speculative and transitive: once a likely candidate's metadata arrives, its own
        dependencies are prefetched too, so the fetch front runs ahead of the solver at
        network speed instead of one dependency level per solver wait.
        """
        for dep in deps:
            name = dep.pkg.name
            if dep.pkg.extra is not None or name in self._prefetched:
                continue
            rng = ranges.get(dep.pkg)
            if rng is None:
                continue
            self._prefetched.add(name)
            task = _aio.ensure_future(self._prefetch_one(name, rng))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _prefetch_one(self, name: NormalizedName, rng: Any) -> None:
        try:
            vmap = await self.ensure_versions(name)
            cand: Candidate | None = self.selector.select(name, rng.contains, vmap)
            if cand is None:
                return
            key = (name, cand.version)
            if key not in self._meta:
                async with self._prefetch_sem:
                    self._chosen.setdefault(key, cand.file)
                    await self._meta_once.run(key, self._load_metadata)
            deps = self.dependencies(Pkg(name), cand.version)
            if not isinstance(deps, Unavailable):
                self.prefetch(deps, {d.pkg: _range(d) for d in deps})
        except SulaError as err:  # the solver will ask again and see the error itself
            _log.debug("Prefetch of `%s` failed: %s", name, err)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await _aio.gather(*self._tasks, return_exceptions=True)


def _is_tree(url: Any) -> bool:
    from sula.resolver.sources import is_tree

    return is_tree(url)


def _url_dist(name: NormalizedName, url: Any) -> Any:
    """A direct URL or path requirement (a wheel or an sdist) as a one-file version list."""
    from sula.client.types import DistFile as ClientDistFile
    from sula.client.types import File
    from sula.distribution.filename import FilenameError, parse_dist_filename
    from sula.requirements.types import UrlKind

    given = url.url.given
    if url.kind in (UrlKind.URL, UrlKind.PATH):
        base = url.url.url.split("#", 1)[0]
        filename = base.rsplit("/", 1)[-1]
        try:
            parsed = parse_dist_filename(filename, name)
        except FilenameError as err:
            raise SourceBuildRequiredError(given) from err
        hashes: dict[str, str] = {}
        if url.hash:
            algo, _, digest = url.hash.partition(":")
            hashes[algo] = digest
        return ClientDistFile(parsed, File(filename=filename, url=base, hashes=hashes), "url")
    raise SourceBuildRequiredError(given)


_RANGES: dict[str, Any] = {}


def _range(dep: Dependency) -> Any:
    """The solver Range of a dependency's specifier (cached by its text)."""
    from sula.resolver.pubgrub.range import Range

    key = str(dep.specifier)
    rng = _RANGES.get(key)
    if rng is None:
        rng = _RANGES[key] = Range.from_specifier(dep.specifier) if key else Range.full()
    return rng


def _spec_range(spec: str) -> Any:
    from packaging.specifiers import SpecifierSet

    return _range(Dependency(Pkg(NormalizedName("")), SpecifierSet(spec)))
