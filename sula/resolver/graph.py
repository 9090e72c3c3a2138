"""The resolution graph: pinned distributions, who asked for each (packages and input files)."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sula._record import dataclass, field
from sula.distribution.names import NormalizedName

if TYPE_CHECKING:
    from packaging.version import Version

    from sula.client.types import DistFile
    from sula.distribution.dist import Dist
    from sula.resolver.markers import Dnf

__all__ = ["ResolutionGraph", "ResolvedDist", "SourceAnnotation", "SourceKind"]


class SourceKind(enum.IntEnum):
    """What kind of input named a package; the order is the order of ``# via`` lines (uv's)."""

    CONSTRAINT = 0
    OVERRIDE = 1
    REQUIREMENT = 2
    PROJECT = 3


@dataclass(frozen=True, slots=True, order=True)
class SourceAnnotation:
    """An input that named a package: ``-r requirements.in``, ``-c c.txt``, ``myproj (pyproject.toml)``."""

    kind: SourceKind
    path: str
    project: str = ""

    def __str__(self) -> str:
        match self.kind:
            case SourceKind.CONSTRAINT:
                return f"-c {self.path}"
            case SourceKind.OVERRIDE:
                return f"--override {self.path}"
            case SourceKind.REQUIREMENT:
                return f"-r {self.path}"
            case SourceKind.PROJECT:
                return f"{self.project} ({self.path})"


@dataclass(slots=True, kw_only=True)
class ResolvedDist:
    """One pinned distribution of a resolution.

    ``url`` is the direct URL exactly as the user wrote it (``None`` for index packages);
    ``dist`` is what the pin resolved to: the ``TreeSource`` of a directory or git requirement
    (a git one at its commit), else the file chosen for the pinned version, whose metadata the
    resolution read; ``hashes`` are ``algo:digest`` strings of every file of the pinned version
    (for ``--generate-hashes``); ``marker`` is the input's marker text, kept for the output.
    """

    name: NormalizedName
    version: Version
    extras: set[NormalizedName] = field(default_factory=set)
    url: str | None = None
    editable: bool = False
    local: bool = False
    dist: Dist | None = None
    file_url: str | None = None
    filename: str | None = None
    index: str | None = None
    hashes: list[str] = field(default_factory=list)
    marker: str | None = None
    requires_python: str | None = None
    # Every file of the pinned version (client DistFiles), for a pylock.toml's wheels and sdist.
    files: list[DistFile] = field(default_factory=list)
    # Universal resolution: the environments that need this pin.
    environments: Dnf | None = None

    def pin(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(slots=True)
class ResolutionGraph:
    """The answer of a resolution: distributions by name, and the edges that explain each one."""

    dists: dict[NormalizedName, ResolvedDist] = field(default_factory=dict)
    # child -> parents (package names, extras folded into their base package)
    parents: dict[NormalizedName, set[NormalizedName]] = field(default_factory=dict)
    # package -> the inputs that named it
    sources: dict[NormalizedName, set[SourceAnnotation]] = field(default_factory=dict)
    # Universal resolution with forks: further versions of packages in ``dists``, each
    # with its own marker (``dists`` holds one version per name).
    forked: list[ResolvedDist] = field(default_factory=list)
    # ... and who asked for each of those versions, (name, version) -> parents (as uv
    # annotates each version with the forks that chose it); else ``parents`` holds.
    pin_parents: dict[tuple[NormalizedName, Version], set[NormalizedName]] = field(
        default_factory=dict)

    def __repr__(self) -> str:
        # Short: asyncio.run() formats the repr of its main task, and so of the graph it
        # returned, on the way out (signal.getsignal on the SIGINT handler): the full repr
        # of a 190-package graph took ~40 ms of an offline compile.
        return f"ResolutionGraph({len(self.dists)} dists, {len(self.forked)} forked)"

    def __len__(self) -> int:
        return len(self.dists)

    def __iter__(self) -> Iterator[ResolvedDist]:
        return iter(self.dists.values())

    def pins(self) -> dict[str, str]:
        """``{"flask": "3.1.2", ...}``: every package's pinned version, as strings."""
        return {str(name): str(d.version) for name, d in self.dists.items()}

    def versions(self) -> dict[NormalizedName, Version]:
        """Every package's pinned version as a ``packaging`` ``Version``."""
        return {name: d.version for name, d in self.dists.items()}

    def sorted(self) -> list[ResolvedDist]:
        return [self.dists[n] for n in sorted(self.dists)]

    def all_sorted(self) -> list[ResolvedDist]:
        """Every pin, forked versions included: editables first (as uv writes them), then by
        name and version (the output order)."""
        return sorted([*self.dists.values(), *self.forked],
                      key=lambda d: (not d.editable, d.name, d.version))

    def count(self) -> int:
        """Pins in the output (a package resolved differently per fork counts once per version)."""
        return len(self.dists) + len(self.forked)
