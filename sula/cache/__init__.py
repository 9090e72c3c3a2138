"""The global cache: versioned buckets, sharded by package, every write atomic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sula.cache.core import (
    KEY_WORDS,
    Cache,
    CacheBucket,
    CacheError,
    CacheLockedError,
    cache_key,
    is_key_segment,
)

if TYPE_CHECKING:
    from sula.cache.clean import Removal

__all__ = [
    "KEY_WORDS",
    "Cache",
    "CacheBucket",
    "CacheError",
    "CacheLockedError",
    "Removal",
    "cache_key",
    "is_key_segment",
]


def __getattr__(name: str) -> object:
    # ``Removal`` lives with the clean code, which is loaded only by the commands that need it.
    if name == "Removal":
        from sula.cache.clean import Removal

        return Removal
    raise AttributeError(name)
