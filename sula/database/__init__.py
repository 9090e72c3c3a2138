"""The distribution database: the metadata of every kind of dist, and wheels fetched (or built),
verified and unpacked into the cache, one flight each."""

from __future__ import annotations

from sula.database.core import (
    DistributionDatabase,
    DownloadReporter,
    WheelStreamer,
    parse_hashes,
)
from sula.database.errors import DistributionError, HashMismatchError, InvalidArchiveError

__all__ = [
    "DistributionDatabase",
    "DistributionError",
    "DownloadReporter",
    "HashMismatchError",
    "InvalidArchiveError",
    "WheelStreamer",
    "parse_hashes",
]
