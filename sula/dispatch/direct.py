"""``--no-deps`` resolution: versions for the requirements themselves, dependencies not followed.

The PubGrub solver still picks the versions, so constraints, overrides, URL requirements,
pre-release and yank rules and failure reports are the same as a full resolution; only
the provider answers "no dependencies" below the root (an extra depends on its base
package at the same version). No metadata is fetched, only index pages (as pip and uv
do with ``--no-deps``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from packaging.specifiers import SpecifierSet

from sula._log import getLogger
from sula._span import span
from sula.errors import SulaError
from sula.resolver.dependencies import Dependency
from sula.resolver.provider import ROOT, ResolverProvider

if TYPE_CHECKING:
    from packaging.version import Version

    from sula.distribution.names import NormalizedName
    from sula.resolver.dependencies import Pkg
    from sula.resolver.graph import ResolutionGraph
    from sula.resolver.manifest import Manifest
    from sula.resolver.options import ResolverOptions
    from sula.resolver.provider import IndexClient, MetadataDatabase, Unavailable
    from sula.resolver.python import PythonTarget

__all__ = ["resolve_direct"]

_log = getLogger(__name__)


class _DirectProvider(ResolverProvider):
    """A provider whose packages have no dependencies (``--no-deps``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pages: set[asyncio.Task[None]] = set()

    def get_dependencies(self, pkg: Pkg, version: Version) -> dict[Pkg, Any] | Unavailable:
        if pkg == ROOT:
            return super().get_dependencies(pkg, version)
        from sula.resolver.pubgrub.range import Range

        if pkg.extra is None:
            return {}
        return {pkg.base: Range.singleton(version)}

    def dependencies(self, pkg: Pkg, version: Version) -> list[Dependency] | Unavailable:
        if pkg == ROOT:
            return super().dependencies(pkg, version)
        if pkg.extra is not None:
            # `foo[bar]` is `foo` at the same version; the extra's requirements are dependencies.
            return [Dependency(pkg.base, SpecifierSet(f"=={version}"))]
        return []

    def prefetch(self, deps: Iterable[Dependency], ranges: Mapping[Pkg, Any]) -> None:
        # Index pages of the requirements, all at once; never their metadata.
        for dep in deps:
            task = asyncio.ensure_future(self._page(dep.pkg.name))
            self._pages.add(task)
            task.add_done_callback(self._pages.discard)

    async def _page(self, name: NormalizedName) -> None:
        try:
            await self.ensure_versions(name)
        except SulaError as err:  # the solver asks again and sees the error itself
            _log.debug("Fetching the versions of `%s` failed: %s", name, err)

    async def close(self) -> None:
        for task in list(self._pages):
            task.cancel()
        if self._pages:
            await asyncio.gather(*self._pages, return_exceptions=True)
        await super().close()


async def resolve_direct(
    manifest: Manifest,
    *,
    client: IndexClient,
    database: MetadataDatabase,
    python: PythonTarget,
    options: ResolverOptions,
) -> ResolutionGraph:
    """Pick a version for each requirement of ``manifest`` alone (``--no-deps``); ``database``
    gives the metadata of directory and git requirements."""
    from sula.resolver.candidate import CandidateSelector
    from sula.resolver.resolver import Resolver

    selector = CandidateSelector.for_manifest(manifest, options)
    provider = _DirectProvider(client=client, database=database, manifest=manifest, options=options,
                               python=python, selector=selector)
    try:
        with span("resolver.solve", mode="no-deps"):
            return await Resolver(provider).resolve()
    finally:
        await provider.close()
