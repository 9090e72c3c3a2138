"""``RegistryClient``: the files of a package across indexes and find-links, wheel metadata,
and file downloads, all through the HTTP cache.

Cache entries written here (msgpack, see ``sula.cache.core`` for the whole layout)::

    simple-v1/<index-key>/<package>.msgpack        "SPG3", head length, CachedPage head
                                                   (policy, final URL, content type, body
                                                   SHA-256, parser version), list[PageGroup]
                                                   (the list[DistRow] of each version text)
    simple-v1/<flat-key>/.flat-index.msgpack       the same, for an http(s) find-links page
    wheels-v1/<index-key>/<package>/<wheel-stem>.msgpack   CachedMetadata: url, hash, Metadata

``<index-key>`` is ``cache_key`` of the index URL without credentials.

A page that must be asked for again (stale, or from an index that sends no caching headers,
which is every run for the default index) and comes back byte-identical to the body its
entry was parsed from is not parsed again: the stored rows (parsed filenames included) are
decoded instead. After each package's rows the client freezes the GC heap (``_heap``).

Pages are decoded one version at a time, when the resolver looks at that version, and kept
in memory by path while the file's inode, size and modification time stay the same: a second
resolution in one process (``sula.resolve``) decodes nothing again; wheel metadata likewise.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import unquote, urlsplit

import msgspec

from sula import _aio
from sula._log import getLogger
from sula._once import OnceMap
from sula._span import span
from sula.cache import Cache, CacheBucket, cache_key
from sula.cache.usage import record_write, touch
from sula.client._heap import HeapFreezer
from sula.client.auth import AuthStore, strip_credentials
from sula.client.cache_policy import CachePolicy
from sula.client.errors import (
    ClientError,
    HashMismatchError,
    HttpStatusError,
    InvalidIndexPageError,
    MetadataError,
    OfflineError,
)
from sula.client.http import HttpClient
from sula.client.settings import ClientSettings, IndexSettings, IndexStrategy
from sula.client.types import (
    DistFile,
    DistRow,
    File,
    PackageFiles,
    PageGroup,
    StoredPage,
    datetime_micros,
    dist_files,
    file_groups,
    group_rows,
    parse_dist_files,
    parse_dist_rows,
)
from sula.distribution.filename import WheelFilename
from sula.distribution.index import IndexUrl, redact_url
from sula.distribution.metadata import InvalidMetadataError, Metadata, parse_metadata
from sula.distribution.names import NormalizedName, canonicalize_name

__all__ = ["CachedMetadata", "CachedPage", "RegistryClient"]

if TYPE_CHECKING:
    import asyncio

_log = getLogger(__name__)
T = TypeVar("T")

_NOT_FOUND = frozenset({404, 410})


class CachedPage(msgspec.Struct, frozen=True, array_like=True):
    """The head of a stored project page (or flat find-links page): its HTTP cache policy,
    and what the parsed rows were built from.

    An entry is ``_PAGE_MAGIC``, the head's length (4 bytes, big-endian), the head, then
    the ``list[PageGroup]`` (all msgpack), so that the head decodes without touching the
    rows, and the rows of one version without those of the others.
    ``digest`` is the SHA-256 of the response body exactly as received; with the final
    ``url``, the ``content_type`` and the parser version it decides whether a re-fetched page
    (an index that sends no caching headers is re-fetched on every run) needs parsing again.
    ``userinfo``: some file URL carried credentials (stripped from the rows; parse again to
    remember them).
    """

    policy: CachePolicy
    url: str
    content_type: str
    digest: bytes
    parser: int
    userinfo: bool = False


#: Bump when parsing a page (simple.py, parse_dist_rows) would give different rows.
PARSER_VERSION = 1
_PAGE_MAGIC = b"SPG3"
#: The format before pages were grouped by version (a list[DistRow]): still read, and
#: rewritten grouped the next time its page is fetched.
_PAGE_MAGIC_ROWS = b"SPG2"


class CachedMetadata(msgspec.Struct, frozen=True):
    """Wheel metadata keyed by the file's URL and hash: immutable, fresh forever."""

    url: str
    hash: str | None
    metadata: Metadata


