"""The global cache: versioned buckets, sharded by package, every write atomic."""

from __future__ import annotations

from sula.cache.core import Cache, CacheBucket, CacheError, cache_key

__all__ = ["Cache", "CacheBucket", "CacheError", "cache_key"]
