"""Resolver options: pre-release and resolution modes, build/binary policy, the target Python."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sula._record import dataclass, field
from sula.distribution.names import NormalizedName

if TYPE_CHECKING:
    from packaging.version import Version

    from sula.client.settings import IndexSettings
    from sula.requirements.types import RequirementsSpec

__all__ = [
    "BinaryPolicy",
    "PrereleaseMode",
    "ResolutionMode",
    "ResolverOptions",
    "index_for",
]


class PrereleaseMode(enum.Enum):
    """When pre-release versions may be chosen (uv's ``--prerelease``)."""

    DISALLOW = "disallow"
    ALLOW = "allow"
    # uv >= 0.12's default: stable versions first; a pre-release when nothing else in the
    # range fits, for direct and transitive requirements alike.
    IF_NECESSARY = "if-necessary"
    EXPLICIT = "explicit"
    IF_NECESSARY_OR_EXPLICIT = "if-necessary-or-explicit"


class ResolutionMode(enum.Enum):
    """Which version of a range to try first (uv's ``--resolution``)."""

    HIGHEST = "highest"
    LOWEST = "lowest"
    LOWEST_DIRECT = "lowest-direct"


@dataclass(frozen=True, slots=True, kw_only=True)
class BinaryPolicy:
    """``--no-build``/``--only-binary`` and ``--no-binary``: which kinds of files may be used.

    ``None`` in a set position means "all packages" (``:all:``).
    """

    no_build_all: bool = False
    no_build: frozenset[NormalizedName] = frozenset()
    no_binary_all: bool = False
    no_binary: frozenset[NormalizedName] = frozenset()

    def allows_sdist(self, name: NormalizedName) -> bool:
        return not (self.no_build_all or name in self.no_build)

    def allows_wheel(self, name: NormalizedName) -> bool:
        # An explicit --only-binary for a package beats a global --no-binary (pip's rule).
        if name in self.no_build:
            return True
        return not (self.no_binary_all or name in self.no_binary)

    @classmethod
    def from_lists(cls, *, only_binary: list[str], no_binary: list[str], no_build: bool = False
                   ) -> BinaryPolicy:
        """Build from pip-style values: each item is a comma list of names, `:all:` or `:none:`."""
        from sula.distribution.names import canonicalize_name

        def expand(items: list[str]) -> tuple[bool, set[NormalizedName]]:
            all_ = False
            names: set[NormalizedName] = set()
            for item in items:
                for part in item.split(","):
                    part = part.strip()
                    if not part:
                        continue
                    if part == ":all:":
                        all_, names = True, set()
                    elif part == ":none:":
                        all_, names = False, set()
                    else:
                        names.add(canonicalize_name(part))
            return all_, names

        ob_all, ob = expand(only_binary)
        nb_all, nb = expand(no_binary)
        return cls(
            no_build_all=no_build or ob_all,
            no_build=frozenset(ob - nb) if not ob_all else frozenset(),
            no_binary_all=nb_all and not no_build,
            no_binary=frozenset(nb - ob),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolverOptions:
    """Everything about *how* to resolve that is not a requirement."""

    prerelease: PrereleaseMode = PrereleaseMode.IF_NECESSARY
    resolution: ResolutionMode = ResolutionMode.HIGHEST
    binary: BinaryPolicy = field(default_factory=BinaryPolicy)
    exclude_newer: datetime | None = None
    # The Python the resolution is for (``--python-version`` or the interpreter's).
    python_version: Version | None = None
    # Metadata fetches started ahead of the solver when a version is chosen.
    prefetch: int = 16


def index_for(index: IndexSettings, spec: RequirementsSpec | None) -> IndexSettings:
    """The command line's index settings with the options of requirements files merged in,
    for compile, install, sync and ``venv --seed`` alike.

    The command line's ``--index-url`` wins over a file's (uv's rule; pip lets a file's
    ``--index-url`` replace it); extra indexes and find-links of both add up, the command
    line's first, duplicates dropped (so merging twice changes nothing); ``--no-index`` in
    either applies.
    """
    from sula._record import replace

    if spec is None:
        return index
    return replace(
        index,
        index_url=index.index_url or (spec.index_url.url if spec.index_url else None),
        extra_index_urls=tuple(
            dict.fromkeys([*index.extra_index_urls, *(u.url for u in spec.extra_index_urls)])
        ),
        find_links=tuple(dict.fromkeys([*index.find_links, *(u.url for u in spec.find_links)])),
        no_index=index.no_index or spec.no_index,
    )
