"""The manifest: what a resolution must satisfy — requirements, constraints, overrides, preferences.

Built from a ``RequirementsSpec`` with markers already evaluated for the target environment, so
that the solver only sees what applies. Requirement markers that name an ``extra`` are evaluated
per extra by :mod:`sula.resolver.dependencies`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from sula._record import dataclass, field
from sula.distribution.names import NormalizedName
from sula.resolver.graph import SourceAnnotation, SourceKind

if TYPE_CHECKING:
    from packaging.markers import Marker

    from sula.distribution.simple_marker import SimpleMarker
    from sula.requirements.types import RequirementEntry, RequirementsSpec, UrlRequirement
    from sula.resolver.markers import Dnf, MarkerAlgebra

__all__ = ["Manifest", "ManifestRequirement", "read_preferences"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestRequirement:
    """One input requirement, named, with its source for ``# via`` annotations.

    ``url`` is set for direct URL/path requirements; ``marker_text`` is the input's marker
    (kept for the output), ``None`` when the input had none.
    """

    name: NormalizedName
    extras: frozenset[NormalizedName] = frozenset()
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    url: UrlRequirement | None = None
    editable: bool = False
    marker_text: str | None = None
    source: SourceAnnotation | None = None
    # Universal resolution: the environments the marker selects, else None.
    environments: Dnf | None = None


@dataclass(slots=True, kw_only=True)
class Manifest:
    """Everything the solver must satisfy or should prefer."""

    requirements: list[ManifestRequirement] = field(default_factory=list)
    constraints: dict[NormalizedName, list[ManifestRequirement]] = field(default_factory=dict)
    overrides: dict[NormalizedName, list[ManifestRequirement]] = field(default_factory=dict)
    preferences: dict[NormalizedName, Version] = field(default_factory=dict)

    @property
    def direct(self) -> frozenset[NormalizedName]:
        return frozenset(r.name for r in self.requirements)

    def all_requirements(self) -> Iterable[ManifestRequirement]:
        yield from self.requirements
        for items in self.constraints.values():
            yield from items
        for items in self.overrides.values():
            yield from items

    def urls(self) -> dict[NormalizedName, ManifestRequirement]:
        """Names pinned to a direct URL or path by any input (requirements, constraints, overrides)."""
        out: dict[NormalizedName, ManifestRequirement] = {}
        for req in self.all_requirements():
            if req.url is not None:
                out.setdefault(req.name, req)
        return out

    def explicit_prereleases(self) -> frozenset[NormalizedName]:
        """Packages whose input specifiers name a pre-release (``foo>=2.0b1``)."""
        out: set[NormalizedName] = set()
        for req in self.all_requirements():
            for spec in req.specifier:
                text = spec.version.removesuffix(".*")
                try:
                    if Version(text).is_prerelease:
                        out.add(req.name)
                except ValueError:
                    continue
        return frozenset(out)

    def allowed_yanks(self) -> dict[NormalizedName, frozenset[Version]]:
        """Versions pinned with ``==``/``===`` in the inputs: the only yanked versions allowed."""
        out: dict[NormalizedName, set[Version]] = {}
        for req in self.all_requirements():
            for spec in req.specifier:
                if spec.operator in ("==", "===") and not spec.version.endswith(".*"):
                    try:
                        out.setdefault(req.name, set()).add(Version(spec.version))
                    except ValueError:
                        continue
        return {name: frozenset(vs) for name, vs in out.items()}

    @classmethod
    def from_spec(
        cls,
        spec: RequirementsSpec,
        *,
        markers: Mapping[str, str],
        preferences: Mapping[NormalizedName, Version] | None = None,
        project_names: Mapping[str, str] | None = None,
        algebra: MarkerAlgebra | None = None,
    ) -> Manifest:
        """Convert a parsed spec; entries whose markers are false for ``markers`` are dropped.

        ``project_names`` maps a pyproject.toml's origin name to its ``[project] name`` (for
        ``myproj (pyproject.toml)`` annotations). With ``algebra`` (universal resolution)
        markers are not evaluated for one environment: entries are kept when their marker
        can hold for some environment, with those environments attached.
        """
        names = dict(project_names or {})
        manifest = cls(preferences=dict(preferences or {}))
        for entry in (*spec.requirements, *spec.editables):
            req = _convert(entry, SourceKind.REQUIREMENT, markers, names, algebra)
            if req is not None:
                manifest.requirements.append(req)
        for entry in spec.constraints:
            req = _convert(entry, SourceKind.CONSTRAINT, markers, names, algebra)
            if req is not None:
                manifest.constraints.setdefault(req.name, []).append(req)
        for entry in spec.overrides:
            req = _convert(entry, SourceKind.OVERRIDE, markers, names, algebra)
            if req is not None:
                manifest.overrides.setdefault(req.name, []).append(req)
        return manifest


def _source(entry: RequirementEntry, kind: SourceKind, project_names: Mapping[str, str]
            ) -> SourceAnnotation | None:
    origin = entry.origin
    if origin.name in ("-", "command line", "<stdin>") and origin.path is None:
        return None
    # `pyproject.toml`, or one of its dependency groups (`pyproject.toml:test`).
    in_pyproject = origin.path is not None and origin.path.name == "pyproject.toml"
    if kind is SourceKind.REQUIREMENT and (in_pyproject or origin.name.endswith("pyproject.toml")):
        project = project_names.get(origin.name) or _project_name(origin.path)
        if project:
            return SourceAnnotation(SourceKind.PROJECT, origin.name, project)
    return SourceAnnotation(kind, origin.name)


def _project_name(path: Path | None) -> str | None:
    if path is None:
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, ValueError):
        return None
    name = data.get("project", {}).get("name")
    return name if isinstance(name, str) else None


def _convert(
    entry: RequirementEntry,
    kind: SourceKind,
    markers: Mapping[str, str],
    project_names: Mapping[str, str],
    algebra: MarkerAlgebra | None = None,
) -> ManifestRequirement | None:
    from sula.requirements.types import RegistryRequirement
    from sula.resolver.errors import UnnamedRequirementError

    req = entry.requirement
    marker: Marker | SimpleMarker | None = req.marker
    environments: Dnf | None = None
    if algebra is not None:
        environments = algebra.from_marker(marker)
        if algebra.is_false(environments):
            return None
    elif marker is not None and not marker.evaluate(dict(markers, extra="")):
        return None
    source = _source(entry, kind, project_names)
    marker_text = str(marker) if marker is not None else None
    if isinstance(req, RegistryRequirement):
        return ManifestRequirement(
            name=req.name, extras=req.extras, specifier=req.specifier,
            marker_text=marker_text, source=source, environments=environments,
        )
    if req.name is None:
        raise UnnamedRequirementError(req.url.given)
    return ManifestRequirement(
        name=req.name, extras=req.extras, url=req, editable=entry.editable, marker_text=marker_text,
        source=source, environments=environments,
    )


def read_preferences(path: Path) -> dict[NormalizedName, Version]:
    """Pins (``name==version``) of an existing output file, to keep them on re-resolution.

    Lines that are not exact pins (URLs, options, comments, hash continuations) are skipped; a
    missing or unreadable file gives no preferences.
    """
    # Parsed as Requires-Dist lines are (sula.resolver.dependencies): the common shapes a
    # compile writes without packaging's requirement parser, whose import (its marker parser
    # and packaging.tags) would be most of an offline re-resolve's start-up.
    from sula.resolver.dependencies import parse_strict

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    out: dict[NormalizedName, Version] = {}
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip().rstrip("\\").strip()
        if not line or line.startswith(("#", "-")):
            continue
        req = parse_strict(line)
        if req is None or req.url is not None:
            continue
        specs = list(req.specifier)
        if len(specs) == 1 and specs[0].operator == "==":
            try:
                out[req.name] = Version(specs[0].version)
            except ValueError:
                continue
    return out