_head_decoder = msgspec.msgpack.Decoder(CachedPage)
_groups_decoder = msgspec.msgpack.Decoder(list[PageGroup])
_rows_decoder = msgspec.msgpack.Decoder(list[DistRow])
_meta_decoder = msgspec.msgpack.Decoder(CachedMetadata)
_encoder = msgspec.msgpack.Encoder()


Stamp = tuple[int, int, int]
#: What this process decoded of cache files, by path: (inode, size, mtime) when read, value.
#: A rewritten entry (atomic writes make a new inode) or a touched one is read again. At
#: most ``_DECODED_MAX`` bytes of files are kept (the oldest go first): a long-lived process
#: resolving many inputs holds the pages of the latest ones.
_DECODED: dict[str, tuple[Stamp, object]] = {}
_DECODED_MAX = 512 << 20
_decoded_bytes = 0
_decoded_lock = threading.Lock()


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_size, st.st_mtime_ns)


#: Page entries this big or bigger are mapped, not read (POSIX: elsewhere a mapped file
#: cannot be replaced). A resolve reads a page's head and groups and a few versions' rows;
#: reading requirements.in's 195 page files (60 MB) whole took 55-70 ms of an offline
#: compile, mapping them ~3 ms. Entries are replaced by renames, never rewritten in place,
#: so a mapping keeps the file it was made of.
_MAP_MIN = 1 << 16 if os.name == "posix" else None


def _read_stamped(path: Path, *, mapped: bool = False) -> tuple[Stamp, object | bytes] | None:
    """``(stamp, value)``: the decoded value this process holds for ``path`` when the file
    is unchanged, else its bytes (``mapped``: a big file's read-only ``mmap``, which slices
    and gives a buffer as bytes do); ``None`` when missing or unreadable (logged)."""
    key = os.fspath(path)
    try:
        with open(key, "rb") as f:
            st = os.fstat(f.fileno())
            stamp = _stamp(st)
            hit = _DECODED.get(key)
            if hit is not None and hit[0] == stamp:
                return hit
            if mapped and _MAP_MIN is not None and st.st_size >= _MAP_MIN:
                return stamp, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            return stamp, f.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        _log.debug("Cannot read cache entry `%s`: %s", path, err)
        return None


def _remember(path: Path, stamp: Stamp, value: object) -> None:
    global _decoded_bytes
    key = os.fspath(path)
    with _decoded_lock:
        old = _DECODED.pop(key, None)
        if old is not None:
            _decoded_bytes -= old[0][1]
        _DECODED[key] = (stamp, value)
        _decoded_bytes += stamp[1]
        while _decoded_bytes > _DECODED_MAX and len(_DECODED) > 1:
            _decoded_bytes -= _DECODED.pop(next(iter(_DECODED)))[0][1]


def _forget(path: Path) -> None:
    global _decoded_bytes
    with _decoded_lock:
        old = _DECODED.pop(os.fspath(path), None)
        if old is not None:
            _decoded_bytes -= old[0][1]


#: An entry used this recently keeps its mtime (the eviction order needs no finer grain).
_RECENT_NS = 3600 * 10**9


def _touch(path: Path) -> None:
    """``touch`` (the entry's last use) unless its mtime is recent already, keeping what was
    decoded of it: the new mtime is this process's own write."""
    key = os.fspath(path)
    hit = _DECODED.get(key)
    if hit is not None and time.time_ns() - hit[0][2] < _RECENT_NS:
        return
    if touch(path) and hit is not None:
        try:
            _remember(path, _stamp(os.stat(key)), hit[1])
        except OSError:
            _forget(path)


def _read_cached(path: Path, decoder: msgspec.msgpack.Decoder[T]) -> T | None:
    """A cache entry, or ``None`` when missing; a corrupt entry is logged, removed, a miss.
    Decoded once per process while the file is unchanged."""
    got = _read_stamped(path)
    if got is None:
        return None
    stamp, data = got
    if not isinstance(data, bytes):
        return data  # type: ignore[return-value]
    try:
        value = decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as err:
        _log.debug("Ignoring corrupt cache entry `%s`: %s", path, err)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    _remember(path, stamp, value)
    return value


