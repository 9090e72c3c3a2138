"""Entry points: ``compile_requirements`` (``sula pip compile``) and ``resolve`` (``sula.resolve``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sula import _aio
from sula._log import getLogger
from sula._record import dataclass, field
from sula._span import span
from sula.resolver.graph import ResolutionGraph, ResolvedDist
from sula.resolver.options import (
    BinaryPolicy,
    PrereleaseMode,
    ResolutionMode,
    ResolverOptions,
    index_for,
)

if TYPE_CHECKING:
    import argparse
    import asyncio
    from collections.abc import Callable, Mapping
    from datetime import datetime
    from types import SimpleNamespace

    from packaging.version import Version

    from sula.cache import Cache
    from sula.client.registry import RegistryClient
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.context import BuildContext
    from sula.distribution.names import NormalizedName
    from sula.interpreter import Interpreter
    from sula.requirements.types import RequirementsSpec
    from sula.resolver.dependencies import Pkg
    from sula.resolver.manifest import Manifest
    from sula.resolver.markers import Dnf, MarkerAlgebra
    from sula.resolver.provider import ForkPieces, IndexClient, MetadataDatabase, ResolverProvider
    from sula.resolver.pubgrub.range import Range
    from sula.resolver.pubgrub.report import NoSolutionError
    from sula.resolver.python import PythonTarget

__all__ = ["CompileRequest", "CompileResult", "compile_requirements", "resolve", "resolve_async"]

_log = getLogger(__name__)


@dataclass(slots=True, kw_only=True)
class CompileRequest:
    """Everything ``sula pip compile`` was asked, independent of argparse."""

    sources: list[str]
    constraints: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    # Requirement strings (``sula.resolve``'s), beside the files above.
    packages: list[str] = field(default_factory=list)
    constraint_packages: list[str] = field(default_factory=list)
    override_packages: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    all_extras: bool = False
    groups: list[str] = field(default_factory=list)
    output_file: Path | None = None
    output_format: str | None = None  # "requirements.txt" | "pylock.toml"; None: by the name
    upgrade: bool = False
    upgrade_packages: list[str] = field(default_factory=list)
    resolution: str = "highest"
    prerelease: str | None = None
    no_build: bool = False
    only_binary: list[str] = field(default_factory=list)
    no_binary: list[str] = field(default_factory=list)
    python: str | None = None
    python_version: str | None = None
    python_platform: str | None = None
    universal: bool = False
    generate_hashes: bool = False
    header: bool = True
    annotate: bool = True
    annotation_style: str = "split"
    emit_index_url: bool = False
    emit_find_links: bool = False
    strip_extras: bool = True
    no_emit_packages: list[str] = field(default_factory=list)
    command: str = "sula pip compile"
    index_args: argparse.Namespace | SimpleNamespace | None = None
    offline: bool = False
    native_tls: bool = False


@dataclass(frozen=True, slots=True)
class CompileResult:
    text: str
    count: int
    graph: ResolutionGraph


def _target(request: CompileRequest, cache: Cache) -> tuple[PythonTarget, Interpreter]:
    from sula.interpreter import find_interpreter
    from sula.resolver.python import PythonTarget, platform_target

    with span("resolver.find_interpreter"):
        interp = find_interpreter(request.python, cache=cache)
    markers, tags = dict(interp.markers), list(interp.tags)
    if request.python_platform:
        markers, tags = platform_target(request.python_platform, markers,
                                        request.python_version or interp.python_minor)
    target = PythonTarget.from_interpreter(markers=markers, tags=tags,
                                           python_version=request.python_version)
    return target, interp


async def _target_while_fetching(
    request: CompileRequest, cache: Cache, client: RegistryClient, spec: RequirementsSpec,
    early: list[asyncio.Task[Any]],
) -> tuple[PythonTarget, Interpreter]:
    """:func:`_target` in a worker thread while this one imports the HTTP client (aiohttp,
    ~100 ms) and the index pages of the input's requirements are fetched: querying an
    interpreter runs it (~40 ms cold, most of it waiting for the child process), and neither
    needs the interpreter. Only requirements without a marker are fetched early (a marker
    needs the interpreter); the resolver's own requests for them join these (the client
    fetches a page once per run); ``early`` gets their tasks, for the caller to cancel any
    the resolution did not wait for.

    What the query imports is imported here first, so that the two threads do not import
    one module at the same time (the query needs nothing of aiohttp's)."""
    import asyncio
    import functools
    import json  # noqa: F401  (what the query imports, imported in this thread)
    import subprocess  # noqa: F401

    import packaging.version  # noqa: F401

    import sula._fs
    import sula.cache.usage
    import sula.interpreter.query
    import sula.resolver.python
    from sula.client.http import load_aiohttp

    query = asyncio.get_running_loop().run_in_executor(
        None, functools.partial(_target, request, cache))
    try:
        load_aiohttp()
        import sula.client.remote_zip
        import sula.client.simple  # noqa: F401  (the parsers of what comes back)
    except BaseException:
        await _aio.gather(query, return_exceptions=True)
        raise
    for name in _early_names(spec):
        task = _aio.ensure_future(client.files(name))
        task.add_done_callback(_retrieved)  # a failure is the resolver's to report, if it asks
        early.append(task)
    return await query


def _retrieved(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


async def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    pending = [t for t in tasks if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await _aio.gather(*pending, return_exceptions=True)


def _early_names(spec: RequirementsSpec) -> list[NormalizedName]:
    """The names of ``spec``'s registry requirements that apply whatever the interpreter
    (no marker), in input order, once each."""
    from sula.requirements.types import RegistryRequirement

    names: dict[NormalizedName, None] = {}
    for entry in spec.requirements:
        req = entry.requirement
        if isinstance(req, RegistryRequirement) and req.marker is None:
            names.setdefault(req.name, None)
    return list(names)


def _index_settings(request: CompileRequest, spec: RequirementsSpec
                    ) -> tuple[IndexSettings, ClientSettings]:
    from types import SimpleNamespace

    from sula.client.settings import settings_from_args

    ns = request.index_args or SimpleNamespace()
    index, client = settings_from_args(ns, offline=request.offline, native_tls=request.native_tls)
    return index_for(index, spec), client


def _options(request: CompileRequest, spec: RequirementsSpec, python: PythonTarget
             ) -> ResolverOptions:
    prerelease = request.prerelease or ("allow" if spec.pre else "if-necessary")
    only_binary = list(request.only_binary) + sorted(spec.only_binary)
    no_binary = list(request.no_binary) + sorted(spec.no_binary)
    return ResolverOptions(
        prerelease=PrereleaseMode(prerelease),
        resolution=ResolutionMode(request.resolution),
        binary=BinaryPolicy.from_lists(only_binary=only_binary, no_binary=no_binary,
                                       no_build=request.no_build),
        python_version=python.version,
    )


def compile_requirements(
    request: CompileRequest,
    *,
    cache: Cache,
    build_context: Callable[[Interpreter, IndexSettings, ClientSettings], BuildContext] | None = None,
) -> CompileResult:
    """Read the inputs, resolve, and render the output file's text.

    ``build_context`` makes the context that builds sdists whose metadata only their build
    backend can tell (for the interpreter found); without it such sdists are an error.
    """
    if not request.offline:
        from sula.client.http import prepare_tls

        prepare_tls(request.native_tls)  # its CA certificates load while the inputs are read
    from sula.requirements import from_sources
    from sula.resolver.manifest import Manifest, read_preferences
    from sula.resolver.writer import AnnotationStyle, OutputOptions, render_requirements

    if request.python_version is not None:
        from packaging.version import InvalidVersion, Version

        try:
            Version(request.python_version)
        except InvalidVersion as err:
            from sula.errors import SulaError

            raise SulaError(
                f"Invalid Python version `{request.python_version}`: expected a version such as `3.12`"
            ) from err
    with span("resolver.read_requirements"):
        spec = from_sources(
            requirements=request.sources,
            constraints=request.constraints,
            overrides=request.overrides,
            packages=request.packages,
            constraint_packages=request.constraint_packages,
            override_packages=request.override_packages,
            extras=request.extras,
            all_extras=request.all_extras,
            groups=request.groups,
        )
    from sula.distribution.names import canonicalize_name
    from sula.requirements.sources import with_upgrade_packages

    spec, released = with_upgrade_packages(spec, request.upgrade_packages)
    as_pylock = is_pylock_output(request)
    index, client_settings = _index_settings(request, spec)

    def settle(python: PythonTarget) -> tuple[PythonTarget, ResolverOptions, dict[NormalizedName, Version]]:
        """What the interpreter decides: the target, the options, the output file's pins."""
        if spec.requires_python:
            from sula.requirements.script import check_requires_python

            check_requires_python(spec, python.version)
        if request.universal:
            # Every environment from the Python version up: no interpreter's markers or tags.
            from packaging.version import Version

            from sula.resolver.python import PythonTarget

            python = PythonTarget(version=Version(request.python_version or
                                                  f"{python.version.major}.{python.version.minor}"),
                                  markers={}, tags=None)
        preferences = {}
        if request.output_file is not None and not request.upgrade:
            if as_pylock:
                from sula.resolver.pylock import pylock_preferences

                preferences = pylock_preferences(request.output_file)
            else:
                preferences = read_preferences(request.output_file)
            for name in released:
                preferences.pop(name, None)
        return python, _options(request, spec, python), preferences

    lock_hashes: dict[str, dict[str, str]] = {}
    settled: list[PythonTarget] = []

    async def main() -> ResolutionGraph:
        from sula.client.registry import RegistryClient

        settled.clear()  # a local run that needed asyncio after all runs again
        lock_hashes.clear()
        from sula.database import DistributionDatabase

        async with RegistryClient(cache=cache, index=index, settings=client_settings) as client:
            early: list[asyncio.Task[Any]] = []
            try:
                if client_settings.offline:
                    python, interp = _target(request, cache)
                else:
                    python, interp = await _target_while_fetching(request, cache, client, spec,
                                                                  early)
                python, options, preferences = settle(python)
            except BaseException:
                await _cancel(early)
                raise
            settled.append(python)
            context = (build_context(interp, index, client_settings)
                       if build_context is not None else None)
            db = DistributionDatabase(cache=cache, client=client, build_context=context,
                                      offline=client_settings.offline)
            try:
                from sula.resolver.sources import name_sources

                named = await name_sources(spec, db)
                if request.universal:
                    graph = await resolve_universal(named, client=client, database=db, python=python,
                                                    options=options, preferences=preferences)
                else:
                    manifest = Manifest.from_spec(named, markers=python.markers,
                                                  preferences=preferences)
                    graph = await resolve_async(manifest, client=client, database=db, python=python,
                                                options=options)
                from sula.resolver.sources import drop_projects

                drop_projects(graph, named)
                if request.generate_hashes or as_pylock:
                    await _url_hashes(graph, client)
                if as_pylock:
                    from sula.resolver.pylock import missing_hashes

                    lock_hashes.update(await missing_hashes(
                        graph, client, python=python, universal=request.universal))
            finally:
                await _cancel(early)
                db.close()
            return graph

    # Offline, every read is of the cache: no asyncio (its import is most of a small
    # resolve), unless a build or a checkout needs it (_aio.require_loop).
    graph = _aio.run(main, local=client_settings.offline)
    python = settled[0]
    if as_pylock:
        text = _pylock_text(request, graph, python, index, lock_hashes)
        return CompileResult(text=text, count=graph.count(), graph=graph)
    index_urls: list[str] = []
    if request.emit_index_url and not index.no_index:
        # The main index first, then the extras, as pip-tools writes them: as the user gave
        # them, credentials included (a `****` URL could not be used; it is the user's file).
        main_url = index.index_url
        if main_url is None:
            from sula.distribution.index import default_index_url

            main_url = default_index_url()
        index_urls = [u.rstrip("/") for u in [main_url, *index.extra_index_urls]]
    text = render_requirements(graph, OutputOptions(
        header=request.header,
        command=request.command,
        annotate=request.annotate,
        style=AnnotationStyle(request.annotation_style),
        generate_hashes=request.generate_hashes,
        strip_extras=request.strip_extras,
        no_emit=frozenset(canonicalize_name(n) for n in request.no_emit_packages),
        index_urls=index_urls,
        no_index=request.emit_index_url and index.no_index,
        find_links=[u.given for u in spec.find_links] + list(
            getattr(request.index_args, "find_links", None) or []
        ) if request.emit_find_links else [],
    ))
    return CompileResult(text=text, count=graph.count(), graph=graph)


def is_pylock_output(request: CompileRequest) -> bool:
    """Whether the output is a PEP 751 lock: ``--format pylock.toml``, or without ``--format``
    an output file named ``pylock.toml`` or ``pylock.NAME.toml``."""
    if request.output_format is not None:
        return request.output_format == "pylock.toml"
    from sula.requirements._names import is_pylock

    return request.output_file is not None and is_pylock(request.output_file.name)


def _pylock_text(request: CompileRequest, graph: ResolutionGraph, python: PythonTarget,
                 index: IndexSettings, hashes: Mapping[str, Mapping[str, str]]) -> str:
    from sula.distribution.index import NoDefaultIndexError
    from sula.requirements.pylock import render_pylock
    from sula.resolver.pylock import lock_from_graph

    try:
        indexes = {i.url.rstrip("/") for i in index.indexes()}
    except NoDefaultIndexError:  # find-links only
        indexes = set()
    lock = lock_from_graph(graph, python=python, universal=request.universal, indexes=indexes,
                           hashes=hashes)
    header = ("This file was autogenerated by sula via the following command:",
              f"   {request.command}") if request.header else ()
    return render_pylock(lock, header=header)


async def _url_hashes(graph: ResolutionGraph, client: RegistryClient) -> None:
    """Hash direct-URL archives for ``--generate-hashes`` (their index gives no hash); a
    directory or git tree has no file to hash: its line has none, as uv writes it."""
    from sula.resolver.pylock import sha256_of

    async def one(dist_url: str) -> str:
        return f"sha256:{await sha256_of(client, dist_url)}"

    from sula.distribution.dist import TreeSource

    todo = [d for d in graph if d.url is not None and not d.hashes and d.file_url
            and not isinstance(d.dist, TreeSource)]
    results = await _aio.gather(*(one(d.file_url) for d in todo if d.file_url))
    for d, digest in zip(todo, results, strict=True):
        d.hashes = [digest]


async def resolve_async(
    manifest: Manifest,
    *,
    client: IndexClient,
    database: MetadataDatabase,
    python: PythonTarget,
    options: ResolverOptions,
) -> ResolutionGraph:
    """Resolve ``manifest`` for ``python`` with index pages from ``client`` (a
    ``RegistryClient``) and every dist's metadata from ``database`` (a
    ``DistributionDatabase``: wheels' from the index, sources' built where needed)."""
    from sula.resolver.resolver import Resolver

    provider = _provider(manifest, client, database, python, options, None)
    try:
        with span("resolver.solve"):
            return await Resolver(provider).resolve()
    finally:
        await provider.close()


def _provider(manifest: Manifest, client: IndexClient, database: MetadataDatabase,
              python: PythonTarget, options: ResolverOptions, algebra: MarkerAlgebra | None,
              fork_pieces: ForkPieces | None = None) -> ResolverProvider:
    from sula.resolver.candidate import CandidateSelector
    from sula.resolver.provider import ResolverProvider

    selector = CandidateSelector.for_manifest(manifest, options)
    return ResolverProvider(client=client, database=database, manifest=manifest, options=options,
                            python=python, selector=selector, algebra=algebra,
                            fork_pieces=fork_pieces)


_MAX_FORK_ROUNDS = 4


async def resolve_universal(
    spec: RequirementsSpec,
    *,
    client: IndexClient,
    database: MetadataDatabase,
    python: PythonTarget,
    options: ResolverOptions,
    preferences: Mapping[NormalizedName, Version] | None = None,
) -> ResolutionGraph:
    """Resolve ``spec`` for every environment with a Python from ``python.version`` up.

    Markers are kept, not evaluated: each dependency edge carries the environments it
    applies to and each pin the union of its paths from the root. The Python range is
    split ("forked") at the Python-version bounds of the input markers, of any package
    required twice under Python markers that differ, and of newer versions' Requires-Python
    (its lower bound, as uv reads it: ``>=3.9,!=3.9.0,!=3.9.1`` forks just above 3.9.0); each slice is solved
    on its own, taking the newest versions it allows, and pins that differ between slices
    get a marker each. On other variables (``sys_platform``...) a slice forks as uv's
    resolver does: when a version being decided requires one package under different
    markers (:func:`_proactive_pieces`), and when its resolution
    fails on such a package (:func:`_marker_splits`); each piece is solved again within its
    environments.
    """
    from sula.resolver.manifest import Manifest
    from sula.resolver.markers import TRUE, MarkerAlgebra
    from sula.resolver.provider import ROOT, ForkNeeded
    from sula.resolver.pubgrub.range import Range
    from sula.resolver.pubgrub.report import NoSolutionError
    from sula.resolver.python import PythonTarget
    from sula.resolver.resolver import Resolver

    whole: Range[Version] = Range.higher_than(python.version)
    algebra = MarkerAlgebra(whole)
    cuts: set[Version] = set()
    for entry in (*spec.requirements, *spec.editables):
        cuts |= _python_cuts(algebra.from_marker(entry.requirement.marker))
    pieces: list[tuple[Range[Version], Dnf, ResolutionGraph]] = []
    found: set[Version] = set()
    solves = [0]

    async def solve(rng: Range[Version], restrict: Dnf, depth: int,
                    prefer: Mapping[NormalizedName, Version]) -> list[
            tuple[Range[Version], Dnf, ResolutionGraph]]:
        """One fork: a Python slice, within ``restrict`` (other markers) when a conflict
        between requirements under disjoint markers split it. ``prefer``: the versions
        earlier forks of the same slice chose, which this one keeps where it can (as uv's
        forks do), after the output file's own pins."""
        sub = MarkerAlgebra(rng, restrict)
        manifest = Manifest.from_spec(spec, markers={}, preferences={**prefer, **(preferences or {})},
                                      algebra=sub)
        lowest = rng.lowest()
        assert lowest is not None
        target = PythonTarget(version=lowest, markers={}, tags=None)
        # Each Python fork takes the newest versions it allows, as uv's default fork
        # strategy (`requires-python`) does: preferring another fork's versions (fewer
        # versions) pinned older ones where a fork allowed newer (pyopenssl 26.2.0
        # instead of 26.4.0 from Python 3.9.2 in trio.in; 140 of 300 environments
        # installed what uv's output installs, 300 of 300 without).
        solves[0] += 1
        # Each fork is solved from the start again: past a budget of solves, no new ones.
        forking = depth < _MAX_MARKER_FORKS and solves[0] <= _MAX_FORK_SOLVES
        provider = _provider(manifest, client, database, target, options, sub,
                             fork_pieces=(lambda forks, deps: _proactive_pieces(forks, deps, sub))
                             if forking else None)
        keep: dict[NormalizedName, Version] = {}
        splits: list[Dnf] | None
        try:
            with span("resolver.solve"):
                graph = await Resolver(provider).resolve()
        except ForkNeeded as fork:
            # As uv forks: the versions decided before the fork point stay (preferred),
            # each piece takes the newest versions it allows for the rest.
            _log.debug("universal: %s==%s forks into %d", fork.pkg, fork.version, len(fork.pieces))
            splits = fork.pieces
            keep = {p.name: v for p, v in fork.decided.items() if p != ROOT and p.extra is None}
        except NoSolutionError as err:
            more = _fork_cuts(provider, sub) - cuts
            if more:
                raise _NeedCuts(more) from None
            splits = _marker_splits(err, provider, sub) if depth < _MAX_MARKER_FORKS else None
            if not splits:
                _fork_hint(err, provider, sub)
                raise
        else:
            found.update(_fork_cuts(provider, sub) - cuts)
            return [(rng, restrict, graph)]
        finally:
            await provider.close()
        out: list[tuple[Range[Version], Dnf, ResolutionGraph]] = []
        chosen: dict[NormalizedName, Version] = dict(prefer)
        for piece in splits:
            done = await solve(rng, piece, depth + 1, {**chosen, **keep})
            out.extend(done)
            # Of several earlier forks' versions the highest is preferred, as uv orders
            # its fork preferences (none of them is in this fork's environments).
            for _rng, _env, graph in done:
                for d in graph.dists.values():
                    have = chosen.get(d.name)
                    if have is None or d.version > have:
                        chosen[d.name] = d.version
        return out

    for _ in range(_MAX_FORK_ROUNDS):
        pieces = []
        found.clear()
        try:
            for rng in _slices(whole, cuts):
                pieces.extend(await solve(rng, TRUE, 0, {}))
        except _NeedCuts as need:
            found |= need.cuts
        if not found:
            break
        cuts |= found
    graph = _merge_forks(pieces, algebra)
    _add_excluded_sources(graph, spec, algebra)
    return graph


def _add_excluded_sources(graph: ResolutionGraph, spec: RequirementsSpec,
                          algebra: MarkerAlgebra) -> None:
    """Name in ``# via`` the inputs whose marker no supported Python meets
    (``importlib_metadata ; python_version == '3.7'`` from 3.9 up) when the package is pinned
    anyway, as uv does in a universal resolution."""
    from sula.resolver.graph import SourceKind
    from sula.resolver.manifest import _source
    from sula.resolver.markers import MarkerAlgebra
    from sula.resolver.pubgrub.range import Range

    pinned = {d.name for d in (*graph.dists.values(), *graph.forked)}
    anywhere = MarkerAlgebra(Range.full())
    for kind, entries in ((SourceKind.REQUIREMENT, (*spec.requirements, *spec.editables)),
                          (SourceKind.CONSTRAINT, spec.constraints),
                          (SourceKind.OVERRIDE, spec.overrides)):
        for entry in entries:
            req = entry.requirement
            if req.name not in pinned or req.marker is None:
                continue
            if algebra.is_false(algebra.from_marker(req.marker)) \
                    and not anywhere.is_false(anywhere.from_marker(req.marker)):
                source = _source(entry, kind, {})
                if source is not None:
                    graph.sources.setdefault(req.name, set()).add(source)


_MAX_MARKER_FORKS = 6
_MAX_FORK_SOLVES = 200


def _proactive_pieces(forks: Mapping[Pkg, list[tuple[str, Dnf]]],
                      deps: list[tuple[Dnf, Range[Version]]], algebra: MarkerAlgebra
                      ) -> list[Dnf] | None:
    """The environments one package version's fork points split the current fork into, as
    uv's forker splits them (each alternative's markers and their negation), in the order uv
    solves them; None when they do not split it. Python bounds inside the fork's slice are
    left to the slicing (a new round), as are markers whose negation is not expressible.

    ``deps``: that version's dependencies (environments, range). uv solves first the fork
    with the most of them bounded above (``a<2`` before ``a>=1``: the former's versions may
    do for the latter, as later forks prefer earlier ones', not the other way round)."""
    low = algebra.python.lowest()
    pieces: list[Dnf] = [algebra.restrict]
    for alternatives in forks.values():
        for _spec, env in alternatives:
            if any((low is None or v > low) and v in algebra.python for v in _python_cuts(env)):
                return None
            negated = algebra.not_(env)
            if negated is None:
                return None
            out: list[Dnf] = []
            for piece in pieces:
                inside = algebra.and_(piece, env)
                outside = algebra.and_(piece, negated)
                if algebra.is_false(inside) or algebra.is_false(outside):
                    out.append(piece)
                else:
                    out.extend((outside, inside))
            pieces = out
    if len(pieces) < 2:
        return None

    def bounded(piece: Dnf) -> int:
        return sum(1 for env, rng in deps
                   if not algebra.is_false(algebra.and_(piece, env))
                   and any(high is not None for _low, high in rng.segments()))

    # uv sorts its forks (stably) by that count and pops them from the end.
    return sorted(pieces, key=bounded)[::-1]


class _NeedCuts(Exception):
    """A slice's conflict needs more Python forks: the round starts again with ``cuts``."""

    def __init__(self, cuts: set[Version]) -> None:
        super().__init__()
        self.cuts = cuts


def _marker_splits(err: NoSolutionError, provider: ResolverProvider, algebra: MarkerAlgebra
                   ) -> list[Dnf] | None:
    """Where a conflict comes from one package required with different versions under
    different markers, the disjoint environments to resolve apart (each alternative's
    markers, first come first, and the rest), as uv forks on them; None when there is none."""
    from sula.resolver.markers import FALSE

    names = {getattr(c, "package", None) for c in err.incompatibility.iter_external()}
    names |= {getattr(c, "dependency", None) for c in err.incompatibility.iter_external()}
    for (_parent, pkg), alternatives in sorted(provider.deps.forks.items(), key=str):
        if pkg not in names:
            continue
        pieces: list[Dnf] = []
        covered: Dnf = FALSE
        for _spec, env in alternatives:
            rest = algebra.not_(covered)
            if rest is None:
                return None
            piece = algebra.and_(env, rest)  # type: ignore[arg-type]
            if not algebra.is_false(piece):
                pieces.append(piece)
            covered = algebra.or_(covered, env)  # type: ignore[arg-type]
        remainder = algebra.not_(covered)
        if remainder is None:
            return None
        remainder = algebra.and_(remainder, algebra.restrict)
        if not algebra.is_false(remainder):
            pieces.append(remainder)
        if len(pieces) >= 2:
            return pieces
    return None


def _python_cuts(dnf: object) -> set[Version]:
    """The Python versions where ``dnf`` (a markers.Dnf) changes truth value."""
    out: set[Version] = set()
    for conj in dnf:  # type: ignore[attr-defined]
        for key, cons in conj:
            if key == "python":
                for low, high in cons.segments():
                    for bound in (low, high):
                        if bound is not None:
                            out.add(bound[0])
    return out


def _slices(whole: Range[Version], cuts: set[Version]) -> list[Range[Version]]:
    from sula.resolver.pubgrub.range import Range

    low = whole.lowest()
    assert low is not None
    points = sorted(c for c in cuts if c > low)
    out: list[Range[Version]] = []
    for nxt in points:
        out.append(Range.between(low, nxt))
        low = nxt
    out.append(Range.higher_than(low))
    return out


def _fork_cuts(provider: ResolverProvider, algebra: MarkerAlgebra) -> set[Version]:
    """Python bounds inside this slice of requirements that would need a fork."""
    out: set[Version] = set(provider.python_cuts)
    for alternatives in provider.deps.forks.values():
        for _spec, env in alternatives:
            out |= _python_cuts(env)
    low = algebra.python.lowest()
    return {v for v in out if (low is None or v > low) and v in algebra.python}


def _fork_hint(err: NoSolutionError, provider: ResolverProvider, algebra: MarkerAlgebra) -> None:
    """Say so when a conflict comes from requirements that uv would resolve in forks."""
    names = {getattr(c, "package", None) for c in err.incompatibility.iter_external()}
    names |= {getattr(c, "dependency", None) for c in err.incompatibility.iter_external()}
    for (_parent, pkg), alternatives in sorted(provider.deps.forks.items(), key=str):
        if pkg not in names:
            continue
        ways = "; ".join(f"`{pkg}{spec}` where `{algebra.to_text(env) or 'always'}`"  # type: ignore[arg-type]
                         for spec, env in alternatives)
        err.hints.append(f"`{pkg}` is required with different versions under different markers "
                         f"({ways}), and no split of the environments between them resolves")


def _merge_forks(pieces: list[tuple[Range[Version], Dnf, ResolutionGraph]],
                 algebra: MarkerAlgebra) -> ResolutionGraph:
    """One graph from the slices' graphs: equal pins joined, their markers united."""
    import copy

    from sula.resolver.markers import FALSE

    if len(pieces) == 1:
        return pieces[0][2]
    out = ResolutionGraph()
    by_pin: dict[tuple[NormalizedName, Version], ResolvedDist] = {}
    for rng, restrict, graph in pieces:
        for dist in graph.dists.values():
            assert dist.environments is not None  # every pin of a universal resolution has them
            env = algebra.and_(algebra.and_(algebra.python_range(rng), restrict), dist.environments)
            have = by_pin.get((dist.name, dist.version))
            if have is None:
                have = by_pin[(dist.name, dist.version)] = copy.copy(dist)
                have.extras = set(dist.extras)
                have.environments = FALSE
            have.extras |= dist.extras
            have.environments = algebra.or_(have.environments or FALSE, env)
        for name, parents in graph.parents.items():
            out.parents.setdefault(name, set()).update(parents)
        for dist in graph.dists.values():  # each version's own parents, as uv writes them
            out.pin_parents.setdefault((dist.name, dist.version), set()).update(
                graph.parents.get(dist.name, ()))
        for name, sources in graph.sources.items():
            out.sources.setdefault(name, set()).update(sources)
    for (name, _version), dist in sorted(by_pin.items()):
        dist.marker = algebra.to_text(dist.environments or FALSE)
        if name in out.dists:
            out.forked.append(dist)
        else:
            out.dists[name] = dist
    return out


def strings_and_files(items: Sequence[str | os.PathLike[str]]) -> tuple[list[str], list[str]]:
    if isinstance(items, (str, os.PathLike)):
        items = [items]
    strings = [i for i in items if isinstance(i, str)]
    return strings, [os.fspath(i) for i in items if not isinstance(i, str)]


def resolve(
    requirements: Sequence[str | os.PathLike[str]],
    *,
    constraints: Sequence[str | os.PathLike[str]] = (),
    overrides: Sequence[str | os.PathLike[str]] = (),
    python: str | None = None,
    python_version: str | None = None,
    index_url: str | None = None,
    extra_index_urls: Sequence[str] = (),
    find_links: Sequence[str] = (),
    exclude_newer: str | datetime | None = None,
    prerelease: str = "if-necessary",
    resolution: str = "highest",
    no_build: bool = False,
    offline: bool = False,
    cache_dir: str | None = None,
    build_context: Callable[[Interpreter, IndexSettings, ClientSettings], BuildContext] | None = None,
) -> ResolutionGraph:
    """Resolve requirements; returns the pinned graph (``graph.pins()``).

    Strings are PEP 508 requirements (``"flask>=2"``, ``"name @ url"``), as on the command
    line: no requirements-file options, no ``${VAR}`` expansion. ``os.PathLike`` values are
    requirements files (or ``pyproject.toml``). Constraints and overrides take both too.
    ``offline``: only what the cache holds (``--offline``). ``build_context`` makes the
    context that builds sdists and source trees (``sula.resolve`` passes sula's own; without
    one they are an error). Holds the cache's shared lock, as ``sula.install`` does, so that ``sula cache clean``
    waits for it. Raises :class:`sula.resolver.pubgrub.NoSolutionError` (with hints) when no
    solution exists.
    """
    if isinstance(requirements, str | os.PathLike):  # one requirement, not its letters
        requirements = [requirements]

    from sula.cache import Cache

    packages, sources = strings_and_files(requirements)
    constraint_packages, constraint_files = strings_and_files(constraints)
    override_packages, override_files = strings_and_files(overrides)
    from types import SimpleNamespace

    ns = SimpleNamespace(
        index_url=index_url,
        extra_index_url=list(extra_index_urls) or None,
        find_links=list(find_links) or None,
        exclude_newer=(exclude_newer if exclude_newer is None or isinstance(exclude_newer, str)
                       else exclude_newer.isoformat()),
    )
    request = CompileRequest(
        sources=sources,
        constraints=constraint_files,
        overrides=override_files,
        packages=packages,
        constraint_packages=constraint_packages,
        override_packages=override_packages,
        python=python,
        python_version=python_version,
        prerelease=prerelease,
        resolution=resolution,
        no_build=no_build,
        offline=offline,
        index_args=ns,
    )
    cache = Cache.from_settings(cache_dir, False).init()
    try:
        with cache.lock_shared():
            return compile_requirements(request, cache=cache, build_context=build_context).graph
    finally:
        cache.cleanup()
