"""Version maps: for one package, its versions (newest first) and the best file of each for the target.

A project page lists files; the resolver wants versions. ``VersionMap`` groups the files of a
package by version once, sorts the versions descending, and decides per version — lazily, only
for the versions the solver looks at — which file it would use: the compatible wheel whose tag
ranks highest for the target, else the sdist when building is allowed. A version without a usable
file is kept with the reason, so that a failed resolution can say *why* it was skipped.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, Protocol

from packaging.version import Version

from sula._record import dataclass
from sula.distribution.dist import Listed, ListedFile
from sula.distribution.filename import WheelFilename
from sula.distribution.names import NormalizedName
from sula.distribution.version_keys import PLAIN_KEYS, key_of, plain_key, plain_match, version_key

if TYPE_CHECKING:
    from sula.resolver.options import BinaryPolicy
    from sula.resolver.python import PythonTarget

__all__ = [
    "DistFile",
    "Incompatibility",
    "VersionEntry",
    "VersionMap",
]


class IndexFile(ListedFile, Protocol):
    """What the version map reads of an index file (``sula.client.File`` has these fields)."""

    @property
    def filename(self) -> str: ...
    @property
    def requires_python(self) -> str | None: ...
    @property
    def yanked(self) -> bool: ...
    @property
    def yanked_reason(self) -> str | None: ...


class DistFile(Listed, Protocol):
    """A file with its parsed name (``sula.client.DistFile``)."""

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
    """The files of one version and, once asked, the chosen file or the reason there is none.

    ``version`` is parsed on first access: the selector usually looks at a handful of the
    newest versions of a package, so most entries never need a ``Version`` object.
    """

    __slots__ = ("_choice", "_files", "_group", "_version", "_yanked", "is_prerelease", "text")

    def __init__(self, text: str, version: Version | None, is_prerelease: bool) -> None:
        self.text = text
        self._version = version
        self.is_prerelease = is_prerelease
        self._files: Sequence[DistFile] | None = None
        # Or the files, still encoded (``sula.client.types.FileGroup``): decoded on first look.
        self._group: FileGroup | None = None
        # (yanked, reason), computed on first look.
        self._yanked: tuple[bool, str | None] | None = None
        # allow_yanked -> (file, reason); filled on first look.
        self._choice: dict[tuple[int, bool], tuple[DistFile | None, Incompatibility | None]] | None = None

    @property
    def files(self) -> Sequence[DistFile]:
        files = self._files
        if files is None:
            files = self._files = self._group.files() if self._group is not None else []
        return files

    @files.setter
    def files(self, files: Sequence[DistFile]) -> None:
        self._files = files
        self._group = None

    def _has_files(self) -> bool:
        return bool(self._files) or self._group is not None

    @property
    def version(self) -> Version:
        version = self._version
        if version is None:
            version = self._version = Version(self.text)
        return version

    def _yanks(self) -> tuple[bool, str | None]:
        y = self._yanked
        if y is None:
            files = self.files
            # A version is yanked when all of its files are (PEP 592 yanks files, pip yanks releases).
            if files and all(f.file.yanked for f in files):
                y = (True, next((f.file.yanked_reason for f in files if f.file.yanked_reason), None))
            else:
                y = (False, None)
            self._yanked = y
        return y

    @property
    def yanked(self) -> bool:
        return self._yanks()[0]

    @property
    def yanked_reason(self) -> str | None:
        return self._yanks()[1]


_version_str = attrgetter("filename.version_str")


class FileGroup(Protocol):
    """The files of one version text, decoded on demand (``sula.client.types.FileGroup``)."""

    @property
    def version_str(self) -> str: ...
    def files(self) -> Sequence[DistFile]: ...


class _Respelled(Exception):
    """Two texts of one version on one page (``1.0``, ``1.0.0``): group the files instead."""


@dataclass(slots=True)
class _Target:
    name: NormalizedName
    python: PythonTarget
    binary: BinaryPolicy
    # The same number for targets that choose the same files: a page's entries (and the
    # files they chose) are shared by the resolutions of one process.
    key: int


_TARGET_KEYS: dict[tuple[Any, ...], int] = {}


def _target(name: NormalizedName, python: PythonTarget, binary: BinaryPolicy) -> _Target:
    """What ``_choose`` reads: the Python version (Requires-Python), the tags, the policy
    (the entries are one package's: its name need not be part of the key)."""
    tags = tuple(python.tags) if python.tags is not None else None
    sig = (python.version, tags, binary)
    key = _TARGET_KEYS.get(sig)
    if key is None:
        key = _TARGET_KEYS[sig] = len(_TARGET_KEYS)
    return _Target(name, python, binary, key)


class _StoredGroups(Protocol):
    """``sula.client.types.FileGroups``: a page's groups, each made when first reached."""

    def __len__(self) -> int: ...
    def __getitem__(self, k: int) -> FileGroup: ...
    def __iter__(self) -> Iterator[FileGroup]: ...
    def kind_at(self, k: int) -> int:
        """Negative: the page's versions are not stored in order; else, stored newest
        first, 0 a release, 1 a pre-release, 2 not a valid version, 3 another spelling of
        the version before (``client.types.PageGroup.kind``)."""

    def continues(self, k: int) -> bool: ...
    def version_kind(self, k: int) -> int: ...
    def merged(self, start: int, end: int) -> FileGroup: ...


class _StoredEntries(Sequence[VersionEntry]):
    """The entries of a page stored newest first, each made when first reached: the selector
    walks a few of the newest versions of a package, so most entries of a long page (and
    their groups) are never made. A sequence for what walks them all (hints, ``versions``).
    The spellings of one version (stored together) make one entry."""

    __slots__ = ("_groups", "_n", "_next", "made")

    def __init__(self, groups: _StoredGroups) -> None:
        n = len(groups)
        while n and groups.kind_at(n - 1) == 2:  # the invalid versions, stored last
            n -= 1
        self._groups = groups
        self._n = n  # the groups of valid versions
        self._next = 0  # the first group no entry is made of yet
        self.made: list[VersionEntry] = []  # the first len(made) entries

    def _make(self) -> VersionEntry | None:
        """The next entry, or None when every group has one."""
        groups, j, n = self._groups, self._next, self._n
        if j >= n:
            return None
        end = j + 1
        while end < n and groups.continues(end):
            end += 1
        group = groups[j] if end == j + 1 else groups.merged(j, end)
        entry = VersionEntry(group.version_str, None, groups.version_kind(j) == 1)
        entry._group = group
        self._next = end
        self.made.append(entry)
        return entry

    def _upto(self, k: int) -> VersionEntry | None:
        made = self.made
        while len(made) <= k:
            if self._make() is None:
                return None
        return made[k]

    def __bool__(self) -> bool:
        return self._n > 0

    def __len__(self) -> int:
        while self._make() is not None:
            pass
        return len(self.made)

    def __getitem__(self, k: int) -> VersionEntry:  # type: ignore[override]
        made = self.made
        if 0 <= k < len(made):
            return made[k]
        if k < 0:
            k += len(self)
        entry = self._upto(k) if k >= 0 else None
        if entry is None:
            raise IndexError(k)
        return entry

    def __iter__(self) -> Iterator[VersionEntry]:
        made = self.made
        k = 0
        while True:
            if k < len(made) or self._make() is not None:
                yield made[k]
            else:
                return
            k += 1

    def __reversed__(self) -> Iterator[VersionEntry]:
        len(self)
        return reversed(self.made)


class _Lookup:
    """The entries of a map read in a stored order, by version: by the page's own spelling
    first (the version asked for usually came from this map, so one text lookup does), by
    key once another spelling is asked for (made then, for every entry). Kept with the
    entries (``derived``), so the resolutions of one process share it."""

    __slots__ = ("_by_key", "_by_text", "_entries")

    def __init__(self, entries: _StoredEntries) -> None:
        self._entries = entries
        self._by_text: dict[str, VersionEntry] | None = None
        self._by_key: dict[Any, VersionEntry] | None = None

    def get(self, version: Version) -> VersionEntry | None:
        text = str(version)
        by_text = self._by_text
        if by_text is None:
            entries = self._entries
            if len(entries.made) <= 32:
                for entry in entries.made:  # made so far: where the version came from
                    if entry.text == text:
                        return entry
            by_text = self._by_text = {e.text: e for e in entries}
        hit = by_text.get(text)
        if hit is not None:
            return hit
        by_key = self._by_key
        if by_key is None:
            by_key = {}
            for entry in self._entries:
                keyed = version_key(entry.text)
                assert keyed is not None  # stored as a valid version
                by_key[keyed[0]] = entry
            self._by_key = by_key
        return by_key.get(key_of(version))


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
        self._target = _target(name, python, binary)
        # Group by version text first (one dict operation per file), then key each text once.
        by_text: dict[str, Any] = {}
        source_list = list(sources)
        if len(source_list) == 1:
            # Pages list a version's files together: group runs in C, merge the rare repeats.
            for text, run in groupby(source_list[0], _version_str):
                group = by_text.get(text)
                if group is None:
                    by_text[text] = list(run)
                else:
                    group.extend(run)
        else:
            seen: set[str] = set()
            for files in source_list:
                for f in files:
                    fname = f.filename.filename
                    if fname in seen:
                        continue
                    seen.add(fname)
                    text = f.filename.version_str
                    group = by_text.get(text)
                    if group is None:
                        by_text[text] = [f]
                    else:
                        group.append(f)
        by_key: dict[Any, VersionEntry] = {}
        merged: dict[str, VersionEntry] = {}
        for text, group in by_text.items():
            keyed = version_key(text)
            if keyed is None:
                continue
            key, version, pre = keyed
            entry = by_key.get(key)
            if entry is None:
                entry = by_key[key] = VersionEntry(text, version, pre)
            if entry._has_files():
                # Two spellings of one version (``1.0``, ``1.0.0``): rare; listed order below.
                merged[entry.text] = merged[text] = entry
            else:
                entry.files = group
        if merged:
            lists: dict[str, list[DistFile]] = {}
            for text, entry in merged.items():
                entry.files = lists.setdefault(entry.text, [])
                lists[text] = lists[entry.text]
            seen = set[str]()
            for files in source_list:
                for f in files:
                    fname = f.filename.filename
                    if fname in seen:
                        continue
                    seen.add(fname)
                    hit = lists.get(f.filename.version_str)
                    if hit is not None:
                        hit.append(f)
        # The first text seen for a version names it (``1.0`` and ``1.0.0`` share an entry).
        self.entries: Sequence[VersionEntry] = [
            by_key[k] for k in sorted(by_key, reverse=True)
        ]
        self._by_key: dict[Any, VersionEntry] | _Lookup = by_key

    @classmethod
    def of_groups(cls, name: NormalizedName, groups: Sequence[FileGroup] | _StoredGroups,
                  files: Callable[[], Iterable[DistFile]], *, python: PythonTarget,
                  binary: BinaryPolicy, derived: dict[str, object] | None = None) -> VersionMap:
        """The map of one page's ``groups``, whose files are decoded only for the versions
        looked at; ``files`` (all of them, in the page's order) when a version has two
        spellings there. The entries are kept in ``derived`` (the client keeps it with the
        groups: a second resolution of the page sorts and decodes nothing again)."""
        # The entries are kept with the groups: what they cache (parsed versions, decoded
        # files, the file each target chose) holds for every resolution of the page.
        made = derived.get("entries") if derived is not None else None
        kind_at = getattr(groups, "kind_at", None)
        if made is None and groups and kind_at is not None and kind_at(0) >= 0:
            # Stored newest first, each with its kind (client.types.group_rows): no keys,
            # no sort, entries made as the selector reaches them; a version's key is made
            # only if it is looked up by another spelling.
            stored = _StoredEntries(groups)  # type: ignore[arg-type]
            made = (stored, _Lookup(stored))
            if derived is not None:
                derived["entries"] = made
        if made is None:
            try:
                versions = _sorted_versions(groups)
            except _Respelled:
                merged = cls(name, [files()], python=python, binary=binary)
                made = (merged.entries, merged._by_key)
            else:
                entries = []
                by_key: dict[Any, VersionEntry] = {}
                for key, text, version, pre, group in versions:
                    entry = VersionEntry(text, version, pre)
                    entry._group = group
                    entries.append(entry)
                    by_key[key] = entry
                made = (entries, by_key)
            if derived is not None:
                derived["entries"] = made
        self = cls.__new__(cls)
        self.name = name
        self._target = _target(name, python, binary)
        self.entries, self._by_key = made  # type: ignore[misc]
        return self

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, version: Version) -> VersionEntry | None:
        by_key = self._by_key
        if isinstance(by_key, _Lookup):
            return by_key.get(version)
        return by_key.get(key_of(version))

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
        cache = entry._choice
        if cache is None:
            cache = entry._choice = {}
        target = self._target
        choice = cache.get((target.key, allow_yanked))
        if choice is None:
            choice = cache[(target.key, allow_yanked)] = _choose(entry, target, allow_yanked)
        return choice