def _write_cached(cache: Cache, path: Path, value: object) -> None:
    """Store ``value``, and keep it as this process's decoded copy of the new file."""
    stamp = _write_bytes(cache, path, _encoder.encode(value))
    if stamp is not None:
        _remember(path, stamp, value)


class _PageEntry:
    """A stored page whose head is decoded and whose groups are decoded on demand."""

    __slots__ = ("_page", "data", "grouped", "head", "path", "start")

    def __init__(self, path: Path, data: bytes | mmap.mmap, head: CachedPage, start: int,
                 grouped: bool = True) -> None:
        self.path = path
        self.data = data
        self.head = head
        self.start = start
        self.grouped = grouped  # False: the older format, rows not grouped by version
        self._page: StoredPage | None = None

    def page(self) -> StoredPage | None:
        """The groups (their rows decode later, one version at a time); ``None`` (logged,
        entry removed) when they do not decode."""
        if self._page is None:
            body = memoryview(self.data)[self.start :]
            try:
                if not self.grouped:
                    self._page = StoredPage.of_rows(_rows_decoder.decode(body))
                    return self._page
                groups = _groups_decoder.decode(body)
            except (msgspec.DecodeError, msgspec.ValidationError) as err:
                _log.debug("Ignoring corrupt cache entry `%s`: %s", self.path, err)
                _forget(self.path)
                with contextlib.suppress(OSError):
                    self.path.unlink()
                return None
            self._page = StoredPage(groups)
        return self._page

    def with_head(self, head: CachedPage) -> bytes:
        """The entry's bytes with a new head and the same (still encoded) rows."""
        magic = _PAGE_MAGIC if self.grouped else _PAGE_MAGIC_ROWS
        return _page_bytes(head, memoryview(self.data)[self.start :], magic)


def _page_bytes(head: CachedPage, rows: bytes | memoryview, magic: bytes = _PAGE_MAGIC) -> bytes:
    encoded = _encoder.encode(head)
    return b"".join((magic, len(encoded).to_bytes(4, "big"), encoded, rows))


def _read_page(path: Path) -> _PageEntry | None:
    """A stored page (head decoded), or ``None`` when missing; a corrupt or foreign-format
    entry is logged, removed, and a miss. The same object while the file is unchanged."""
    got = _read_stamped(path, mapped=True)
    if got is None:
        return None
    stamp, data = got
    if isinstance(data, _PageEntry):
        return data
    assert isinstance(data, bytes | mmap.mmap)
    try:
        if data[:4] not in (_PAGE_MAGIC, _PAGE_MAGIC_ROWS):
            raise msgspec.DecodeError("not a page entry of this format")
        size = int.from_bytes(data[4:8], "big")
        if 8 + size > len(data):
            raise msgspec.DecodeError("truncated")
        head = _head_decoder.decode(memoryview(data)[8 : 8 + size])
    except (msgspec.DecodeError, msgspec.ValidationError) as err:
        _log.debug("Ignoring corrupt cache entry `%s`: %s", path, err)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    entry = _PageEntry(path, data, head, 8 + size, data[:4] == _PAGE_MAGIC)
    _remember(path, stamp, entry)
    return entry


def _write_bytes(cache: Cache, path: Path, data: bytes) -> Stamp | None:
    """Write a cache entry atomically; the new file's stamp (taken before it replaces the
    old one, so another process's later write has another), ``None`` when it failed."""
    from sula._fs import atomic_writer

    try:
        with record_write(cache, path), atomic_writer(path) as f:  # the cache's size totals
            f.write(data)
            f.flush()
            stamp = _stamp(os.fstat(f.fileno()))
    except OSError as err:
        _log.debug("Cannot write cache entry `%s`: %s", path, err)
        return None
    return stamp


