"""The resolver: drives the PubGrub solver on the event loop, fetching what it asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from packaging.version import Version

from sula._log import getLogger
from sula._span import span
from sula.distribution.names import NormalizedName
from sula.resolver.dependencies import Pkg
from sula.resolver.provider import ROOT, ROOT_VERSION, ForkNeeded

if TYPE_CHECKING:
    from sula.resolver.graph import ResolutionGraph
    from sula.resolver.provider import ResolverProvider
    from sula.resolver.pubgrub.report import NoSolutionError

__all__ = ["Resolver"]

_log = getLogger(__name__)


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
            except ForkNeeded as fork:
                fork.decided = solver.decided()
                raise
            if not isinstance(result, Pending):
                break
            waits += 1
            await self._fetch(result.request)
        _log.debug("resolved after %d waits, %d decisions, %d conflicts", waits,
                   solver.decisions, solver.conflicts)
        warn_about_solution(result.solution, provider)
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

        ranges = _no_version_ranges(err)
        _explain_unusable(err.incompatibility, self.provider)
        err.formatter = _Formatter(self.provider)
        err.hints.extend(hints_for(self.provider, ranges))
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
        from sula.resolver.pubgrub.incompatibility import (
            DependencyCause,
            NoVersionsCause,
            UnavailableCause,
        )

        if isinstance(cause, UnavailableCause) and cause.package == PYTHON:
            return (f"the requested Python version ({self.provider.python.describe()}) does not "
                    f"satisfy Python{_format_range(cause.range.complement())}")
        if isinstance(cause, UnavailableCause) and cause.reason.startswith(_REQUIRES_PYTHON):
            rp = cause.reason[len(_REQUIRES_PYTHON):]
            who = f"{cause.package}{_format_range(cause.range)}"
            return f"{who} {self.provider.python.requires_python_clause(rp)}"

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


def _no_version_ranges(err: NoSolutionError) -> list[tuple[Any, Any]]:
    """``(package, range)`` of every "no versions" and "unavailable" cause in the derivation."""
    from sula.resolver.pubgrub.incompatibility import NoVersionsCause, UnavailableCause

    return [
        (cause.package, cause.range)
        for cause in err.incompatibility.iter_external()
        if isinstance(cause, NoVersionsCause | UnavailableCause) and cause.package != ROOT
    ]


def _unusable_reason(provider: ResolverProvider, name: NormalizedName, version: Version
                     ) -> str | None:
    """Why the published ``name==version`` was passed over, as the rest of a sentence
    ("was yanked", "has no usable wheels"), or None when it is usable (or only a
    pre-release that was not allowed, which the "no versions" sentence covers)."""
    from sula.resolver.version_map import Incompatibility as Why

    vmap = provider.version_map(name)
    entry = vmap.get(version) if vmap is not None else None
    if vmap is None or entry is None:
        return None
    allow_yanked = version in provider.selector.allowed_yanks.get(name, frozenset())
    why = vmap.reason(entry, allow_yanked=allow_yanked)
    match why:
        case None:
            return None
        case Why.YANKED:
            return "was yanked" + (f" (reason: {entry.yanked_reason})" if entry.yanked_reason else "")
        case Why.REQUIRES_PYTHON:
            rp = next((f.file.requires_python for f in entry.files if f.file.requires_python), "")
            return _REQUIRES_PYTHON + rp
        case Why.TAGS:
            return "has no wheels with a matching Python, ABI or platform tag"
        case Why.NO_BUILD:
            return "has no usable wheels"
        case Why.NO_BINARY:
            return "has no source distribution, and wheels are disabled"
        case _:
            return "has no usable files"


def _explain_unusable(top: Any, provider: ResolverProvider) -> None:
    """Say why published versions were passed over, as uv does.

    The solver only learns "there are no versions of foo in R" when the selector skipped
    every version in R; each such fact whose range holds published but unusable versions
    becomes a derivation from "foo==1.0 was yanked" (one fact per reason) and "only
    foo<1.0 is available", so the report names the reason in the derivation itself.
    """
    from sula.resolver.pubgrub.incompatibility import (
        DerivedCause,
        Incompatibility,
        NoVersionsCause,
    )
    from sula.resolver.pubgrub.range import Range
    from sula.resolver.pubgrub.term import Term

    stack = [top]
    seen: set[int] = set()
    while stack:
        inc = stack.pop()
        if id(inc) in seen:
            continue
        seen.add(id(inc))
        cause = inc.cause
        if isinstance(cause, DerivedCause):
            stack.extend((cause.cause1, cause.cause2))
            continue
        if not isinstance(cause, NoVersionsCause) or not isinstance(cause.package, Pkg):
            continue
        pkg, rng = cause.package, cause.range
        vmap = provider.version_map(pkg.name) if pkg != ROOT else None
        if vmap is None:
            continue
        groups: dict[str, list[Version]] = {}
        for entry in reversed(vmap.entries):
            if rng.contains(entry.version):
                why = _unusable_reason(provider, pkg.name, entry.version)
                if why is not None:
                    groups.setdefault(why, []).append(entry.version)
        if not groups:
            continue
        unusable = Range.from_versions([v for vs in groups.values() for v in vs])
        rest = rng.difference(unusable)
        node: Any = Incompatibility.no_versions(pkg, rest)
        covered = rest
        for why, versions in groups.items():
            part = Range.from_versions(versions)
            covered = covered.union(part)
            first: Any = Incompatibility.unavailable(pkg, part, why)
            if why.startswith(_REQUIRES_PYTHON):
                first = _python_derivation(pkg, part, why[len(_REQUIRES_PYTHON):]) or first
            node = Incompatibility({pkg: Term(True, covered)},
                                   DerivedCause(cause1=first, cause2=node))
        inc.cause = node.cause


def _python_derivation(pkg: Pkg, part: Any, requires_python: str) -> Any:
    """``{pkg in part}`` from "the requested Python version does not satisfy Python>=3.99"
    and "pkg==1.0 depends on Python>=3.99", as uv explains a Requires-Python mismatch."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from sula.resolver.pubgrub.incompatibility import DerivedCause, Incompatibility
    from sula.resolver.pubgrub.range import Range
    from sula.resolver.pubgrub.term import Term

    try:
        wanted: Any = Range.from_specifier(SpecifierSet(requires_python))
    except InvalidSpecifier:
        return None
    excluded = Incompatibility.unavailable(PYTHON, wanted.complement(), "")
    edge = Incompatibility.from_dependency(pkg, part, PYTHON, wanted)
    return Incompatibility({pkg: Term(True, part)}, DerivedCause(cause1=excluded, cause2=edge))