def _sorted_versions(groups: Iterable[FileGroup]
                     ) -> list[tuple[Any, str, Version | None, bool, FileGroup]]:
    """``(key, text, version, is_prerelease, group)`` of each group's version, newest first
    (``VersionMap.__init__``'s keys); ``_Respelled`` when two groups name one version."""
    # Every version of every page is keyed here (~20,000 for requirements.in): the plain
    # release strings (nine in ten) are keyed inline, a text seen before from a dict.
    out = []
    seen: set[Any] = set()
    known = PLAIN_KEYS
    plain = plain_match
    version: Version | None
    for group in groups:
        text = group.version_str
        key = known.get(text)
        if key is not None or (plain is not None and plain(text) and (key := plain_key(text))):
            version, pre = None, False
        else:
            keyed = version_key(text)
            if keyed is None:
                continue
            key, version, pre = keyed
        size = len(seen)
        seen.add(key)
        if len(seen) == size:
            raise _Respelled(text)
        out.append((key, text, version, pre, group))
    out.sort(key=itemgetter(0), reverse=True)
    return out


def _choose(entry: VersionEntry, target: _Target, allow_yanked: bool
            ) -> tuple[DistFile | None, Incompatibility | None]:
    """Pick the highest-ranked compatible wheel, else the sdist; else the best reason why not.

    When the sdist is the choice but the version has wheels for other platforms, the first
    of those is returned instead, as uv resolves: the wheels and the sdist of one version
    carry the same metadata, and a wheel's is read without a build (pandas 1.5.3 has no wheel
    for 3.13 and an sdist that no longer builds). The installer still builds the sdist: it
    chooses the file to install for the target itself (``installer.choose.choose_file``)."""
    reasons: list[Incompatibility] = []
    best_wheel: DistFile | None = None
    best_rank: int | None = None
    other_wheel: DistFile | None = None  # fits another platform: its metadata stands for the sdist's
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
                if other_wheel is None:
                    other_wheel = f
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
        return (other_wheel or sdist), None
    if not reasons:
        return None, Incompatibility.NO_FILES
    # When wheels exist but fit no tag and the sdist is barred, "no build" explains it best
    # only if there was an sdist; otherwise the platform mismatch does.
    if Incompatibility.NO_BUILD in reasons and Incompatibility.TAGS in reasons:
        return None, Incompatibility.TAGS
    return None, min(reasons)
