"""Index and HTTP client settings, and the argparse flags every command shares."""

from __future__ import annotations

import enum
import os
from typing import TYPE_CHECKING

from sula._record import dataclass, field, replace
from sula.distribution.index import IndexUrl, default_index_url
from sula.distribution.names import NormalizedName, canonicalize_name
from sula.errors import SulaError

if TYPE_CHECKING:
    import argparse
    from datetime import datetime
    from types import SimpleNamespace

__all__ = [
    "ClientSettings",
    "IndexSettings",
    "IndexStrategy",
    "InvalidSettingError",
    "add_index_arguments",
    "parse_exclude_newer",
    "settings_from_args",
]


class InvalidSettingError(SulaError):
    """A client setting (flag or environment variable) with a value that cannot be used."""


class IndexStrategy(enum.Enum):
    """How several indexes are combined for one package (values are the CLI spellings)."""

    #: Only the first index (in search order) that has the package at all is used: a
    #: package name registered on a public index cannot shadow a private one.
    FIRST_INDEX = "first-index"
    #: Every index is asked and all files are merged; the best version wins wherever it is.
    UNSAFE_BEST_MATCH = "unsafe-best-match"


def parse_exclude_newer(text: str) -> datetime:
    """``2024-01-31`` (midnight UTC, as uv did) or an RFC 3339 date-time (naive = UTC)."""
    from datetime import datetime, timezone

    value = text.strip()
    try:
        if len(value) == 10:
            d = datetime.strptime(value, "%Y-%m-%d")
            return d.replace(tzinfo=timezone.utc)
        if value.endswith(("Z", "z")):
            value = value[:-1] + "+00:00"
        dt = datetime.fromisoformat(value)
    except ValueError as err:
        from sula.errors import option

        raise InvalidSettingError(
            f"Invalid {option('--exclude-newer')} value `{text}`: expected a date (YYYY-MM-DD) "
            "or an RFC 3339 date-time"
        ) from err
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSettings:
    """Where packages are looked up: the index, extra indexes, find-links, and filters."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False
    find_links: tuple[str, ...] = ()
    index_strategy: IndexStrategy = IndexStrategy.FIRST_INDEX
    exclude_newer: datetime | None = None

    def indexes(self) -> list[IndexUrl]:
        """The indexes in search order: extra indexes first, then the main one (uv's order)."""
        if self.no_index:
            return []
        urls = [*self.extra_index_urls, self.index_url or default_index_url()]
        seen: set[str] = set()
        out: list[IndexUrl] = []
        for url in urls:
            idx = IndexUrl.parse(url)
            if idx.url not in seen:
                seen.add(idx.url)
                out.append(idx)
        return out


def _env_number(name: str, default: float, *, integer: bool, zero: bool = False) -> float:
    """``name``'s value from the environment: a positive number (or 0 when ``zero``)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError as err:
        raise InvalidSettingError(f"Invalid value `{raw}` for `{name}`: expected a number") from err
    if value < 0 or (value == 0 and not zero) or value != value or value == float("inf"):
        need = "0 or more" if zero else "positive"
        raise InvalidSettingError(f"Invalid value `{raw}` for `{name}`: must be {need}")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings:
    """How the HTTP client behaves: network on/off, TLS, cache refresh, limits, retries."""

    offline: bool = False
    native_tls: bool = False
    refresh: bool = False
    refresh_packages: frozenset[NormalizedName] = field(default_factory=frozenset)
    concurrency: int = 50
    #: Index pages in flight at once (within ``concurrency``). Each new connection costs a
    #: TLS handshake (~2 ms of CPU here) and pages are large: 16 finished a warm 195-page
    #: resolve ~10% sooner than 50 (medians of 8 alternating runs), and as fast as 8.
    page_concurrency: int = 16
    #: Seconds a connection or a read may wait for bytes (and the window of ``min_speed``).
    timeout: float = 30.0
    retries: int = 3
    retry_backoff: float = 0.5
    #: Bytes a second a body must arrive at, averaged over ``timeout`` seconds (0: no floor):
    #: a server trickling bytes never trips the read timeout.
    min_speed: int = 1024

    @classmethod
    def from_env(
        cls,
        *,
        offline: bool = False,
        native_tls: bool = False,
        refresh: bool = False,
        refresh_packages: frozenset[NormalizedName] = frozenset(),
    ) -> ClientSettings:
        """Read ``SULA_CONCURRENT_DOWNLOADS``, ``SULA_HTTP_TIMEOUT``, ``SULA_HTTP_RETRIES`` and
        ``SULA_HTTP_MIN_SPEED`` from the environment."""
        return cls(
            offline=offline,
            native_tls=native_tls,
            refresh=refresh,
            refresh_packages=refresh_packages,
            concurrency=int(_env_number("SULA_CONCURRENT_DOWNLOADS", 50, integer=True)),
            timeout=_env_number("SULA_HTTP_TIMEOUT", 30.0, integer=False),
            retries=int(_env_number("SULA_HTTP_RETRIES", 3, integer=True, zero=True)),
            min_speed=int(_env_number("SULA_HTTP_MIN_SPEED", 1024, integer=True, zero=True)),
        )

    def must_refresh(self, name: str) -> bool:
        return self.refresh or (
            bool(self.refresh_packages) and canonicalize_name(name) in self.refresh_packages
        )

    def with_(self, **changes: object) -> ClientSettings:
        return replace(self, **changes)


def add_index_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the index and cache-refresh flags (``--offline``/``--native-tls`` are global)."""
    group = parser.add_argument_group("index options")
    group.add_argument(
        "-i", "--index-url", metavar="URL", default=None,
        help="Base URL of the package index (env: SULA_INDEX_URL; default: pip's default index)",
    )
    group.add_argument(
        "--extra-index-url", metavar="URL", action="append", default=None,
        help="Extra index URL, searched before --index-url (repeatable; env: SULA_EXTRA_INDEX_URL, space-separated)",
    )
    group.add_argument("--no-index", action="store_true", help="Ignore all indexes; use --find-links only")
    group.add_argument(
        "-f", "--find-links", metavar="PATH_OR_URL", action="append", default=None,
        help="Directory, file:// or http(s):// page of links to distributions (repeatable; env: SULA_FIND_LINKS)",
    )
    group.add_argument(
        "--index-strategy", choices=[s.value for s in IndexStrategy], default=None,
        help="first-index (default): use only the first index that has a package; "
        "unsafe-best-match: merge all indexes",
    )
    group.add_argument(
        "--exclude-newer", metavar="DATE", default=None,
        help="Ignore index files uploaded after DATE (YYYY-MM-DD or RFC 3339 date-time)",
    )
    group.add_argument("--refresh", action="store_true", help="Revalidate all cached index data")
    group.add_argument(
        "--refresh-package", metavar="NAME", action="append", default=None,
        help="Revalidate cached data of one package (repeatable)",
    )


def settings_from_args(
    ns: argparse.Namespace | SimpleNamespace, *, offline: bool = False, native_tls: bool = False
) -> tuple[IndexSettings, ClientSettings]:
    """Build the settings from a namespace filled by :func:`add_index_arguments` and the env."""
    from sula.config import load_config

    # Each list comes from the first of: the command line, `SULA_*`, the configuration file
    # (whose find-links paths are already made absolute from the file's directory).
    extra = list(getattr(ns, "extra_index_url", None) or [])
    if not extra and os.environ.get("SULA_EXTRA_INDEX_URL"):
        extra = os.environ["SULA_EXTRA_INDEX_URL"].split()
    if not extra:
        extra = list(load_config().extra_index_url)
    find_links = list(getattr(ns, "find_links", None) or [])
    if not find_links and os.environ.get("SULA_FIND_LINKS"):
        find_links = os.environ["SULA_FIND_LINKS"].split()
    if not find_links:
        find_links = list(load_config().find_links)
    strategy = getattr(ns, "index_strategy", None) or os.environ.get("SULA_INDEX_STRATEGY")
    try:
        index_strategy = IndexStrategy(strategy) if strategy else IndexStrategy.FIRST_INDEX
    except ValueError as err:
        raise InvalidSettingError(f"Invalid index strategy `{strategy}`") from err
    exclude = getattr(ns, "exclude_newer", None) or os.environ.get("SULA_EXCLUDE_NEWER")
    index = IndexSettings(
        index_url=getattr(ns, "index_url", None) or None,
        extra_index_urls=tuple(extra),
        no_index=bool(getattr(ns, "no_index", False)),
        find_links=tuple(find_links),
        index_strategy=index_strategy,
        exclude_newer=parse_exclude_newer(exclude) if exclude else None,
    )
    client = ClientSettings.from_env(
        offline=offline,
        native_tls=native_tls,
        refresh=bool(getattr(ns, "refresh", False)),
        refresh_packages=frozenset(
            canonicalize_name(n) for n in (getattr(ns, "refresh_package", None) or [])
        ),
    )
    return index, client
