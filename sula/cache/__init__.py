"""The global cache: versioned buckets, sharded by package, every write atomic."""

from __future__ import annotations

from sula.cache.core import (
    KEY_WORDS,
    Cache,
    CacheBucket,
    CacheError,
    CacheLockedError,
    cache_key,
    is_bucket_dir_name,
    is_key_segment,
    sha256_hex,
)

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
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
    "is_bucket_dir_name",
    "is_key_segment",
    "sha256_hex",
]


def __getattr__(name: str) -> object:
    # ``Removal`` lives with the clean code, which is loaded only by the commands that need it.
    if name == "Removal":
        from sula.cache.clean import Removal

        return Removal
    raise AttributeError(name)
