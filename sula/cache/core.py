"""``Cache`` and ``CacheBucket``: where each kind of cached thing lives on disk.

Layout (``<root>`` is ``--cache-dir``, ``SULA_CACHE_DIR`` or the platform user cache dir)::

    <root>/
      CACHEDIR.TAG                       marks the tree for backup tools
      .gitignore                         "*"
      .tmp/                              scratch space for atomic writes (same filesystem)
      simple-v1/<index-key>/<package>.msgpack
      wheels-v1/<index-key|url|path>/<package>/<wheel-stem>/   unzipped wheel, ready to link
      wheels-v1/<index-key>/<package>/<wheel-stem>.msgpack     wheel metadata (range reads, PEP 658)
      built-wheels-v1/<source-kind>/<package>/<source-id>/
      interpreters-v1/<key>.msgpack
      git-v1/db/<repo-key>/ and git-v1/checkouts/<repo-key>/<commit>/

Buckets are sharded by normalized package name so that ``sula cache clean NAME`` removes
one directory per bucket and listing a package never reads another's entries.
"""

from __future__ import annotations

import enum
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sula.errors import SulaError

__all__ = ["Cache", "CacheBucket", "CacheError", "cache_key"]

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by sula.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


class CacheError(SulaError):
    """The cache directory could not be created, read or written."""


class CacheBucket(enum.Enum):
    """A versioned top-level directory of the cache; bump the suffix when its format changes."""

    SIMPLE = "simple-v1"
    WHEELS = "wheels-v1"
    BUILT_WHEELS = "built-wheels-v1"
    INTERPRETERS = "interpreters-v1"
    GIT = "git-v1"


def cache_key(text: str) -> str:
    """A short, filesystem-safe, stable digest of ``text`` (a canonical URL or path)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Cache:
    """The cache root. ``temporary`` caches (``--no-cache``) are deleted when the run ends."""

    root: Path
    temporary: bool = False

    @classmethod
    def from_settings(cls, cache_dir: str | os.PathLike[str] | None, no_cache: bool) -> Cache:
        """Pick the cache root: ``--no-cache`` → a throwaway dir; else ``--cache-dir`` /
        ``SULA_CACHE_DIR``; else the platform's user cache directory."""
        if no_cache:
            return cls(root=Path(tempfile.mkdtemp(prefix="sula-cache-")), temporary=True)
        if cache_dir is None:
            cache_dir = os.environ.get("SULA_CACHE_DIR") or None
        if cache_dir is None:
            from platformdirs import user_cache_dir

            cache_dir = user_cache_dir("sula", appauthor=False)
        return cls(root=Path(cache_dir).expanduser().absolute())

    def init(self) -> Cache:
        """Create the root with its CACHEDIR.TAG and .gitignore (idempotent)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tag = self.root / "CACHEDIR.TAG"
            if not tag.exists():
                from sula._fs import atomic_write_text

                atomic_write_text(tag, CACHEDIR_TAG)
                atomic_write_text(self.root / ".gitignore", "*\n")
        except OSError as err:
            raise CacheError(f"Failed to initialize the cache at `{self.root}`") from err
        return self

    def bucket(self, bucket: CacheBucket) -> Path:
        return self.root / bucket.value

    def shard(self, bucket: CacheBucket, *parts: str) -> Path:
        """A path inside ``bucket``: ``cache.shard(CacheBucket.WHEELS, key, "flask")``."""
        return self.root.joinpath(bucket.value, *parts)

    @property
    def temp_root(self) -> Path:
        """Scratch space for atomic writes, on the same filesystem as every bucket."""
        return self.root / ".tmp"

    def cleanup(self) -> None:
        """Remove a temporary cache; a no-op for a persistent one."""
        if self.temporary:
            from sula._fs import remove_tree

            remove_tree(self.root)