def _write_page(cache: Cache, path: Path, data: bytes, page: StoredPage) -> None:
    """Write a page entry's bytes, and keep ``page`` (what they decode to) for this process."""
    stamp = _write_bytes(cache, path, data)
    if stamp is not None:
        end = _head_end(data)
        entry = _PageEntry(path, data, _head_decoder.decode(data[8:end]), end,
                           data[:4] == _PAGE_MAGIC)
        entry._page = page
        _remember(path, stamp, entry)


def _head_end(data: bytes) -> int:
    return 8 + int.from_bytes(data[4:8], "big")


def _store_page(cache: Cache, path: Path, head: CachedPage | None, rows: list[DistRow]
                ) -> StoredPage:
    """``rows`` as a page, written to ``path`` unless ``head`` is None (``no-store``)."""
    if head is None:
        return StoredPage.of_rows(rows)
    groups, lists = group_rows(rows)
    page = StoredPage(groups, lists)
    _write_page(cache, path, _page_bytes(head, _encoder.encode(groups)), page)
    return page


def _same_freshness(a: CachePolicy, b: CachePolicy) -> bool:
    """Whether storing ``b`` instead of ``a`` changes no future decision (``stored_at`` only
    matters with a ``max-age``)."""
    return (
        a.max_age is None
        and b.max_age is None
        and msgspec.structs.replace(a, stored_at=0.0) == msgspec.structs.replace(b, stored_at=0.0)
    )


def _hash_text(file: File) -> str | None:
    best = file.best_hash()
    return f"{best[0]}:{best[1].lower()}" if best else None


#: Hash bodies larger than this in a worker thread (hashlib releases the GIL).
_THREAD_HASH_MIN = 1 << 20


