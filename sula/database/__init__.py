"""The distribution database: wheels fetched, verified and unpacked into the cache, one flight each."""

from __future__ import annotations

from sula.database.core import (
    CachedWheel,
    DistributionDatabase,
    DownloadReporter,
    PathWheel,
    RegistryWheel,
    UrlWheel,
    WheelSource,
    WheelStreamer,
    parse_hashes,
)
from sula.database.errors import DistributionError, HashMismatchError, InvalidArchiveError

__all__ = [
    "CachedWheel",
    "DistributionDatabase",
    "DistributionError",
    "DownloadReporter",
    "HashMismatchError",
    "InvalidArchiveError",
    "PathWheel",
    "RegistryWheel",
    "UrlWheel",
    "WheelSource",
    "WheelStreamer",
    "parse_hashes",
]
