"""``RegistryClient``: the files of a package across indexes and find-links, wheel metadata,
and file downloads, all through the HTTP cache.

Cache entries written here (msgpack, see ``sula.cache.core`` for the whole layout)::

    simple-v1/<index-key>/<package>.msgpack        CachedPage: policy, final URL, files
    simple-v1/<flat-key>/.flat-index.msgpack       CachedPage of an http(s) find-links page
    wheels-v1/<index-key>/<package>/<wheel-stem>.msgpack   CachedMetadata: url, hash, Metadata

``<index-key>`` is ``cache_key`` of the index URL without credentials.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import TypeVar
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import msgspec
from packaging.utils import NormalizedName, canonicalize_name

from sula._once import OnceMap
from sula._span import span
from sula.cache import Cache, CacheBucket, cache_key
from sula.client.auth import AuthStore
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
from sula.client.remote_zip import read_metadata_from_zipfile, read_remote_metadata
from sula.client.settings import ClientSettings, IndexSettings, IndexStrategy
from sula.client.simple import ACCEPT, parse_html_page, parse_page
from sula.client.types import DistFile, File, PackageFiles, parse_dist_files
from sula.dist.filename import FilenameError, WheelFilename, parse_dist_filename
from sula.dist.index import IndexUrl, redact_url
from sula.dist.metadata import InvalidMetadataError, Metadata, parse_metadata

__all__ = ["CachedMetadata", "CachedPage", "RegistryClient"]

_log = logging.getLogger(__name__)
T = TypeVar("T")

_NOT_FOUND = frozenset({404, 410})


class CachedPage(msgspec.Struct, frozen=True):
    """A parsed project page (or flat find-links page) with its HTTP cache policy."""

    policy: CachePolicy
    url: str
    files: list[File]


class CachedMetadata(msgspec.Struct, frozen=True):
    """Wheel metadata keyed by the file's URL and hash: immutable, fresh forever."""

    url: str
    hash: str | None
    metadata: Metadata


class _PageHead(msgspec.Struct):
    policy: CachePolicy


_page_decoder = msgspec.msgpack.Decoder(CachedPage)
_head_decoder = msgspec.msgpack.Decoder(_PageHead)
_meta_decoder = msgspec.msgpack.Decoder(CachedMetadata)
_encoder = msgspec.msgpack.Encoder()


