"""Candidate selection: which version of a package to try next, given a range and the modes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from sula._record import dataclass, field
from sula.distribution.names import NormalizedName
from sula.resolver.options import PrereleaseMode, ResolutionMode

if TYPE_CHECKING:
    from packaging.version import Version

    from sula.resolver.manifest import Manifest
    from sula.resolver.options import ResolverOptions
    from sula.resolver.version_map import DistFile, VersionEntry, VersionMap

__all__ = ["Candidate", "CandidateSelector"]

Contains = Callable[["Version"], bool]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A chosen version and the file that will provide its metadata (and, later, its install)."""

    name: NormalizedName
    version: Version
    file: DistFile


@dataclass(slots=True, kw_only=True)
class CandidateSelector:
    """Picks versions the way uv does.

    * ``preferences`` (pins from an existing output file) win when they are in range;
    * ``--resolution highest`` takes the newest version, ``lowest`` the oldest, ``lowest-direct``
      the oldest for direct requirements only;
    * pre-releases follow ``--prerelease``: with ``if-necessary`` (the default) a stable version
      in range always wins, and a pre-release is taken only when the range has no stable one;
    * yanked versions are only chosen when ``allowed_yanks`` names them (``==`` pins in the input).
    """

    prerelease: PrereleaseMode = PrereleaseMode.IF_NECESSARY
    resolution: ResolutionMode = ResolutionMode.HIGHEST
    direct: frozenset[NormalizedName] = frozenset()
    # Packages whose requirements name a pre-release (``foo>=2.0b1``): "explicit" modes.
    explicit_prereleases: frozenset[NormalizedName] = frozenset()
    preferences: Mapping[NormalizedName, Version] = field(default_factory=dict)
    allowed_yanks: Mapping[NormalizedName, frozenset[Version]] = field(default_factory=dict)

    @classmethod
    def for_manifest(
        cls,
        manifest: Manifest,
        options: ResolverOptions,
    ) -> CandidateSelector:
        """The selector for ``manifest``'s direct requirements, pins and yanks under ``options``."""
        return cls(
            prerelease=options.prerelease,
            resolution=options.resolution,
            direct=manifest.direct,
            explicit_prereleases=manifest.explicit_prereleases(),
            preferences=manifest.preferences,
            allowed_yanks=manifest.allowed_yanks(),
        )

    def allows_prerelease(self, name: NormalizedName, vmap: VersionMap) -> bool | None:
        """True: pre-releases compete with stable versions; False: never; None: only as a fallback."""
        mode = self.prerelease
        if mode is PrereleaseMode.ALLOW:
            return True
        if mode is PrereleaseMode.DISALLOW:
            return False
        if mode is PrereleaseMode.IF_NECESSARY:
            return None
        explicit = name in self.explicit_prereleases
        if mode is PrereleaseMode.EXPLICIT:
            return explicit
        # if-necessary-or-explicit: explicit packages, or packages that only have pre-releases.
        if explicit:
            return True
        return all(e.is_prerelease for e in vmap.entries) if vmap.entries else False

    def _usable(self, name: NormalizedName, entry: VersionEntry, vmap: VersionMap) -> DistFile | None:
        yanks = self.allowed_yanks.get(name)
        return vmap.best_file(entry, allow_yanked=yanks is not None and entry.version in yanks)

    def select(self, name: NormalizedName, contains: Contains, vmap: VersionMap) -> Candidate | None:
        """The version to try for ``name`` within ``contains``, or ``None`` when none is usable."""
        allow = self.allows_prerelease(name, vmap)
        pref = self.preferences.get(name)
        if pref is not None and contains(pref) and (allow is not False or not pref.is_prerelease):
            entry = vmap.get(pref)
            if entry is not None:
                file = self._usable(name, entry, vmap)
                if file is not None:
                    return Candidate(name, entry.version, file)
        lowest = self.resolution is ResolutionMode.LOWEST or (
            self.resolution is ResolutionMode.LOWEST_DIRECT and name in self.direct
        )
        entries = reversed(vmap.entries) if lowest else iter(vmap.entries)
        fallback: Candidate | None = None
        for entry in entries:
            pre = entry.is_prerelease
            if pre and allow is False:
                continue
            if pre and allow is None:
                if fallback is not None:
                    continue
                version = entry.version
                if not contains(version):
                    continue
                file = self._usable(name, entry, vmap)
                if file is not None:
                    fallback = Candidate(name, version, file)
                continue
            version = entry.version
            if not contains(version):
                continue
            file = self._usable(name, entry, vmap)
            if file is not None:
                return Candidate(name, version, file)
        return fallback

    def skipped_prereleases(self, name: NormalizedName, contains: Contains, vmap: VersionMap
                            ) -> list[Version]:
        """Pre-releases in range that the mode kept out (for the "pre-releases are available" hint)."""
        if self.allows_prerelease(name, vmap) is not False:
            return []
        return [e.version for e in vmap.entries if e.is_prerelease and contains(e.version)]
