"""Turn the solver's decisions into a :class:`ResolutionGraph` (pins, edges, sources, hashes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from sula.distribution.names import NormalizedName
from sula.resolver.dependencies import Pkg
from sula.resolver.graph import ResolutionGraph, ResolvedDist

if TYPE_CHECKING:
    from packaging.version import Version

    from sula.client.types import DistFile
    from sula.resolver.markers import MarkerAlgebra
    from sula.resolver.provider import ResolverProvider

__all__ = ["build_graph"]


def build_graph(decisions: Mapping[Pkg, Version], provider: ResolverProvider) -> ResolutionGraph:
    """The graph of a solution: every decided distribution with its file, extras and parents."""
    from sula.requirements.types import UrlKind
    from sula.resolver.provider import ROOT, Unavailable

    graph = ResolutionGraph()
    manifest = provider.manifest
    for pkg, version in decisions.items():
        if pkg == ROOT or pkg.extra is not None:
            continue
        file = provider.file_for(pkg.name, version)
        url_req = provider.urls.get(pkg.name)
        tree = provider.trees.get(pkg.name)
        url, editable, local = None, False, False
        if url_req is not None and url_req.url is not None:
            # A git requirement is pinned to the commit its reference resolved to.
            url = tree.url if tree is not None and tree.git is not None else url_req.url.url.given
            editable = url_req.editable
            # Local paths are written as given, without `name @`, as uv writes them.
            local = url_req.url.kind in (UrlKind.PATH, UrlKind.DIRECTORY)
        files, hashes = _files_and_hashes(provider, pkg.name, version)
        graph.dists[pkg.name] = ResolvedDist(
            name=pkg.name,
            version=version,
            url=url,
            editable=editable,
            local=local,
            dist=tree if tree is not None else provider.dist_for(pkg.name, version),
            file_url=file.file.url if file is not None else None,
            filename=file.file.filename if file is not None else None,
            requires_python=file.file.requires_python if file is not None else None,
            files=files,
            hashes=hashes,
        )
    for pkg in decisions:
        if pkg.extra is not None and pkg.name in graph.dists:
            graph.dists[pkg.name].extras.add(pkg.extra)
    # Edges: who depends on whom, extras folded into their base package.
    for pkg, version in decisions.items():
        if pkg == ROOT:
            continue
        deps = provider.dependencies(pkg, version)
        if isinstance(deps, Unavailable):
            continue
        for dep in deps:
            child = dep.pkg.name
            if child == pkg.name or child not in graph.dists:
                continue
            graph.parents.setdefault(child, set()).add(pkg.name)
    # Sources: the input files that named each package.
    markers: dict[NormalizedName, list[str | None]] = {}
    for req in manifest.requirements:
        if req.name in graph.dists:
            markers.setdefault(req.name, []).append(req.marker_text)
            if req.source is not None:
                graph.sources.setdefault(req.name, set()).add(req.source)
    for table in (manifest.constraints, manifest.overrides):
        for name, reqs in table.items():
            if name in graph.dists:
                for req in reqs:
                    if req.source is not None:
                        graph.sources.setdefault(name, set()).add(req.source)
    algebra = provider.deps.algebra
    if algebra is not None:
        _environments(graph, decisions, provider, algebra)
        return graph
    for name, texts in markers.items():
        # Keep the input's marker only when every direct requirement on the name had one.
        if texts and all(texts) and len(set(texts)) == 1:
            graph.dists[name].marker = texts[0]
    return graph


def _environments(graph: ResolutionGraph, decisions: Mapping[Pkg, Version],
                  provider: ResolverProvider, algebra: MarkerAlgebra) -> None:
    """Universal resolution: each pin's environments, the union over the paths from the
    root of the edges' markers (a fixpoint, since dependency graphs may have cycles)."""
    from sula.resolver.markers import FALSE, TRUE
    from sula.resolver.provider import ROOT, Unavailable

    edges: list[tuple[Pkg, Pkg, Any]] = []
    for pkg, version in decisions.items():
        deps = provider.dependencies(pkg, version)
        if isinstance(deps, Unavailable):
            continue
        edges.extend((pkg, dep.pkg, dep.marker) for dep in deps if dep.pkg in decisions)
    env: dict[Pkg, Any] = {ROOT: TRUE}
    for _ in range(100):
        changed = False
        for parent, child, marker in edges:
            have = env.get(parent)
            if have is None or have == FALSE:
                continue
            old = env.get(child, FALSE)
            new = algebra.or_(old, algebra.and_(have, marker))
            if new != old:
                env[child] = new
                changed = True
        if not changed:
            break
    for name, dist in list(graph.dists.items()):
        envs = dist.environments = env.get(Pkg(name), FALSE)
        if envs == FALSE:
            # Required only under markers no environment on its path meets (`b ; linux`
            # from `a ; win32`): left out, as uv leaves unreachable packages out.
            del graph.dists[name]
            graph.parents.pop(name, None)
            graph.sources.pop(name, None)
            for parents in graph.parents.values():
                parents.discard(name)
            continue
        dist.marker = algebra.to_text(envs)


def _files_and_hashes(provider: ResolverProvider, name: NormalizedName, version: Version
                      ) -> tuple[list[DistFile], list[str]]:
    """Every file of the pinned version (for a pylock.toml) and one ``algo:digest`` of each
    (sha256 where listed, for ``--generate-hashes``)."""
    vmap = provider.version_map(name)
    entry = vmap.get(version) if vmap is not None else None
    if entry is None:
        return [], []
    hashes: set[str] = set()
    for f in entry.files:
        h = f.file.hashes.get("sha256")
        if h:
            hashes.add(f"sha256:{h}")
        elif f.file.hashes:
            algo, digest = sorted(f.file.hashes.items())[0]
            hashes.add(f"{algo}:{digest}")
    # The version map's files are the client's DistFiles (its Protocol says less).
    return cast("list[DistFile]", list(entry.files)), sorted(hashes)