# The interpreter as a pseudo-package in failure reports ("depends on Python>=3.12").
PYTHON = Pkg(NormalizedName("Python"))
_REQUIRES_PYTHON = "\0requires-python:"


def _format_range(rng: Any) -> str:
    from sula.resolver.pubgrub import format_range

    return str(format_range(rng))


def warn_about_solution(decisions: dict[Pkg, Version], provider: ResolverProvider) -> None:
    """Warn, as uv and pip do, about what a solution holds that the user may not expect: an
    extra the package does not define (a typo: ``requests[securty]``), a yanked version (only
    taken when pinned with ``==``), and a preferred pin (of the output file or the environment)
    that was replaced because it is yanked."""
    from sula._warnings import warn_user
    from sula.distribution.names import canonicalize_name

    preferences = provider.selector.preferences
    for pkg, version in decisions.items():
        if pkg == ROOT:
            continue
        if pkg.extra is not None:
            meta = provider.metadata_for(pkg.name, version)
            if meta is None or pkg.extra in {canonicalize_name(e) for e in meta.provides_extra}:
                continue
            # Old metadata may leave out Provides-Extra but still mark requirements with it.
            if any(f"extra == \"{pkg.extra}\"" in r or f"extra == '{pkg.extra}'" in r
                   for r in meta.requires_dist):
                continue
            warn_user(f"The package `{pkg.name}=={version}` does not have an extra named `{pkg.extra}`")
            continue
        vmap = provider.version_map(pkg.name)
        if vmap is None:
            continue
        entry = vmap.get(version)
        if entry is not None and entry.yanked:
            why = f" (reason: {entry.yanked_reason})" if entry.yanked_reason else ""
            warn_user(f"`{pkg.name}=={version}` is yanked{why}")
        preferred = preferences.get(pkg.name)
        if preferred is not None and preferred != version:
            old = vmap.get(preferred)
            if old is not None and old.yanked:
                why = f" (reason: {old.yanked_reason})" if old.yanked_reason else ""
                warn_user(f"The pin `{pkg.name}=={preferred}` is yanked{why}; "
                          f"it is replaced by `{pkg.name}=={version}`")
