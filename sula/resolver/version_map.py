"""Version maps: for one package, its versions (newest first) and the best file of each for the target.

A project page lists files; the resolver wants versions. ``VersionMap`` groups the files of a
package by version once, sorts the versions descending, and decides per version — lazily, only
for the versions the solver looks at — which file it would use: the compatible wheel whose tag
ranks highest for the target, else the sdist when building is allowed. A version without a usable
file is kept with the reason, so that a failed resolution can say *why* it was skipped.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from sula.dist.filename import SdistFilename, WheelFilename

if TYPE_CHECKING:
    from sula.resolver.options import BinaryPolicy
    from sula.resolver.python import PythonTarget

__all__ = [
    "DistFile",
    "Incompatibility",
    "VersionEntry",
    "VersionMap",
]


class IndexFile(Protocol):
    """What the version map reads of an index file (``sula.client.File`` has these fields)."""

    @property
    def filename(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def requires_python(self) -> str | None: ...
    @property
    def yanked(self) -> bool: ...
    @property
    def yanked_reason(self) -> str | None: ...
    @property
    def hashes(self) -> Mapping[str, str]: ...


class DistFile(Protocol):
    """A file with its parsed name (``sula.client.DistFile``)."""

    @property
    def filename(self) -> WheelFilename | SdistFilename: ...
    @property
    def file(self) -> IndexFile: ...


class Incompatibility(enum.IntEnum):
    """Why a version cannot be used, most telling first (the lowest value wins for hints)."""

    NO_BUILD = 1          # only an sdist, and builds are disabled
    NO_BINARY = 2         # only wheels, and binaries are disabled
    TAGS = 3              # wheels exist but none fits the target platform/Python
    REQUIRES_PYTHON = 4   # every file requires a newer Python
    YANKED = 5            # every file is yanked
    NO_FILES = 6


class VersionEntry:
    """The files of one version and, once asked, the chosen file or the reason there is none."""

    __slots__ = ("_choice", "files", "version", "yanked", "yanked_reason")

    def __init__(self, version: Version) -> None:
        self.version = version
        self.files: list[DistFile] = []
        self.yanked = False
        self.yanked_reason: str | None = None
        # allow_yanked -> (file, reason); filled on first look.
        self._choice: dict[bool, tuple[DistFile | None, Incompatibility | None]] = {}


@dataclass(slots=True)
class _Target:
    name: NormalizedName
    python: PythonTarget
    binary: BinaryPolicy


class VersionMap:
    """All versions of one package, newest first.

    ``sources`` are file lists in priority order (the client already puts find-links first
    and drops files newer than ``--exclude-newer``); the first file with a given name wins.
    """

    def __init__(
        self,
        name: NormalizedName,
        sources: Iterable[Iterable[DistFile]],
        *,
        python: PythonTarget,
        binary: BinaryPolicy,
    ) -> None:
        self.name = name
        self._target = _Target(name, python, binary)
        by_text: dict[str, VersionEntry] = {}
        by_version: dict[Version, VersionEntry] = {}
        seen: set[str] = set()
        for files in sources:
            for f in files:
                fname = f.filename.filename
                if fname in seen:
                    continue
                seen.add(fname)
                text = f.filename.version_str
                entry = by_text.get(text)
                if entry is None:
                    try:
                        version = Version(text)
                    except InvalidVersion:
                        continue
                    entry = by_version.get(version)
                    if entry is None:
                        entry = by_version[version] = VersionEntry(version)
                    by_text[text] = entry
                entry.files.append(f)
        for entry in by_version.values():
            # A version is yanked when all of its files are (PEP 592 yanks files, pip yanks releases).
            if entry.files and all(f.file.yanked for f in entry.files):
                entry.yanked = True
                entry.yanked_reason = next(
                    (f.file.yanked_reason for f in entry.files if f.file.yanked_reason), None
                )
        self.entries: list[VersionEntry] = sorted(by_version.values(), key=lambda e: e.version,
                                                  reverse=True)
        self._by_version = by_version

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, version: Version) -> VersionEntry | None:
        return self._by_version.get(version)

    def versions(self) -> list[Version]:
        return [e.version for e in self.entries]

    def best_file(self, entry: VersionEntry, *, allow_yanked: bool = False) -> DistFile | None:
        """The file to use for ``entry``'s version, or ``None`` (see :meth:`reason`)."""
        return self._choose(entry, allow_yanked)[0]

    def reason(self, entry: VersionEntry, *, allow_yanked: bool = False) -> Incompatibility | None:
        """Why ``entry`` has no usable file, or ``None`` if it has one."""
        return self._choose(entry, allow_yanked)[1]

    def _choose(self, entry: VersionEntry, allow_yanked: bool
                ) -> tuple[DistFile | None, Incompatibility | None]:
        allow_yanked = allow_yanked or not entry.yanked
        choice = entry._choice.get(allow_yanked)
        if choice is None:
            choice = entry._choice[allow_yanked] = _choose(entry, self._target, allow_yanked)
        return choice


def _choose(entry: VersionEntry, target: _Target, allow_yanked: bool
            ) -> tuple[DistFile | None, Incompatibility | None]:
    """Pick the highest-ranked compatible wheel, else the sdist; else the best reason why not."""
    reasons: list[Incompatibility] = []
    best_wheel: DistFile | None = None
    best_rank: int | None = None
    sdist: DistFile | None = None
    wheels_ok = target.binary.allows_wheel(target.name)
    sdists_ok = target.binary.allows_sdist(target.name)
    for f in entry.files:
        file = f.file
        if file.yanked and not allow_yanked:
            reasons.append(Incompatibility.YANKED)
            continue
        rp = file.requires_python
        if rp and not target.python.satisfies_requires_python(rp):
            reasons.append(Incompatibility.REQUIRES_PYTHON)
            continue
        wheel = f.filename
        if isinstance(wheel, WheelFilename):
            if not wheels_ok:
                reasons.append(Incompatibility.NO_BINARY)
                continue
            rank = target.python.wheel_rank(wheel)
            if rank is None:
                reasons.append(Incompatibility.TAGS)
                continue
            # Lower rank = more specific tag; ties keep the first file listed.
            if best_rank is None or rank < best_rank:
                best_wheel, best_rank = f, rank
        else:
            if not sdists_ok:
                reasons.append(Incompatibility.NO_BUILD)
                continue
            if sdist is None:
                sdist = f
    if best_wheel is not None:
        return best_wheel, None
    if sdist is not None:
        return sdist, None
    if not reasons:
        return None, Incompatibility.NO_FILES
    # When wheels exist but fit no tag and the sdist is barred, "no build" explains it best
    # only if there was an sdist; otherwise the platform mismatch does.
    if Incompatibility.NO_BUILD in reasons and Incompatibility.TAGS in reasons:
        return None, Incompatibility.TAGS
    return None, min(reasons)
