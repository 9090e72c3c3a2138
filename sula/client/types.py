"""What the index client returns: files of a package, as listed by an index or a flat index."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import msgspec

from sula._log import getLogger
from sula.distribution.filename import (
    SDIST_EXTENSIONS,
    DistFilename,
    FilenameError,
    SdistFilename,
    WheelFilename,
    parse_dist_filename,
)
from sula.distribution.names import NormalizedName

if TYPE_CHECKING:
    from collections.abc import Iterator

    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

__all__ = [
    "DistFile",
    "DistRow",
    "File",
    "PackageFiles",
    "datetime_micros",
    "dist_files",
    "parse_dist_files",
    "parse_dist_rows",
    "upload_micros",
]

_log = getLogger(__name__)

HASH_ALGORITHMS = ("sha256", "sha384", "sha512", "sha224", "sha1", "md5")


class File(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """One file of a project page (PEP 503/691) or of a find-links listing.

    ``url`` is absolute and carries no credentials (the client keeps them per host).
    ``core_metadata`` is ``None`` when no PEP 658 ``.metadata`` file is offered, ``{}`` when
    one is offered without a hash, else that file's hashes.

    Stored as a msgpack array and never tracked by the cyclic GC (it holds only strings and
    dicts of strings): a warm run decodes ~100,000 of them, and GC passes over that many
    tracked objects cost more than decoding them.
    """

    filename: str
    url: str
    hashes: dict[str, str] = {}
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    size: int | None = None
    upload_time: str | None = None
    core_metadata: dict[str, str] | None = None

    def requires_python_specifier(self) -> SpecifierSet | None:
        """The parsed ``Requires-Python``; ``None`` when absent or invalid (logged)."""
        if not self.requires_python:
            return None
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            return SpecifierSet(self.requires_python)
        except InvalidSpecifier:
            _log.debug("Ignoring invalid requires-python `%s` of `%s`", self.requires_python,
                       self.filename)
            return None

    def best_hash(self) -> tuple[str, str] | None:
        """The strongest ``(algorithm, hex digest)`` the index gave, if any."""
        for algo in HASH_ALGORITHMS:
            value = self.hashes.get(algo)
            if value:
                return algo, value
        return None

    @property
    def metadata_url(self) -> str:
        """The PEP 658 ``.metadata`` URL (meaningful only when ``core_metadata`` is not None)."""
        base, _, _frag = self.url.partition("#")
        return base + ".metadata"


class DistFile(msgspec.Struct, frozen=True, gc=False):
    """A file whose name parsed as a wheel or an sdist, and the index it came from.

    ``index`` is the index or find-links location (no credentials); it keys the cache.
    ``DistFile(filename, file, index)``; a Struct rather than a dataclass because a big
    resolution makes one per listed file (its C ``__init__`` is ~10x cheaper).
    """

    filename: DistFilename
    file: File
    index: str


class DistRow(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A listed file with its parsed name, as stored in the simple-page cache entry.

    Exactly one of ``wheel`` / ``sdist`` is set. msgspec decodes the filename dataclasses
    directly, so a warm run never re-splits a filename. ``uploaded`` is the PEP 700 upload
    time in integer microseconds since the epoch (UTC), ``None`` when absent or unparseable,
    so that ``--exclude-newer`` is one integer comparison per file.
    """

    file: File
    wheel: WheelFilename | None = None
    sdist: SdistFilename | None = None
    uploaded: int | None = None

    @property
    def filename(self) -> DistFilename:
        name = self.wheel if self.wheel is not None else self.sdist
        assert name is not None
        return name


