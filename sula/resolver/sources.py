"""Requirements on source trees (local directories, git) as the database's sources, and the
names of unnamed ones (``.``, ``./pkg``, ``git+…`` without ``#egg=``) learnt from their metadata
before the resolution starts, as uv's named-requirements step does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sula._record import replace

if TYPE_CHECKING:
    from sula.distribution.dist import GitSource, TreeSource
    from sula.requirements.types import RequirementEntry, RequirementsSpec, UrlRequirement
    from sula.resolver.graph import ResolutionGraph
    from sula.resolver.provider import MetadataDatabase

__all__ = ["drop_projects", "is_tree", "name_sources", "tree_of"]


def is_tree(req: object) -> bool:
    """Whether ``req`` is a requirement on a local directory or a git repository."""
    from sula.requirements.types import UrlKind, UrlRequirement

    return isinstance(req, UrlRequirement) and req.kind in (UrlKind.DIRECTORY, UrlKind.GIT)


def source_of(req: UrlRequirement, *, editable: bool) -> TreeSource | GitSource:
    """The database's source for a directory or git requirement."""
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    from sula.distribution.dist import GitSource, TreeSource
    from sula.requirements.types import UrlKind

    if req.kind is UrlKind.GIT:
        assert req.repository is not None
        return GitSource(repository=req.repository, reference=req.reference,
                         subdirectory=req.subdirectory, name=req.name)
    path = req.path
    if path is None:
        path = Path(unquote(urlsplit(req.url.url).path))
    if req.subdirectory:
        path = path / req.subdirectory
    return TreeSource(path=path.absolute(), name=req.name, editable=editable)


async def tree_of(req: UrlRequirement, database: MetadataDatabase, *, editable: bool) -> TreeSource:
    """The tree to build for ``req``: the directory, or the checkout of the git commit its
    reference names (fetched once per repository and run)."""
    from sula.distribution.dist import GitSource

    source = source_of(req, editable=editable)
    if isinstance(source, GitSource):
        tree = await database.checkout(source)
        return replace(tree, editable=editable)
    return source


async def name_sources(spec: RequirementsSpec, database: MetadataDatabase) -> RequirementsSpec:
    """``spec`` with every unnamed directory or git requirement named after its project
    (metadata from the database: static, cached, or from the backend)."""
    from sula.requirements.types import UrlRequirement

    entries = [*spec.requirements, *spec.editables]
    todo = [e for e in entries if isinstance(e.requirement, UrlRequirement)
            and (e.requirement.name is None or e.dependencies_only) and is_tree(e.requirement)]
    if not todo:
        return spec

    from sula import _aio

    async def name_of(entry: RequirementEntry) -> RequirementEntry:
        from sula.distribution.names import canonicalize_name

        req = entry.requirement
        assert isinstance(req, UrlRequirement)
        tree = await tree_of(req, database, editable=entry.editable)
        meta = await database.get_or_build_wheel_metadata(tree)
        extras = req.extras
        if entry.dependencies_only:
            provided = {canonicalize_name(e): e for e in meta.provides_extra}
            unknown = sorted(e for e in extras if e not in provided)
            if unknown:
                from sula.requirements.errors import UnknownExtraError

                raise UnknownExtraError(entry.origin.name, unknown[0], sorted(provided.values()))
            if entry.all_extras:
                extras = frozenset(provided)
        return replace(entry, requirement=replace(req, name=canonicalize_name(meta.name), extras=extras))

    named = dict(zip(map(id, todo), await _aio.gather(*(name_of(e) for e in todo)), strict=True))
    return replace(
        spec,
        requirements=tuple(named.get(id(e), e) for e in spec.requirements),
        editables=tuple(named.get(id(e), e) for e in spec.editables),
    )


def drop_projects(graph: ResolutionGraph, spec: RequirementsSpec) -> None:
    """Leave the project inputs (``dependencies_only``: a ``setup.py``, a dynamic
    ``pyproject.toml``) out of ``graph``: their dependencies stay, annotated ``via`` the
    project file as pip-compile and uv annotate a static ``pyproject.toml``'s."""
    from sula.resolver.graph import SourceAnnotation, SourceKind

    for entry in spec.requirements:
        name = entry.name
        if not entry.dependencies_only or name is None or name not in graph.dists:
            continue
        del graph.dists[name]
        graph.forked = [d for d in graph.forked if d.name != name]
        graph.sources.pop(name, None)
        graph.parents.pop(name, None)
        for child, parents in graph.parents.items():
            if name in parents:
                parents.discard(name)
                graph.sources.setdefault(child, set()).add(
                    SourceAnnotation(SourceKind.PROJECT, entry.origin.name, str(name)))