def _read_cached(path: Path, decoder: msgspec.msgpack.Decoder[T]) -> T | None:
    """A cache entry, or ``None`` when missing; a corrupt entry is logged, removed, a miss."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        _log.debug("Cannot read cache entry `%s`: %s", path, err)
        return None
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as err:
        _log.debug("Ignoring corrupt cache entry `%s`: %s", path, err)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def _write_cached(path: Path, value: object) -> None:
    from sula._fs import atomic_write_bytes

    try:
        atomic_write_bytes(path, _encoder.encode(value))
    except OSError as err:
        _log.debug("Cannot write cache entry `%s`: %s", path, err)


def _hash_text(file: File) -> str | None:
    best = file.best_hash()
    return f"{best[0]}:{best[1].lower()}" if best else None


def _parse_upload_time(text: str) -> datetime | None:
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _local_path(location: str) -> Path | None:
    """The filesystem path of a find-links location or a ``file://`` URL; None for http(s)."""
    if location.startswith("file:"):
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
        self._files: OnceMap[NormalizedName, PackageFiles] = OnceMap()
        self._flat: OnceMap[str, dict[NormalizedName, list[File]]] = OnceMap()
        self._metadata: OnceMap[tuple[str, str], Metadata] = OnceMap()

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
            found: list[tuple[IndexUrl, list[File]]] = []
            if self.index.index_strategy is IndexStrategy.FIRST_INDEX:
                for idx in self.indexes:
                    page = await self._simple_page(idx, name)
                    if page is not None:
                        found.append((idx, page))
                        break
            else:
                pages = await asyncio.gather(*(self._simple_page(i, name) for i in self.indexes))
                found = [(i, p) for i, p in zip(self.indexes, pages, strict=True) if p is not None]
            index_files: list[DistFile] = []
            for idx, page in found:
                index_files.extend(parse_dist_files(name, page, idx.url))
            if self.index.exclude_newer is not None:
                index_files = self._exclude_newer(index_files, self.index.exclude_newer)
            if flat and index_files:
                index_files = _without_versions_of(index_files, flat)
            return PackageFiles(
                name=name,
                files=flat + index_files,
                indexes=tuple(redact_url(i.url) for i, _ in found),
            )

    @staticmethod
    def _exclude_newer(files: list[DistFile], cutoff: datetime) -> list[DistFile]:
        kept: list[DistFile] = []
        for df in files:
            ut = df.file.upload_time
            when = _parse_upload_time(ut) if ut else None
            if when is not None and when <= cutoff:
                kept.append(df)
        return kept

    async def _simple_page(self, idx: IndexUrl, name: NormalizedName) -> list[File] | None:
        """The files on ``idx``'s page for ``name``; ``None`` when the index lacks it."""
        url = idx.project_url(name)
        path = self.cache.shard(CacheBucket.SIMPLE, cache_key(idx.url), f"{name}.msgpack")
        return await self._cached_page(
            url, path, refresh=self.settings.must_refresh(name), what=f"the index page of `{name}`"
        )

    async def _cached_page(
        self, url: str, path: Path, *, refresh: bool, what: str
    ) -> list[File] | None:
        # Decode only the policy first: a stale page without validators (what an index that
        # sends no caching headers leaves) is re-fetched, so its files need not be decoded.
        head = _read_cached(path, _head_decoder)
        cached: CachedPage | None = None
        if head is not None:
            use = self.settings.offline or (not refresh and head.policy.is_fresh())
            if use or head.policy.revalidation_headers():
                cached = _read_cached(path, _page_decoder)
            if use and cached is not None:
                return cached.files
        if self.settings.offline:
            raise OfflineError(what, url)
        headers = {"Accept": ACCEPT}
        if cached is not None:
            headers.update(cached.policy.revalidation_headers())
        resp = await self.http.request(
            url, headers=headers, ok=frozenset({200, 304}) | _NOT_FOUND,
            what="Failed to fetch the index page",
        )
        if resp.status in _NOT_FOUND:
            _log.debug("`%s` is not on `%s` (HTTP %d)", what, redact_url(url), resp.status)
            return None
        if resp.status == 304:
            if cached is None:
                raise InvalidIndexPageError(url, "HTTP 304 for a request that was not conditional")
            policy = cached.policy.after_not_modified(resp.headers)
            await asyncio.to_thread(_write_cached, path, CachedPage(policy, cached.url, cached.files))
            return cached.files
        files = parse_page(resp.body, resp.url, resp.headers.get("Content-Type", "text/html"))
        files = [self._strip_file_credentials(f) for f in files]
        policy = CachePolicy.from_headers(resp.headers)
        if not policy.no_store:
            # Encoding and writing a big page takes milliseconds: off the event loop.
            await asyncio.to_thread(_write_cached, path, CachedPage(policy, resp.url, files))
        return files

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
            if path is not None:
                files = await asyncio.to_thread(_list_local, path, location)
            else:
                url = self.auth.remember(location)
                cpath = self.cache.shard(CacheBucket.SIMPLE, cache_key(url), ".flat-index.msgpack")
                page = await self._cached_page(
                    url, cpath, refresh=self.settings.refresh,
                    what=f"the find-links page `{redact_url(url)}`",
                )
                if page is None:
                    raise HttpStatusError(url, 404, "Not Found")
                files = page
            by_name: dict[NormalizedName, list[File]] = {}
            for f in files:
                try:
                    fn = parse_dist_filename(f.filename)
                except FilenameError:
                    _log.debug("Skipping `%s` in `%s`", f.filename, redact_url(location))
                    continue
                by_name.setdefault(fn.name, []).append(f)
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
                cached.url == file.url
                and cached.hash == want_hash
                and not self.settings.must_refresh(wheel.name)
            )
        ):
            return cached.metadata
        with span("client.wheel_metadata", wheel=file.filename):
            raw = await self._fetch_wheel_metadata(wheel, file)
        try:
            metadata = parse_metadata(raw)
        except InvalidMetadataError as err:
            raise MetadataError(file.filename, str(err)) from None
        await asyncio.to_thread(_write_cached, path, CachedMetadata(file.url, want_hash, metadata))
        return metadata

    async def _fetch_wheel_metadata(self, wheel: WheelFilename, file: File) -> bytes:
        local = _local_path(file.url) if file.url.startswith("file:") else None
        if local is not None:
            return await asyncio.to_thread(
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
        hashers = {a: hashlib.new(a) for a in (hashes or {}) if a in hashlib.algorithms_available}
        local = _local_path(url)
        if local is not None:
            try:
                f = await asyncio.to_thread(open, local, "rb")
            except OSError as err:
                raise ClientError(f"Failed to read `{local}`") from err
            try:
                while chunk := await asyncio.to_thread(f.read, 1024 * 1024):
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

    async def download(self, file: File, dest: Path) -> dict[str, str]:
        """Download ``file`` to ``dest`` atomically; returns its sha256 (and verified hashes)."""
        import tempfile

        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        sha = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in self.stream(file):
                    sha.update(chunk)
                    out.write(chunk)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return {**{k: v.lower() for k, v in file.hashes.items()}, "sha256": sha.hexdigest()}


def _verify(body: bytes, hashes: dict[str, str], url: str) -> None:
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
