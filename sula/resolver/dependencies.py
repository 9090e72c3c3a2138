"""From core metadata to solver dependencies: markers per extra, overrides, constraints, extras.

Packages given to the solver are :class:`Pkg` values: ``Pkg("foo")`` is the distribution,
``Pkg("foo", "bar")`` the virtual package for ``foo[bar]``, which depends on ``foo`` at the
same version plus the requirements that the ``bar`` extra adds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet

from sula._log import getLogger
from sula._record import dataclass
from sula.distribution.names import NormalizedName, canonicalize_name
from sula.errors import SulaError

if TYPE_CHECKING:
    from packaging.requirements import Requirement
    from packaging.version import Version

    from sula.resolver.manifest import Manifest, ManifestRequirement
    from sula.resolver.markers import MarkerAlgebra

_Selected = tuple["NormalizedName", tuple["NormalizedName", ...], SpecifierSet, "str | None", object]

__all__ = ["Dependency", "DependencyBuilder", "InvalidRequiresDist", "Pkg", "parse_requires_dist",
           "parse_strict"]

_log = getLogger(__name__)


class Pkg:
    """A solver package: a distribution, or one of its extras.

    One object per ``(name, extra)`` (made once, then found again), so equality is identity
    and the hash the object's own, both in C: the solver looks packages up ~100,000 times to
    resolve requirements.in, and a record's ``__hash__`` and ``__eq__`` in Python cost
    ~0.3-0.6 us a lookup.
    """

    __slots__ = ("extra", "name")
    name: NormalizedName
    extra: NormalizedName | None

    def __new__(cls, name: NormalizedName, extra: NormalizedName | None = None) -> Pkg:
        pkg = _PKGS.get((name, extra))
        if pkg is None:
            pkg = _PKGS[(name, extra)] = object.__new__(cls)
            object.__setattr__(pkg, "name", name)
            object.__setattr__(pkg, "extra", extra)
        return pkg

    def __setattr__(self, attr: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {attr!r}")

    def __delattr__(self, attr: str) -> None:
        raise AttributeError(f"cannot delete field {attr!r}")

    def __reduce__(self) -> tuple[type[Pkg], tuple[NormalizedName, NormalizedName | None]]:
        return Pkg, (self.name, self.extra)  # a copy or an unpickled one is the same object

    def __repr__(self) -> str:
        return f"Pkg(name={self.name!r}, extra={self.extra!r})"

    def __str__(self) -> str:
        return self.name if self.extra is None else f"{self.name}[{self.extra}]"

    @property
    def base(self) -> Pkg:
        return self if self.extra is None else Pkg(self.name)


_PKGS: dict[tuple[NormalizedName, NormalizedName | None], Pkg] = {}


@dataclass(frozen=True, slots=True)
class Dependency:
    """``pkg`` must be in ``specifier`` (or be the URL's version when ``url`` is set)."""

    pkg: Pkg
    specifier: SpecifierSet
    url: str | None = None
    # Universal resolution: the environments where the edge applies (a markers.Dnf).
    marker: object = ((),)


@dataclass(frozen=True, slots=True)
class _Req:
    name: NormalizedName
    extras: tuple[NormalizedName, ...]
    specifier: SpecifierSet
    url: str | None
    marker: object  # packaging Marker or None
    text: str
    # Requirements with the same marker text share one Marker and one evaluation.
    marker_key: str = ""


# The common shapes of ``Requires-Dist`` (``name[extras] (>=1,<2) ; marker``, no URL) are
# split by ``split_simple_requirement``, with specifier sets and markers parsed once per
# distinct text (a marker of the common shapes without packaging's parser); anything else
# goes to packaging's ``Requirement`` (which also decides what is invalid).
_SPECIFIERS: dict[str, SpecifierSet] = {}
_MARKERS: dict[str, object] = {}


def _fast_parse(text: str) -> _Req | None:
    from sula.distribution.simple_marker import parse_simple_marker, split_simple_requirement

    split = split_simple_requirement(text)
    if split is None:
        return None
    name, extras, spec_key, marker_text = split
    specifier = _SPECIFIERS.get(spec_key)
    if specifier is None:
        from packaging.specifiers import InvalidSpecifier

        try:
            specifier = SpecifierSet(spec_key)
        except InvalidSpecifier:
            return None
        _SPECIFIERS[spec_key] = specifier
    marker: object = None
    if marker_text is not None:
        marker = _MARKERS.get(marker_text)
        if marker is None:
            marker = parse_simple_marker(marker_text)
        if marker is None:
            from packaging.markers import InvalidMarker, Marker

            try:
                marker = Marker(marker_text)
            except InvalidMarker:
                return None
        _MARKERS[marker_text] = marker
    return _Req(
        canonicalize_name(name),
        tuple(sorted({canonicalize_name(e.strip()) for e in extras.split(",")})) if extras else (),
        specifier,
        None,
        marker,
        text,
        marker_text or "",
    )


@lru_cache(maxsize=65536)
def _parse_one(text: str) -> _Req | None:
    """``text`` parsed; repaired once as uv reads it when it does not parse; None if still not."""
    parsed = parse_strict(text)
    if parsed is not None:
        return parsed
    from sula.resolver.lenient import repair_requirement

    repaired = repair_requirement(text)
    if repaired is None:
        return None
    _log.debug("Reading the invalid requirement `%s` as `%s`", text, repaired)
    return parse_strict(repaired)


def parse_strict(text: str) -> _Req | None:
    """A PEP 508 requirement as written (no repair); None when it does not parse."""
    fast = _fast_parse(text)
    if fast is not None:
        return fast
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        r: Requirement = Requirement(text)
    except InvalidRequirement:
        return None
    return _Req(
        canonicalize_name(r.name),
        tuple(sorted(canonicalize_name(e) for e in r.extras)),
        r.specifier,
        r.url,
        r.marker,
        text,
        str(r.marker) if r.marker is not None else "",
    )


class InvalidRequiresDist(SulaError):
    """A ``Requires-Dist`` line that does not parse, even repaired (:mod:`sula.resolver.lenient`):
    its distribution's version cannot be used, as uv and pip (since 24.1) treat it."""

    def __init__(self, line: str) -> None:
        super().__init__()
        self.line = line

    def __str__(self) -> str:
        return f"invalid requirement `{self.line}`"


def parse_requires_dist(lines: Sequence[str]) -> list[_Req]:
    """Parse ``Requires-Dist`` values; raises :class:`InvalidRequiresDist` on the first that
    does not parse."""
    out = []
    for line in lines:
        req = _parse_one(line)
        if req is None:
            raise InvalidRequiresDist(line)
        out.append(req)
    return out


_MARKER_RESULTS: dict[tuple[tuple[str, str], ...], dict[tuple[str, str], bool]] = {}


class DependencyBuilder:
    """Turns requirements into solver dependencies for one target environment and manifest."""

    def __init__(self, *, markers: Mapping[str, str], manifest: Manifest,
                 algebra: MarkerAlgebra | None = None) -> None:
        self._env = dict(markers)
        self.algebra = algebra
        # Universal: (parent, package) required twice under different markers (with the
        # same specifier or not) -> [(specifier, environments)]: where uv forks.
        self.forks: dict[tuple[str, Pkg], list[tuple[str, object]]] = {}
        # The same, of the last requirements expanded (one package version's): the fork
        # points of that version, [(specifier, environments)] per package.
        self.last_forks: dict[Pkg, list[tuple[str, object]]] = {}
        self._manifest = manifest
        # Marker results per environment, shared by the resolutions of one process.
        self._marker_cache = _MARKER_RESULTS.setdefault(tuple(sorted(self._env.items())), {})
        # (parent name, dependency) -> the specifiers merged into its one range
        self.merged: dict[tuple[str, Pkg], list[str]] = {}
        self._urls = {name: req.url.url.given if req.url else None
                      for name, req in manifest.urls().items()}

    def _evaluate(self, req: _Req, extra: str) -> bool:
        if req.marker is None:
            return True
        if self.algebra is not None:
            return not self.algebra.is_false(self.algebra.from_marker(req.marker, extra))
        key = (req.marker_key, extra)
        hit = self._marker_cache.get(key)
        if hit is None:
            env = dict(self._env)
            env["extra"] = extra
            try:
                hit = bool(req.marker.evaluate(env))  # type: ignore[attr-defined]
            except (ValueError, KeyError) as err:
                # packaging's UndefinedComparison (`python_version ~= "abc"`) and
                # UndefinedEnvironmentName: a marker no environment satisfies; its
                # dependency is skipped, as an invalid Requires-Dist line is.
                import logging

                logging.getLogger(__name__).debug("Ignoring `%s`: %s", req.text, err)
                hit = False
            self._marker_cache[key] = hit
        return hit

    def for_metadata(self, pkg: Pkg, version: Version, requires_dist: Sequence[str]
                     ) -> list[Dependency]:
        """Dependencies of ``pkg`` at ``version`` whose metadata lists ``requires_dist``."""
        reqs = parse_requires_dist(requires_dist)
        selected: list[_Selected] = []
        algebra = self.algebra
        if pkg.extra is None:
            for r in reqs:
                if self._evaluate(r, ""):
                    env = algebra.from_marker(r.marker) if algebra is not None else _TRUE
                    selected.append((r.name, r.extras, r.specifier, r.url, env))
        else:
            for r in reqs:
                # Only what the extra adds; the base's own requirements come through `pkg.base`.
                if r.marker is not None and self._evaluate(r, pkg.extra) and not self._evaluate(r, ""):
                    env = algebra.from_marker(r.marker, pkg.extra) if algebra is not None else _TRUE
                    selected.append((r.name, r.extras, r.specifier, r.url, env))
        deps = self._expand(selected, parent=pkg.name)
        if pkg.extra is not None:
            deps.insert(0, Dependency(pkg.base, SpecifierSet(f"=={version}")))
        return deps

    def for_root(self, requirements: Sequence[ManifestRequirement]) -> list[Dependency]:
        """Dependencies of the root: the manifest's requirements (markers already evaluated)."""
        selected: list[_Selected] = [
            (r.name, tuple(sorted(r.extras)), r.specifier, r.url.url.given if r.url else None,
             r.environments if r.environments is not None else _TRUE)
            for r in requirements
        ]
        return self._expand(selected, parent=None, root=True)

    def _expand(
        self,
        selected: list[_Selected],
        *,
        parent: NormalizedName | None,
        root: bool = False,
    ) -> list[Dependency]:
        manifest = self._manifest
        merged: dict[Pkg, SpecifierSet] = {}
        envs: dict[Pkg, object] = {}
        order: list[Pkg] = []
        overridden: set[NormalizedName] = set()
        algebra = self.algebra
        last: dict[Pkg, list[tuple[str, object]]] = {}
        self.last_forks = last

        def add(pkg: Pkg, spec: SpecifierSet, env: object = _TRUE) -> None:
            have = merged.get(pkg)
            if have is None:
                merged[pkg] = spec
                envs[pkg] = env
                order.append(pkg)
            else:
                merged[pkg] = have & spec
                if algebra is not None:
                    before = envs[pkg]
                    envs[pkg] = algebra.or_(before, env)  # type: ignore[arg-type]
                    if before != env:
                        key = (parent or "", pkg)
                        self.forks.setdefault(key, [(str(have), before)]).append((str(spec), env))
                        last.setdefault(pkg, [(str(have), before)]).append((str(spec), env))
                # Remember what was merged, for "you require x==1 and x==2" in reports.
                self.merged[(parent or "", pkg)] = [*self.merged.get((parent or "", pkg), [str(have)]),
                                                   str(spec)]

        for name, extras, spec, _url, env in selected:
            if name == parent:
                # `pkg[all]` depending on `pkg[a,b]`: keep the extras, drop the self-edge.
                for e in extras:
                    add(Pkg(name, e), spec, env)
                continue
            overrides = manifest.overrides.get(name)
            if overrides is not None:
                # Overrides replace every requirement on the name, wherever it appears.
                if name in overridden:
                    continue
                overridden.add(name)
                for o in overrides:
                    add(Pkg(name), o.specifier, env)
                    for e in sorted(o.extras):
                        add(Pkg(name, e), o.specifier, env)
                continue
            add(Pkg(name), spec, env)
            for e in extras:
                add(Pkg(name, e), spec, env)
        # Constraints apply wherever their package is required.
        for pkg in list(order):
            if pkg.extra is None:
                for c in manifest.constraints.get(pkg.name, ()):
                    merged[pkg] = merged[pkg] & c.specifier
        del root
        if algebra is None:
            return [Dependency(pkg, merged[pkg], self._urls.get(pkg.name)) for pkg in order]
        return [Dependency(pkg, merged[pkg], self._urls.get(pkg.name), envs[pkg]) for pkg in order]


_TRUE: object = ((),)
