"""Index client: simple API (PEP 503 HTML, PEP 691 JSON), find-links, wheel metadata, HTTP cache.

The one place where aiohttp exceptions become sula errors (:class:`ClientError` subclasses).
Every URL that reaches a log line or an error message goes through ``sula.distribution.redact_url``.

Public API (what the resolver, the distribution database and the CLI call)
==========================================================================

Settings, shared by every command that talks to an index::

    from sula.client import IndexSettings, ClientSettings, IndexStrategy
    from sula.client import add_index_arguments, settings_from_args

    add_index_arguments(parser)                     # -i/--index-url, --extra-index-url, --no-index,
                                                    # -f/--find-links, --index-strategy,
                                                    # --exclude-newer, --refresh, --refresh-package
    index, client = settings_from_args(ns, offline=ctx.options.offline,
                                       native_tls=ctx.options.native_tls)

    @dataclass(frozen=True, slots=True, kw_only=True)
    class IndexSettings:
        index_url: str | None = None           # None → sula.distribution.default_index_url() (lazily)
        extra_index_urls: tuple[str, ...] = () # searched BEFORE index_url, as uv does
        no_index: bool = False
        find_links: tuple[str, ...] = ()       # dirs, file:// and http(s):// flat HTML pages
        index_strategy: IndexStrategy = IndexStrategy.FIRST_INDEX   # or UNSAFE_BEST_MATCH
        exclude_newer: datetime | None = None  # aware UTC; index files newer or without
                                               # an upload time are dropped
        def indexes(self) -> list[IndexUrl]    # in search order

    @dataclass(frozen=True, slots=True, kw_only=True)
    class ClientSettings:
        offline: bool = False
        native_tls: bool = False
        refresh: bool = False                  # revalidate everything cached
        refresh_packages: frozenset[NormalizedName] = frozenset()
        concurrency: int = 50                  # env SULA_CONCURRENT_DOWNLOADS
        page_concurrency: int = 16             # index pages in flight (fewer TLS handshakes)
        timeout: float = 30.0                  # env SULA_HTTP_TIMEOUT (seconds, per read)
        retries: int = 3                       # env SULA_HTTP_RETRIES: retries after the first
                                               # try (connection errors, timeouts, 5xx, broken
                                               # bodies: a download resumes by a range request)
        retry_backoff: float = 0.5             # first delay; doubles each retry
        min_speed: int = 1024                  # env SULA_HTTP_MIN_SPEED: bytes/s over `timeout`
        @classmethod
        def from_env(cls, **overrides) -> ClientSettings

The client (one per run; an async context manager that owns the aiohttp session)::

    from sula.client import RegistryClient

    async with RegistryClient(cache=cache, index=index_settings, settings=client_settings) as client:
        # one per run (the aiohttp session lives in the running loop); client.http.stats counts
        # requests, body bytes and retries
        pkg = await client.files("Flask")           # -> PackageFiles (single-flight per name)
        for dist_file in pkg.files:                 # DistFile(filename: DistFilename, file: File)
            ...
        versions = pkg.by_version()                 # dict[Version, list[DistFile]] (parses only
                                                    # the distinct version strings, on demand)
        meta = await client.wheel_metadata(dist_file)   # -> sula.distribution.metadata.Metadata
                                                    # (MetadataError for an sdist: build it)
        async for chunk in client.stream(dist_file.file):  # bytes chunks; the sha256 (or
            ...                                      # other listed hash) is verified at the end
        hashes = await client.download(dist_file.file, dest_path)  # atomic, verified
        async for chunk in client.stream_url(url, hashes={"sha256": "..."}): ...  # direct URLs

    class File(msgspec.Struct, frozen=True, array_like=True, gc=False):  # one listed file
        filename: str
        url: str                        # absolute, userinfo stripped (auth lives in the client)
        hashes: dict[str, str]          # {"sha256": "..."}; may be empty
        requires_python: str | None     # HTML-unescaped, stripped; "" → None; may be invalid
        yanked: bool
        yanked_reason: str | None
        size: int | None
        upload_time: str | None         # ISO 8601 (PEP 700)
        core_metadata: dict[str, str] | None   # PEP 658/714: None = no .metadata file;
                                               # {} = present without hash; else its hashes
        def requires_python_specifier(self) -> SpecifierSet | None   # None if absent/invalid

    class DistFile(msgspec.Struct, frozen=True, gc=False):   # DistFile(filename, file, index)
        filename: WheelFilename | SdistFilename
        file: File
        index: str                      # index / find-links location (no credentials): the
                                        # cache key for this file's metadata and wheel

    @dataclass(frozen=True, slots=True)
    class PackageFiles:
        name: NormalizedName
        files: list[DistFile]           # find-links first; index files of a version that
                                        # find-links also has are dropped
        indexes: tuple[str, ...]        # where they came from (redacted)

Wheel metadata (``client.wheel_metadata``) tries, in order: the cache (``wheels-v1``, keyed by
index, package and wheel stem, and checked against the file's URL and hash: a hit needs no
network); the PEP 658 ``.metadata`` file (hash verified); HTTP range requests on the wheel's
central directory and ``*.dist-info/METADATA`` (a few KiB); a full download. Local files
(find-links dirs, ``file://``) are read in place.

Under ``--offline`` a cached page is used however stale, and anything not cached raises
``OfflineError`` naming it. Pages are revalidated per uv's rules (see ``cache_policy``); the
default index sends no caching headers, so its pages are re-fetched on every run (a page whose
body is byte-identical to the cached one is not parsed again) while wheel metadata (keyed by
file URL and hash) is always served from the cache. While a client is open the GC heap is
frozen after each package's files are read (see ``sula.client._heap``).

Errors (all ``ClientError(SulaError)``; ``InvalidSettingError(SulaError)`` for bad flags/env): ``HttpStatusError`` (url, status), ``NetworkError``
(url; connection failures and timeouts after the retries), ``OfflineError`` (what is missing
from the cache under ``--offline``), ``HashMismatchError`` (url, algorithm, expected, actual),
``InvalidIndexPageError``, ``MetadataError`` (a wheel without readable METADATA).
A package that no index has is not an error: ``files()`` returns an empty ``PackageFiles``
and the resolver reports it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from sula.client.errors import (
        ClientError,
        HashMismatchError,
        HttpStatusError,
        InvalidIndexPageError,
        MetadataError,
        NetworkError,
        OfflineError,
    )
    from sula.client.http import HttpClient, HttpStats
    from sula.client.registry import RegistryClient
    from sula.client.settings import (
        ClientSettings,
        IndexSettings,
        IndexStrategy,
        InvalidSettingError,
        add_index_arguments,
        parse_exclude_newer,
        settings_from_args,
    )
    from sula.client.types import DistFile, File, PackageFiles

# Names load on first use: a command that only declares its flags (`add_index_arguments`)
# must not pay for asyncio, ssl, aiohttp and msgspec at start-up.
_LAZY = {
    "ClientError": "errors",
    "HashMismatchError": "errors",
    "HttpStatusError": "errors",
    "InvalidIndexPageError": "errors",
    "MetadataError": "errors",
    "NetworkError": "errors",
    "OfflineError": "errors",
    "HttpClient": "http",
    "HttpStats": "http",
    "RegistryClient": "registry",
    "ClientSettings": "settings",
    "IndexSettings": "settings",
    "IndexStrategy": "settings",
    "InvalidSettingError": "settings",
    "add_index_arguments": "settings",
    "parse_exclude_newer": "settings",
    "settings_from_args": "settings",
    "DistFile": "types",
    "File": "types",
    "PackageFiles": "types",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sula.client' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"sula.client.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ClientError",
    "ClientSettings",
    "DistFile",
    "File",
    "HashMismatchError",
    "HttpClient",
    "HttpStats",
    "HttpStatusError",
    "IndexSettings",
    "IndexStrategy",
    "InvalidIndexPageError",
    "InvalidSettingError",
    "MetadataError",
    "NetworkError",
    "OfflineError",
    "PackageFiles",
    "RegistryClient",
    "add_index_arguments",
    "parse_exclude_newer",
    "settings_from_args",
]