class PageGroup(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """The rows of one version text of a stored page, still encoded (``sula.client.registry``).

    A warm resolution looks at a few versions of each package, so a page is stored grouped
    by version and a group's rows are decoded only when its version is looked at. ``first``
    is the earliest upload time of its rows (``DistRow.uploaded``; ``None`` when none has
    one): with ``--exclude-newer`` the version is listed only if ``first`` is within it.
    ``order`` holds the rows' positions on the page (uint32, little-endian), to give the
    page's own order back when every file is asked for. Both are msgpack ``bin`` (a length
    and bytes): decoding the groups skips over each one at once and copies nothing (they
    decode as views of the entry's bytes).

    ``kind``: negative when the groups are in the order their versions first appear on the
    page (-1: an entry stored before groups were ordered, the field missing; -2: one stored
    by a sula that kept a page with two spellings of one version in that order); else the
    groups are newest version first and ``kind`` is 0 for a release, 1 a pre-release, 2 not a
    valid version (last), 3 another spelling of the version of the group before (``1.0.0``
    after ``1.0``: one version, whose files are those of both), so that a resolution reading
    the page keys and sorts nothing. A reader that predates the field ignores it.
    """

    version: str
    first: int | None
    rows: memoryview
    order: memoryview
    kind: int = -1


_group_rows = msgspec.msgpack.Decoder(list[DistRow])


class StoredPage:
    """The groups of a stored page, each group's rows decoded once, on first use.

    Shared by the runs of one process while the cache file is unchanged (the client keeps
    them by path, size and modification time), so a second ``sula.resolve`` decodes nothing
    again."""

    __slots__ = ("_rows", "_views", "groups")

    def __init__(self, groups: list[PageGroup], rows: list[list[DistRow]] | None = None) -> None:
        self.groups = groups
        self._rows: list[list[DistRow] | None] = (
            [None] * len(groups) if rows is None else list(rows))
        # (index, cutoff) -> its file groups and what the resolver derived from them
        self._views: dict[tuple[str, int | None], tuple[FileGroups, dict[str, object]]] = {}

    @property
    def unordered(self) -> bool:
        """Stored before its groups were put in version order (``PageGroup.kind`` < 0)."""
        return bool(self.groups) and self.groups[0].kind < 0

    @classmethod
    def of_rows(cls, rows: list[DistRow]) -> StoredPage:
        """A page of rows parsed now (nothing left to decode)."""
        groups, lists = group_rows(rows, encode=False)
        return cls(groups, lists)

    def rows_of(self, i: int) -> list[DistRow]:
        rows = self._rows[i]
        if rows is None:
            rows = self._rows[i] = _group_rows.decode(self.groups[i].rows)
        return rows

    def placed_rows(self, i: int) -> Iterator[tuple[int, DistRow]]:
        """``(position on the page, row)`` of group ``i``'s rows."""
        from array import array

        order = array("I")
        order.frombytes(self.groups[i].order)
        if _BIG_ENDIAN:
            order.byteswap()
        return zip(order, self.rows_of(i), strict=True)

    def all_rows(self) -> list[DistRow]:
        """Every row, in the page's order."""
        out: list[DistRow | None] = [None] * sum(len(g.order) // 4 for g in self.groups)
        for i in range(len(self.groups)):
            for pos, row in self.placed_rows(i):
                out[pos] = row
        return out  # type: ignore[return-value]


_BIG_ENDIAN = sys.byteorder == "big"


def group_rows(rows: list[DistRow], *, encode: bool = True
               ) -> tuple[list[PageGroup], list[list[DistRow]]]:
    """``rows`` grouped by version text, newest version first (see ``PageGroup.kind``; page
    order within a group), and each group's rows; ``encode=False`` leaves the groups'
    ``rows`` empty."""
    from array import array

    from sula.distribution.version_keys import newest_first

    encoder = msgspec.msgpack.Encoder().encode if encode else None
    by_text: dict[str, list[int]] = {}
    for pos, row in enumerate(rows):
        name = row.wheel if row.wheel is not None else row.sdist
        assert name is not None
        by_text.setdefault(name.version_str, []).append(pos)
    texts = list(by_text)
    kinds = [(texts[i], kind) for i, kind in newest_first(texts)]
    groups = []
    lists = []
    for text, kind in kinds:
        positions = by_text[text]
        mine = [rows[p] for p in positions]
        times = [r.uploaded for r in mine if r.uploaded is not None]
        order = array("I", positions)
        if _BIG_ENDIAN:
            order.byteswap()
        raw = memoryview(encoder(mine) if encoder is not None else b"")
        groups.append(PageGroup(text, min(times) if times else None, raw,
                                memoryview(order.tobytes()), kind))
        lists.append(mine)
    return groups, lists


class FileGroup:
    """The files of one version text from one index: decoded when first asked for."""

    __slots__ = ("_files", "_i", "_page", "cutoff", "index", "version_str")

    def __init__(self, page: StoredPage, i: int, index: str, cutoff: int | None) -> None:
        self._page = page
        self._i = i
        self.index = index
        self.cutoff = cutoff
        self.version_str = page.groups[i].version
        self._files: list[DistFile] | None = None

    def files(self) -> list[DistFile]:
        files = self._files
        if files is None:
            files = self._files = dist_files(self._page.rows_of(self._i), self.index,
                                             uploaded_before=self.cutoff)
        return files


class FileGroups:
    """The :class:`FileGroup` of each of a page's groups within a cutoff, as a sequence whose
    items are made when first reached: a resolution walks a few of the newest versions of a
    page (of ~20,000 for requirements.in), so most are never made."""

    __slots__ = ("_cutoff", "_index", "_made", "_page", "_positions")

    def __init__(self, page: StoredPage, index: str, cutoff: int | None) -> None:
        self._page = page
        self._index = index
        self._cutoff = cutoff
        groups = page.groups
        self._positions: list[int] | range = (
            range(len(groups)) if cutoff is None else
            [i for i, g in enumerate(groups) if g.first is not None and g.first <= cutoff])
        self._made: list[FileGroup | None] = [None] * len(self._positions)

    def __len__(self) -> int:
        return len(self._made)

    def __bool__(self) -> bool:
        return bool(self._made)

    def __getitem__(self, k: int) -> FileGroup:
        group = self._made[k]
        if group is None:
            group = self._made[k] = FileGroup(self._page, self._positions[k], self._index,
                                              self._cutoff)
        return group

    def __iter__(self) -> Iterator[FileGroup]:
        for k in range(len(self._made)):
            yield self[k]

    def kind_at(self, k: int) -> int:
        """``PageGroup.kind`` of the ``k``-th group, without making its FileGroup."""
        return self._page.groups[self._positions[k]].kind

    def _run_start(self, k: int) -> int:
        """The stored position of the first spelling of the ``k``-th group's version."""
        groups = self._page.groups
        r = self._positions[k]
        while r > 0 and groups[r].kind == 3:
            r -= 1
        return r

    def continues(self, k: int) -> bool:
        """Whether the ``k``-th group is another spelling of the version of the one before
        it here (kind 3 in the stored order; the cutoff may have left out the first)."""
        if k == 0 or self._page.groups[self._positions[k]].kind != 3:
            return False
        return self._positions[k - 1] >= self._run_start(k)

    def version_kind(self, k: int) -> int:
        """0 a release, 1 a pre-release, 2 not a valid version: of the ``k``-th group's
        version (another spelling takes its kind from the first)."""
        return self._page.groups[self._run_start(k)].kind

    def merged(self, start: int, end: int) -> MergedGroup:
        """Groups ``start`` to ``end`` (spellings of one version) as one group."""
        return MergedGroup([self[k] for k in range(start, end)])


class MergedGroup:
    """The spellings of one version on a page (``1.0``, ``1.0.0``) as one group: named by
    the first, its files those of all of them in the page's order."""

    __slots__ = ("_files", "_groups", "version_str")

    def __init__(self, groups: list[FileGroup]) -> None:
        self._groups = groups
        self.version_str = groups[0].version_str
        self._files: list[DistFile] | None = None

    def files(self) -> list[DistFile]:
        files = self._files
        if files is None:
            placed: list[tuple[int, DistRow]] = []
            first = self._groups[0]
            for g in self._groups:
                placed.extend(g._page.placed_rows(g._i))
            placed.sort(key=lambda pr: pr[0])
            files = self._files = dist_files([r for _, r in placed], first.index,
                                             uploaded_before=first.cutoff)
        return files


def file_groups(page: StoredPage, index: str, cutoff: int | None
                ) -> tuple[FileGroups, dict[str, object]]:
    """The groups of ``page`` that have a file within ``cutoff`` (see ``dist_files``), made
    once per page, index and cutoff; and a dict for what a user derives from these groups
    alone (the resolver's sorted versions), kept as long as they are."""
    view = page._views.get((index, cutoff))
    if view is None:
        view = page._views[(index, cutoff)] = (FileGroups(page, index, cutoff), {})
    return view


class PackageFiles:
    """Every usable file of one package, after the index strategy, find-links and
    ``--exclude-newer`` are applied. Empty when no index has the package.

    ``groups``: when the files come from one stored page alone, the same files grouped by
    version text and decoded on demand (``files`` decodes them all, in the page's order);
    ``derived`` goes with them (see ``file_groups``).
    """

    __slots__ = ("_files", "derived", "groups", "indexes", "name")

    def __init__(self, name: NormalizedName, files: list[DistFile] | None = None,
                 indexes: tuple[str, ...] = (), *, groups: FileGroups | None = None,
                 derived: dict[str, object] | None = None) -> None:
        assert files is not None or groups is not None
        self.name = name
        self._files = files
        self.indexes = indexes
        self.groups = groups
        self.derived = derived if derived is not None else {}

    def __repr__(self) -> str:
        return f"PackageFiles(name={self.name!r}, indexes={self.indexes!r})"

    @property
    def files(self) -> list[DistFile]:
        files = self._files
        if files is None:
            assert self.groups is not None
            files = self._files = _in_page_order(self.groups)
        return files

    def files_of(self, version: str) -> list[DistFile]:
        """The files of ``version`` (PEP 440 equality), decoding only its groups' rows."""
        from sula.distribution.version import same_version

        if self._files is None:
            assert self.groups is not None
            return [f for g in self.groups if same_version(g.version_str, version) for f in g.files()]
        return [f for f in self._files if same_version(f.filename.version_str, version)]

    def is_empty(self) -> bool:
        return not self.groups if self._files is None else not self._files

    def by_version(self) -> dict[Version, list[DistFile]]:
        """Files grouped by version; each distinct version string is parsed once, invalid
        versions are skipped with a debug log."""
        from packaging.version import InvalidVersion, Version

        parsed: dict[str, Version | None] = {}
        out: dict[Version, list[DistFile]] = {}
        for df in self.files:
            text = df.filename.version_str
            if text not in parsed:
                try:
                    parsed[text] = Version(text)
                except InvalidVersion:
                    _log.debug("Skipping `%s`: invalid version `%s`", df.file.filename, text)
                    parsed[text] = None
            v = parsed[text]
            if v is not None:
                out.setdefault(v, []).append(df)
        return out


def _fast_wheel(
    filename: str,
    names: dict[str, NormalizedName],
    tags: dict[str, tuple[str, ...]] | None = None,
) -> WheelFilename | None:
    """Split a well-formed wheel name without the general regex; ``None`` → use the parser.

    A big project page lists thousands of wheels of one project: splitting on ``-`` and
    canonicalizing each distinct spelling of the name once is several times faster, and
    ``tags`` (a memo shared over a page) splits each distinct tag field once."""
    parts = filename[:-4].split("-")
    if len(parts) == 5:
        name, version, py, abi, plat = parts
        build = None
    elif len(parts) == 6:
        name, version, build, py, abi, plat = parts
        if not build[:1].isdigit():
            return None
    else:
        return None
    if not (name and version and py and abi and plat) or " " in filename:
        return None
    canonical = names.get(name)
    if canonical is None:
        from sula.distribution.names import canonicalize_name

        canonical = names[name] = canonicalize_name(name)
    if tags is None:
        tags = {}
    pys = tags.get(py)
    if pys is None:
        pys = tags[py] = tuple(py.split("."))
    abis = tags.get(abi)
    if abis is None:
        abis = tags[abi] = tuple(abi.split("."))
    plats = tags.get(plat)
    if plats is None:
        plats = tags[plat] = tuple(plat.split("."))
    return WheelFilename(filename, canonical, version, build, pys, abis, plats)


def _fast_sdist(
    filename: str, want: NormalizedName, names: dict[str, NormalizedName]
) -> SdistFilename | None:
    """``<name>-<version><ext>`` of the project ``want`` split at the last dash; ``None`` →
    use the parser (which tries every dash: at most one prefix can canonicalize to ``want``,
    so when the last one does, the answers agree)."""
    for ext in SDIST_EXTENSIONS:
        if filename.endswith(ext):
            break
    else:
        return None
    name, sep, version = filename[: -len(ext)].rpartition("-")
    if not sep or not version:
        return None
    canonical = names.get(name)
    if canonical is None:
        from sula.distribution.names import canonicalize_name

        canonical = names[name] = canonicalize_name(name)
    if canonical != want:
        return None
    return SdistFilename(filename, want, version, ext)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def upload_micros(text: str) -> int | None:
    """A PEP 700 upload time (ISO 8601; ``Z`` or an offset; naive means UTC) as integer
    microseconds since the epoch; ``None`` when it does not parse."""
    try:  # Python 3.11+ reads the usual `2024-01-02T03:04:05.678901Z` as it is
        return datetime_micros(datetime.fromisoformat(text))
    except ValueError:
        pass
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return datetime_micros(dt)


def datetime_micros(when: datetime) -> int:
    """``when`` (naive means UTC) as integer microseconds since the epoch: exact, unlike a
    float timestamp, so comparing two of them is comparing the datetimes."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (when - _EPOCH) // _MICROSECOND


def parse_dist_rows(package: str | None, files: list[File], index: str) -> list[DistRow]:
    """Keep the files whose names parse as a wheel or sdist (of ``package`` when given; any
    project's for a flat find-links listing), with their parsed names and upload times."""
    want: NormalizedName | None = None
    if package is not None:
        from sula.distribution.names import canonicalize_name

        want = canonicalize_name(package)
    names: dict[str, NormalizedName] = {}
    tags: dict[str, tuple[str, ...]] = {}
    out: list[DistRow] = []
    for f in files:
        fn = f.filename
        name: DistFilename | None = None
        if fn.endswith(".whl"):
            name = _fast_wheel(fn, names, tags)
        elif want is not None:
            name = _fast_sdist(fn, want, names)
        try:
            if name is None:
                name = parse_dist_filename(fn, package)
        except FilenameError as err:
            _log.debug("Skipping `%s` from `%s`: %s", f.filename, index, err.reason)
            continue
        if want is not None and name.name != want:
            _log.debug("Skipping `%s` from `%s`: not a file of `%s`", f.filename, index, want)
            continue
        uploaded = upload_micros(f.upload_time) if f.upload_time else None
        if isinstance(name, WheelFilename):
            out.append(DistRow(f, name, None, uploaded))
        else:
            out.append(DistRow(f, None, name, uploaded))
    return out


def _in_page_order(groups: FileGroups) -> list[DistFile]:
    if not groups:
        return []
    return dist_files(groups._page.all_rows(), groups._index, uploaded_before=groups._cutoff)


def dist_files(rows: list[DistRow], index: str, *, uploaded_before: int | None = None
               ) -> list[DistFile]:
    """The rows as :class:`DistFile` of ``index``; with ``uploaded_before`` (microseconds
    since the epoch, inclusive) only files with an upload time no later than it."""
    if uploaded_before is None:
        return [DistFile(r.wheel or r.sdist, r.file, index) for r in rows]  # type: ignore[arg-type]
    cut = uploaded_before
    return [
        DistFile(r.wheel or r.sdist, r.file, index)  # type: ignore[arg-type]
        for r in rows
        if r.uploaded is not None and r.uploaded <= cut
    ]


def parse_dist_files(package: str, files: list[File], index: str) -> list[DistFile]:
    """Keep the files whose names parse as a wheel or sdist of ``package``."""
    return dist_files(parse_dist_rows(package, files, index), index)
