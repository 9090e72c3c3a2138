"""The resolver: drives the PubGrub solver on the event loop, fetching what it asks for."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from packaging.utils import NormalizedName
from packaging.version import Version

from sula._span import span
from sula.resolver.dependencies import Pkg
from sula.resolver.provider import ROOT, ROOT_VERSION

if TYPE_CHECKING:
    from sula.resolver.graph import ResolutionGraph
    from sula.resolver.provider import ResolverProvider
    from sula.resolver.pubgrub.report import NoSolutionError

__all__ = ["Resolver"]

_log = logging.getLogger(__name__)


class Resolver:
    """One resolution: ``await Resolver(provider).resolve()`` → :class:`ResolutionGraph`.

    The solver is synchronous; when the provider lacks a version list or metadata it
    signals ``NeedsData`` and the solver returns ``Pending``; this loop awaits the fetch
    (others, started by prefetching, keep running meanwhile) and steps again.
    """

    def __init__(self, provider: ResolverProvider) -> None:
        self.provider = provider

    async def resolve(self) -> ResolutionGraph:
        from sula.resolver.graph_builder import build_graph
        from sula.resolver.pubgrub import NoSolutionError, Pending, Solver

        provider = self.provider
        solver: Solver[Any, Any] = Solver(provider, root=ROOT, root_version=ROOT_VERSION)
        waits = 0
        while True:
            try:
                result = solver.step()
            except NoSolutionError as err:
                raise self._unsatisfiable(err) from None
            if not isinstance(result, Pending):
                break
            waits += 1
            await self._fetch(result.request)
        _log.debug("resolved after %d waits, %d decisions, %d conflicts", waits,
                   solver.decisions, solver.conflicts)
        with span("resolver.graph"):
            return build_graph(result.solution, provider)

    async def _fetch(self, request: object) -> None:
        provider = self.provider
        match request:
            case ("versions", str() as name):
                await provider.ensure_versions(NormalizedName(name))
            case ("metadata", Pkg() as pkg, Version() as version):
                await provider.ensure_versions(pkg.name)
                await provider.ensure_metadata(pkg, version)
            case _:
                raise AssertionError(f"unknown request {request!r}")

    def _unsatisfiable(self, err: NoSolutionError) -> NoSolutionError:
        """Add sula's package names, "not found" sentences and hints to the solver's report."""
        from sula.resolver.hints import hints_for

        err.formatter = _Formatter(self.provider)
        err.hints.extend(hints_for(self.provider, _no_version_ranges(err)))
        return err


class _Formatter:
    """How packages and external facts read in a failure report."""

    def __init__(self, provider: ResolverProvider) -> None:
        self.provider = provider

    def format_package(self, package: object) -> str:
        return str(package)

    def published_versions(self, package: object) -> list[Version] | None:
        """Versions the index lists (ascending), so ranges read as uv's do (``foo==1.0``)."""
        if not isinstance(package, Pkg) or package == ROOT:
            return None
        vmap = self.provider.version_map(package.name)
        if vmap is None:
            return None
        return [e.version for e in reversed(vmap.entries)]

    def format_external(self, cause: object) -> str | None:
        from sula.resolver.pubgrub.incompatibility import DependencyCause, NoVersionsCause

        if isinstance(cause, NoVersionsCause) and cause.package.name in self.provider.not_found:
            return f"{cause.package} was not found in the package registry"
        if isinstance(cause, DependencyCause) and cause.dependency_range.is_empty():
            specs = self.provider.deps.merged.get((cause.package.name, cause.dependency))
            if specs:
                wants = " and ".join(f"{cause.dependency}{s}" for s in specs)
                if cause.package == ROOT:
                    return f"you require {wants}"
                return f"{cause.package}{_format_range(cause.range)} depends on {wants}"
        return None


def _no_version_ranges(err: Exception) -> list[tuple[Any, Any]]:
    """``(package, range)`` of every "no versions" and "unavailable" cause in the derivation."""
    from sula.resolver.pubgrub.incompatibility import (
        DerivedCause,
        NoVersionsCause,
        UnavailableCause,
    )

    root = getattr(err, "incompatibility", None)
    out: list[tuple[Any, Any]] = []
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        inc = stack.pop()
        if id(inc) in seen:
            continue
        seen.add(id(inc))
        cause = inc.cause
        if isinstance(cause, DerivedCause):
            stack.append(cause.cause1)
            stack.append(cause.cause2)
        elif isinstance(cause, NoVersionsCause | UnavailableCause) and cause.package != ROOT:
            out.append((cause.package, cause.range))
    out.reverse()
    return out


def _format_range(rng: Any) -> str:
    from sula.resolver.pubgrub import format_range

    return str(format_range(rng))