def _sha256(body: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(body).digest()


def _read_local_page(url: str, name: NormalizedName) -> list[DistRow] | None:
    """The rows of a ``file://`` index's project page (``<name>/index.html``, or the file the
    URL names); None when the index has no such project, as a 404 would say."""
    path = _local_path(url)
    assert path is not None
    page = path / "index.html" if path.is_dir() else path
    base = url if path.is_dir() else url.rsplit("/", 1)[0] + "/"
    try:
        body = page.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise InvalidIndexPageError(url, f"cannot read `{page}`: {err.strerror or err}") from err
    from sula.client.simple import parse_html_page  # page parsers: only for a page not cached

    return parse_dist_rows(name, parse_html_page(body, base.rstrip("/") + "/"), url)


def _local_path(location: str) -> Path | None:
    """The filesystem path of a find-links location or a ``file://`` URL; None for http(s)."""
    if location.startswith("file:"):
        from urllib.request import url2pathname  # ~30 ms with http.client and email

        parts = urlsplit(location)
        return Path(url2pathname(unquote(parts.path)))
    if "://" in location:
        return None
    return Path(location).expanduser().absolute()


class RegistryClient:
    """Ask indexes and find-links for a package's files and a wheel's metadata; download files.

    One per run; use as ``async with RegistryClient(...) as client:`` (the aiohttp session is
    created on first use inside the running loop and closed on exit).
    """

    def __init__(
        self,
        *,
        cache: Cache,
        index: IndexSettings | None = None,
        settings: ClientSettings | None = None,
        http: HttpClient | None = None,
    ) -> None:
        self.cache = cache
        self.index = index or IndexSettings()
        self.settings = settings or ClientSettings()
        self.auth = http.auth if http is not None else AuthStore()
        self.http = http or HttpClient(self.settings, auth=self.auth)
        self._indexes: list[IndexUrl] | None = None
        self._page_sem: asyncio.Semaphore | None = None
        self._heap = HeapFreezer()
        self._files: OnceMap[NormalizedName, PackageFiles] = OnceMap()
        self._flat: OnceMap[str, dict[NormalizedName, list[File]]] = OnceMap()
        self._metadata: OnceMap[tuple[str, str], Metadata] = OnceMap()
        # Credentials given with an index or a find-links location serve every request to
        # its host, also when that location is never read (the files a pylock.toml names).
        for location in self.index.find_links:
            self.auth.remember(location)
        from sula.distribution.index import NoDefaultIndexError

        with contextlib.suppress(NoDefaultIndexError):
            self.indexes  # noqa: B018 (remembers the indexes' credentials)

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self._heap.release()
        await self.http.close()

    @property
    def indexes(self) -> list[IndexUrl]:
        """The indexes in search order, credentials moved into the auth store."""
        if self._indexes is None:
            self._indexes = [
                IndexUrl.parse(self.auth.remember(i.url)) for i in self.index.indexes()
            ]
        return self._indexes

    # -- package files ------------------------------------------------------------------

    async def files(self, name: str) -> PackageFiles:
        """Every usable file of ``name`` (single-flight: one lookup per name per run)."""
        return await self._files.run(canonicalize_name(name), self._lookup)

    async def _lookup(self, name: NormalizedName) -> PackageFiles:
        with span("client.files", package=name):
            flat = await self._flat_files(name)
            found: list[tuple[IndexUrl, StoredPage]] = []
            if self.index.index_strategy is IndexStrategy.FIRST_INDEX:
                for idx in self.indexes:
                    page = await self._simple_page(idx, name)
                    if page is not None:
                        found.append((idx, page))
                        break
            else:
                pages = await _aio.gather(*(self._simple_page(i, name) for i in self.indexes))
                found = [(i, p) for i, p in zip(self.indexes, pages, strict=True) if p is not None]
            if found:
                # The rows stay alive all run: keep full GC passes from rescanning them.
                self._heap.freeze()
            cutoff = self._cutoff()
            indexes = tuple(redact_url(i.url) for i, _ in found)
            if len(found) == 1 and not flat:
                # One page: its versions' files are decoded when the resolver asks for them.
                idx, page = found[0]
                groups, derived = file_groups(page, idx.url, cutoff)
                return PackageFiles(name, indexes=indexes, groups=groups, derived=derived)
            index_files: list[DistFile] = []
            for idx, page in found:
                index_files.extend(dist_files(page.all_rows(), idx.url, uploaded_before=cutoff))
            if flat and index_files:
                index_files = _without_versions_of(index_files, flat)
            return PackageFiles(name=name, files=flat + index_files, indexes=indexes)

    def _cutoff(self) -> int | None:
        """``--exclude-newer`` in microseconds since the epoch (files uploaded later, or
        without an upload time, are dropped)."""
        when = self.index.exclude_newer
        if when is None:
            return None
        return datetime_micros(when)

    async def _simple_page(self, idx: IndexUrl, name: NormalizedName) -> StoredPage | None:
        """The files on ``idx``'s page for ``name``; ``None`` when the index lacks it."""
        url = idx.project_url(name)
        if url.startswith("file:"):
            # A local PEP 503 tree (an air-gapped mirror): read it, never cache it.
            rows = await _aio.to_thread(_read_local_page, url, name)
            return StoredPage.of_rows(rows) if rows is not None else None
        path = self.cache.shard(CacheBucket.SIMPLE, cache_key(idx.url), f"{name}.msgpack")
        return await self._cached_page(
            url, path, package=name, refresh=self.settings.must_refresh(name),
            what=f"the index page of `{name}`",
        )

    async def _cached_page(
        self, url: str, path: Path, *, package: NormalizedName | None, refresh: bool, what: str
    ) -> StoredPage | None:
        """The parsed rows of the page at ``url`` (files of ``package``, or of any project
        for a flat page), through the cache entry at ``path``; ``None`` on a 404/410."""
        # Offline, no request is in flight for a thread's read to overlap with: a thread
        # per page cost the pool's start and a hand-off per read (~25 ms of trio.in's
        # offline compile), and the read of a page file is a fraction of a millisecond.
        entry = (_read_page(path) if self.settings.offline
                 else await _aio.to_thread(_read_page, path))
        rows: StoredPage | None = None
        if entry is not None:
            policy = entry.head.policy
            if self.settings.offline or (not refresh and policy.is_fresh()):
                rows = entry.page()
                if rows is not None:
                    _touch(path)  # its last use, for the cache's eviction order
                    return rows
                entry = None
            elif policy.revalidation_headers():
                # Needed if the answer is a 304; a corrupt entry is not revalidated.
                rows = entry.page()
                if rows is None:
                    entry = None
        if self.settings.offline:
            raise OfflineError(what, url)
        from sula.client.simple import ACCEPT, parse_page

        headers = {"Accept": ACCEPT}
        if entry is not None and rows is not None:
            headers.update(entry.head.policy.revalidation_headers())
        if self._page_sem is None:
            self._page_sem = _aio.Semaphore(max(1, self.settings.page_concurrency))
        async with self._page_sem:
            resp = await self.http.request(
                url, headers=headers, ok=frozenset({200, 304}) | _NOT_FOUND,
                what="Failed to fetch the index page",
            )
        if resp.status in _NOT_FOUND:
            _log.debug("`%s` is not on `%s` (HTTP %d)", what, redact_url(url), resp.status)
            return None
        if resp.status == 304:
            if entry is None or rows is None:
                raise InvalidIndexPageError(url, "HTTP 304 for a request that was not conditional")
            head = entry.head
            new_head = msgspec.structs.replace(
                head, policy=head.policy.after_not_modified(resp.headers)
            )
            await _aio.to_thread(_write_page, self.cache, path, entry.with_head(new_head), rows)
            return rows
        content_type = resp.headers.get("Content-Type", "text/html")
        body = resp.body
        digest = (
            await _aio.to_thread(_sha256, body) if len(body) > _THREAD_HASH_MIN
            else _sha256(body)
        )
        policy = CachePolicy.from_headers(resp.headers)
        if entry is not None:
            head = entry.head
            if (
                head.digest == digest
                and head.url == resp.url
                and head.content_type == content_type
                and head.parser == PARSER_VERSION
                and not head.userinfo
            ):
                # The very bytes the stored rows were parsed from: no need to parse again.
                if rows is None:
                    rows = entry.page()
                if rows is not None:
                    _log.debug("`%s` is unchanged; using its parsed cache entry", redact_url(url))
                    if not policy.no_store and (not entry.grouped or rows.unordered):
                        # Stored in an older layout: once again in this one.
                        new_head = msgspec.structs.replace(head, policy=policy)
                        return await _aio.to_thread(_store_page, self.cache, path, new_head,
                                                       rows.all_rows())
                    if not policy.no_store and not _same_freshness(head.policy, policy):
                        new_head = msgspec.structs.replace(head, policy=policy)
                        await _aio.to_thread(_write_page, self.cache, path,
                                                entry.with_head(new_head), rows)
                    return rows
        files = parse_page(body, resp.url, content_type)
        userinfo = False
        if any("@" in f.url for f in files):
            stripped = [self._strip_file_credentials(f) for f in files]
            userinfo = stripped != files
            files = stripped
        parsed = parse_dist_rows(package, files, redact_url(resp.url))
        if policy.no_store:
            return _store_page(self.cache, path, None, parsed)
        # Encoding and writing a big page takes milliseconds: off the event loop.
        head = CachedPage(policy, resp.url, content_type, digest, PARSER_VERSION, userinfo)
        return await _aio.to_thread(_store_page, self.cache, path, head, parsed)

    def _strip_file_credentials(self, f: File) -> File:
        if "@" not in f.url:
            return f
        clean = self.auth.remember(f.url)
        return f if clean == f.url else msgspec.structs.replace(f, url=clean)

    # -- find-links ---------------------------------------------------------------------

    async def _flat_files(self, name: NormalizedName) -> list[DistFile]:
        out: list[DistFile] = []
        for location in self.index.find_links:
            by_name = await self._flat.run(location, self._read_flat)
            files = by_name.get(name)
            if files:
                out.extend(parse_dist_files(name, files, self.auth.remember(location)))
        return out

    async def _read_flat(self, location: str) -> dict[NormalizedName, list[File]]:
        with span("client.find_links", location=redact_url(location)):
            path = _local_path(location)
            rows: list[DistRow]
            if path is not None:
                files = await _aio.to_thread(_list_local, path, location)
                rows = parse_dist_rows(None, files, redact_url(location))
            else:
                url = self.auth.remember(location)
                cpath = self.cache.shard(CacheBucket.SIMPLE, cache_key(url), ".flat-index.msgpack")
                page = await self._cached_page(
                    url, cpath, package=None, refresh=self.settings.refresh,
                    what=f"the find-links page `{redact_url(url)}`",
                )
                if page is None:
                    raise HttpStatusError(url, 404, "Not Found")
                rows = page.all_rows()
            by_name: dict[NormalizedName, list[File]] = {}
            for row in rows:
                by_name.setdefault(row.filename.name, []).append(row.file)
            return by_name

    # -- wheel metadata -----------------------------------------------------------------

    async def wheel_metadata(self, dist: DistFile) -> Metadata:
        """The core metadata of a wheel, without downloading it when the index allows."""
        if not isinstance(dist.filename, WheelFilename):
            raise MetadataError(dist.file.filename, "not a wheel; its metadata needs a build")
        return await self._metadata.run((dist.index, dist.file.url), lambda _k: self._wheel_metadata(dist))

    async def _wheel_metadata(self, dist: DistFile) -> Metadata:
        wheel = dist.filename
        assert isinstance(wheel, WheelFilename)
        file = dist.file
        path = self.cache.shard(
            CacheBucket.WHEELS, cache_key(dist.index), wheel.name, f"{wheel.stem}.msgpack"
        )
        want_hash = _hash_text(file)
        cached = _read_cached(path, _meta_decoder)
        if cached is not None and (
            self.settings.offline
            or (
                cached.url == strip_credentials(file.url)
                and cached.hash == want_hash
                and not self.settings.must_refresh(wheel.name)
            )
        ):
            _touch(path)  # its last use, for the cache's eviction order
            return cached.metadata
        with span("client.wheel_metadata", wheel=file.filename):
            raw = await self._fetch_wheel_metadata(wheel, file)
        try:
            metadata = parse_metadata(raw)
        except InvalidMetadataError as err:
            raise MetadataError(file.filename, str(err)) from None
        await _aio.to_thread(_write_cached, self.cache, path, CachedMetadata(strip_credentials(file.url), want_hash, metadata))
        return metadata

    async def _fetch_wheel_metadata(self, wheel: WheelFilename, file: File) -> bytes:
        from sula.client.remote_zip import read_metadata_from_zipfile, read_remote_metadata

        local = _local_path(file.url) if file.url.startswith("file:") else None
        if local is not None:
            return await _aio.to_thread(
                read_metadata_from_zipfile, local, file.filename, wheel.name
            )
        if self.settings.offline:
            raise OfflineError(f"the metadata of `{file.filename}`", file.url)
        if file.core_metadata is not None:
            try:
                resp = await self.http.request(
                    file.metadata_url, what="Failed to fetch the metadata file"
                )
            except HttpStatusError as err:
                if err.status not in _NOT_FOUND:
                    raise
                _log.debug("No `.metadata` file for `%s` after all", file.filename)
            else:
                _verify(resp.body, file.core_metadata, file.metadata_url)
                return resp.body
        return await read_remote_metadata(
            self.http, file.url, file.filename, wheel.name, expected_hash=file.best_hash()
        )

    # -- downloads ----------------------------------------------------------------------

    async def stream(self, file: File) -> AsyncIterator[bytes]:
        """The bytes of ``file`` in chunks; the index's hash is checked after the last chunk
        (a mismatch raises :class:`HashMismatchError` before the iterator finishes)."""
        async for chunk in self.stream_url(file.url, hashes=file.hashes):
            yield chunk

    async def stream_url(
        self, url: str, *, hashes: dict[str, str] | None = None
    ) -> AsyncIterator[bytes]:
        """Stream any URL (``file://`` and local paths too), verifying ``hashes`` at the end."""
        import hashlib

        hashers = {a: hashlib.new(a) for a in (hashes or {}) if a in hashlib.algorithms_available}
        local = _local_path(url)
        if local is not None:
            try:
                f = await _aio.to_thread(open, local, "rb")
            except OSError as err:
                raise ClientError(f"Failed to read `{local}`") from err
            try:
                while chunk := await _aio.to_thread(f.read, 1024 * 1024):
                    for h in hashers.values():
                        h.update(chunk)
                    yield chunk
            finally:
                f.close()
        else:
            if self.settings.offline:
                raise OfflineError(f"`{url.rsplit('/', 1)[-1]}`", url)
            async with self.http.open(url, headers={"Accept-Encoding": "identity"}) as resp:
                async for chunk in resp.iter_chunks():
                    for h in hashers.values():
                        h.update(chunk)
                    yield chunk
        for algo, h in hashers.items():
            expected = (hashes or {})[algo].lower()
            if h.hexdigest() != expected:
                raise HashMismatchError(url, algo, expected, h.hexdigest())

    async def fetch_revalidated(
        self, url: str, dest: Path, policy: CachePolicy | None
    ) -> tuple[CachePolicy, str | None]:
        """Download ``url`` to ``dest`` unless ``policy`` (of a copy fetched before) says the
        copy is still good: fresh by its caching headers, or a conditional request answered
        304. Returns the new policy and the sha256 of what was downloaded (None: keep the copy).
        Offline, a known copy is kept as it is."""
        import hashlib

        if policy is not None and (policy.is_fresh() or self.settings.offline):
            return policy, None
        if self.settings.offline:
            raise OfflineError(f"`{url.rsplit('/', 1)[-1]}`", url)
        headers = {"Accept-Encoding": "identity"}
        if policy is not None:
            headers.update(policy.revalidation_headers())
        sha = hashlib.sha256()
        async with self.http.open(url, headers=headers, ok=frozenset({200, 304})) as resp:
            if resp.status == 304 and policy is not None:
                return policy.after_not_modified(resp.headers), None
            with open(dest, "wb") as out:
                async for chunk in resp.iter_chunks():
                    sha.update(chunk)
                    out.write(chunk)
            return CachePolicy.from_headers(resp.headers), sha.hexdigest()

    async def download(self, file: File, dest: Path) -> dict[str, str]:
        """Download ``file`` to ``dest`` atomically; returns its sha256 (and verified hashes)."""
        import hashlib

        from sula._fs import atomic_writer

        sha = hashlib.sha256()
        with atomic_writer(dest, suffix=".part") as out:
            async for chunk in self.stream(file):
                sha.update(chunk)
                out.write(chunk)
        return {**{k: v.lower() for k, v in file.hashes.items()}, "sha256": sha.hexdigest()}


def _verify(body: bytes, hashes: dict[str, str], url: str) -> None:
    import hashlib

    for algo, expected in hashes.items():
        if algo not in hashlib.algorithms_available:
            continue
        actual = hashlib.new(algo, body).hexdigest()
        if actual != expected.lower():
            raise HashMismatchError(url, algo, expected.lower(), actual)
        return


def _list_local(path: Path, location: str) -> list[File]:
    """Files of a local find-links directory, or the links of a local HTML file."""
    if path.is_dir():
        out = []
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if entry.is_file():
                out.append(File(filename=entry.name, url=Path(entry.path).as_uri()))
        return out
    if path.is_file():
        from sula.client.simple import parse_html_page

        return parse_html_page(path.read_bytes(), path.as_uri())
    raise ClientError(f"Find-links location `{redact_url(location)}` does not exist")


def _without_versions_of(index_files: list[DistFile], flat: list[DistFile]) -> list[DistFile]:
    """Drop index files of versions that find-links also provides (find-links win)."""
    from packaging.version import InvalidVersion, Version

    def key(text: str) -> object:
        try:
            return Version(text)
        except InvalidVersion:
            return text

    flat_versions = {key(df.filename.version_str) for df in flat}
    memo: dict[str, object] = {}
    kept: list[DistFile] = []
    for df in index_files:
        text = df.filename.version_str
        if text not in memo:
            memo[text] = key(text)
        if memo[text] not in flat_versions:
            kept.append(df)
    return kept
