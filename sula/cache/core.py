"""``Cache`` and ``CacheBucket``: where each kind of cached thing lives on disk.

Layout (``<root>`` is ``--cache-dir``, ``SULA_CACHE_DIR`` or the platform user cache dir)::

    <root>/
      CACHEDIR.TAG                       marks the tree for backup tools
      .gitignore                         "*"
      .sizes                             running size totals per bucket (sula.cache.usage)
      .tmp/                              scratch space for atomic writes (same filesystem)
      simple-v1/<index-key>/<package>.msgpack
      wheels-v1/<index-key|url|path>/<package>/<wheel-stem>/   unzipped wheel, ready to link
      wheels-v1/<index-key>/<package>/<wheel-stem>.msgpack     wheel metadata (range reads, PEP 658)
      built-wheels-v1/<source-kind>/<package>/<source-id>/
      interpreters-v2/<key>.marshal
      git-v1/db/<repo-key>/ and git-v1/checkouts/<repo-key>/<commit>/   (layout: sula.git.source)

Buckets are sharded by normalized package name so that ``sula cache clean NAME`` removes
one directory per bucket and listing a package never reads another's entries.

Shard rule (what ``sula cache clean NAME`` and ``prune`` rely on): between a bucket and the
package come only *key segments*: ``cache_key()`` digests (16 lowercase hex digits) at any
depth, or one of the kind words in ``KEY_WORDS`` (``url``, ``path``, ``git``…) directly under
the bucket. The first segment that is not a key is the package: a directory ``<package>/``
or a file ``<package>.<ext>``. Names starting with ``.`` are never packages (``.flat-index.msgpack``,
``.lock``). Sidecars beside an entry (``<stem>.lock``, ``<stem>.sha256``) live in the package dir.

Sizes: ``<root>/.sizes`` holds the running size totals per bucket (``sula.cache.usage``);
``sula.cache.evict`` keeps the cache within ``SULA_CACHE_MAX_SIZE`` by removing the least
recently used entries, under the exclusive cache lock.

Locks: ``<root>/.lock`` is the cache lock. ``sula cache clean`` and ``prune`` hold it
exclusively; a process that reads or writes entries may hold it shared (``lock_shared``) so
that a concurrent clean waits for it instead of pulling files from under it. Entry-level locks
(``<entry>.lock`` via ``sula._fs.lock``) serialize writers of one entry.
"""

from __future__ import annotations

import os
import sys

from sula.errors import SulaError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextlib import AbstractContextManager
    from hashlib import _Hash
    from pathlib import Path
    from typing import ClassVar, Final

# ``sula venv`` imports this module: nothing here may import hashlib, tempfile, re, pathlib
# or dataclasses at module level, nor use them on the way to reading one cache file (each
# costs as much as a large part of that command; pathlib brings re and urllib.parse).

__all__ = ["KEY_WORDS", "Cache", "CacheBucket", "CacheError", "CacheLockedError", "cache_key",
           "is_bucket_dir_name", "is_key_segment", "sha256_hex"]

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by sula.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


class CacheError(SulaError):
    """The cache directory could not be created, read or written."""


class CacheLockedError(CacheError):
    """Another process holds the cache lock and the wait timed out."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"Timed out waiting for the cache lock at `{path}`")
        self.path = path


# Kind words that may stand between a bucket and its key digests (``wheels-v1/url/<key>/``).
KEY_WORDS = frozenset({"index", "url", "path", "git", "editable", "archive", "db", "checkouts"})
_HEX = frozenset("0123456789abcdef")
_BUCKET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def is_bucket_dir_name(name: str) -> bool:
    """Whether ``name`` is a versioned bucket directory, current or from an older sula
    (``simple-v0``): ``[a-z][a-z0-9-]*-v[0-9]+``."""
    stem, sep, version = name.rpartition("-v")
    return (
        bool(sep)
        and version.isascii()
        and version.isdigit()
        and "a" <= stem[:1] <= "z"
        and _BUCKET_CHARS.issuperset(stem)
    )


def is_key_segment(name: str, depth: int) -> bool:
    """Whether the path segment ``name`` at ``depth`` below a bucket (1 = directly under it) is
    a cache key rather than a package name (see the shard rule in the module docstring)."""
    if len(name) == 16 and _HEX.issuperset(name):
        return True
    return depth == 1 and name in KEY_WORDS


class _Buckets(type):
    """Iterating :class:`CacheBucket` gives its buckets in order, as an ``Enum``'s members."""

    def __iter__(cls) -> Iterator[CacheBucket]:
        return iter(_ALL_BUCKETS)


class CacheBucket(metaclass=_Buckets):
    """A versioned top-level directory of the cache; bump the suffix when its format changes.

    Used as an enum (``CacheBucket.WHEELS.value``, ``for b in CacheBucket``) but not one:
    ``enum``'s import is ~2 ms of ``sula venv``, which reads one cache file."""

    __slots__ = ("name", "value")

    SIMPLE: ClassVar[CacheBucket]
    WHEELS: ClassVar[CacheBucket]
    BUILT_WHEELS: ClassVar[CacheBucket]
    INTERPRETERS: ClassVar[CacheBucket]
    GIT: ClassVar[CacheBucket]

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"<CacheBucket.{self.name}: {self.value!r}>"

    @property
    def is_package_sharded(self) -> bool:
        """Whether the bucket follows the shard rule (keys, then one shard per package)."""
        return self in (CacheBucket.SIMPLE, CacheBucket.WHEELS, CacheBucket.BUILT_WHEELS)


CacheBucket.SIMPLE = CacheBucket("SIMPLE", "simple-v1")
CacheBucket.WHEELS = CacheBucket("WHEELS", "wheels-v1")
CacheBucket.BUILT_WHEELS = CacheBucket("BUILT_WHEELS", "built-wheels-v1")
# v1 was msgpack; v2 is marshal (start-up time)
CacheBucket.INTERPRETERS = CacheBucket("INTERPRETERS", "interpreters-v2")
CacheBucket.GIT = CacheBucket("GIT", "git-v1")
_ALL_BUCKETS = (CacheBucket.SIMPLE, CacheBucket.WHEELS, CacheBucket.BUILT_WHEELS,
                CacheBucket.INTERPRETERS, CacheBucket.GIT)


_sha256: Callable[[bytes], _Hash] | None = None


def sha256_hex(data: bytes) -> str:
    """The SHA-256 hex digest of ``data``.

    Uses the interpreter's built-in SHA-2 module when it has one, as ``random`` does for
    SHA-512: ``import hashlib`` loads OpenSSL's libcrypto (about 2 ms), which is most of what
    a cache key costs in a short command such as ``sula venv``. Same digest either way.
    """
    global _sha256
    if _sha256 is None:
        # _sha2 from 3.12, _sha256 before: the other name first would cost a search of sys.path.
        names = ("_sha2", "_sha256") if sys.version_info >= (3, 12) else ("_sha256", "_sha2")
        for name in names:
            try:  # __import__, not importlib (which imports warnings): a top-level name
                _sha256 = __import__(name).sha256
                break
            except (ImportError, AttributeError):
                continue
        else:
            import hashlib

            _sha256 = hashlib.sha256
    digest: str = _sha256(data).hexdigest()
    return digest


def cache_key(text: str) -> str:
    """A short, filesystem-safe, stable digest of ``text`` (a canonical URL or path)."""
    return sha256_hex(text.encode("utf-8"))[:16]


def _user_cache_dir() -> str:
    """``platformdirs.user_cache_dir("sula", appauthor=False)``.

    On Linux, the answer every platformdirs version gives is computed here when it is plain
    (``$XDG_CACHE_HOME/sula`` for an absolute ``XDG_CACHE_HOME``, else ``$HOME/.cache/sula``
    for an absolute ``HOME``): importing platformdirs (with pathlib, tempfile and shutil)
    costs more than all of ``sula venv``'s own imports. Anything else asks platformdirs.
    """
    environ = os.environ
    android = environ.get("ANDROID_DATA") == "/data" and environ.get("ANDROID_ROOT") == "/system"
    if sys.platform == "linux" and not android:
        xdg = environ.get("XDG_CACHE_HOME", "")
        home = environ.get("HOME", "")
        if os.path.isabs(xdg):
            return os.path.join(xdg, "sula")
        if not xdg and os.path.isabs(home):
            return os.path.join(home, ".cache", "sula")
    from platformdirs import user_cache_dir

    return user_cache_dir("sula", appauthor=False)


class Cache:
    """The cache root. ``temporary`` caches (``--no-cache``) are deleted when the run ends.

    A plain class, not a dataclass: ``import dataclasses`` imports ``inspect``, several
    milliseconds that every command would pay. ``root`` (a ``Path``) is made on first use;
    ``root_dir`` and :meth:`shard_str` are the same places as strings, for code that must
    not import pathlib (``sula venv``'s interpreter lookup).
    """

    __slots__ = ("_root", "root_dir", "temporary")

    def __init__(self, root: str | os.PathLike[str], temporary: bool = False) -> None:
        self.root_dir: Final = os.fspath(root)
        self.temporary: Final = temporary
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        """The cache directory."""
        if self._root is None:
            from pathlib import Path

            self._root = Path(self.root_dir)
        return self._root

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cache):
            return NotImplemented
        return (self.root, self.temporary) == (other.root, other.temporary)

    def __hash__(self) -> int:
        return hash((self.root, self.temporary))

    def __repr__(self) -> str:
        return f"Cache(root={self.root!r}, temporary={self.temporary!r})"

    @classmethod
    def from_settings(cls, cache_dir: str | os.PathLike[str] | None, no_cache: bool) -> Cache:
        """Pick the cache root: ``--no-cache`` → a throwaway dir; else ``--cache-dir`` /
        ``SULA_CACHE_DIR``; else ``cache-dir`` of sula's configuration file; else the
        platform's user cache directory."""
        if no_cache:
            import tempfile

            return cls(root=tempfile.mkdtemp(prefix="sula-cache-"), temporary=True)
        if cache_dir is None:
            cache_dir = os.environ.get("SULA_CACHE_DIR") or None
        if cache_dir is None:
            from sula.config import load_config

            cache_dir = load_config().cache_dir
        if cache_dir is None:
            cache_dir = _user_cache_dir()
        # Path(cache_dir).expanduser().absolute(), without pathlib.
        root = os.path.expanduser(os.fspath(cache_dir))
        if not os.path.isabs(root):
            root = os.path.join(os.getcwd(), root)
        return cls(root=root)

    def init(self) -> Cache:
        """Create the root with its CACHEDIR.TAG and .gitignore (idempotent)."""
        try:
            os.makedirs(self.root_dir, exist_ok=True)
            if not os.path.exists(os.path.join(self.root_dir, "CACHEDIR.TAG")):
                from sula._fs import atomic_write_text

                atomic_write_text(self.root / "CACHEDIR.TAG", CACHEDIR_TAG)
                atomic_write_text(self.root / ".gitignore", "*\n")
                from sula.cache.usage import reset_totals

                reset_totals(self)  # a new cache: its size totals start from zero
        except OSError as err:
            raise CacheError(f"Failed to initialize the cache at `{self.root}`") from err
        return self

    def bucket(self, bucket: CacheBucket) -> Path:
        return self.root / bucket.value

    def shard(self, bucket: CacheBucket, *parts: str) -> Path:
        """A path inside ``bucket``: ``cache.shard(CacheBucket.WHEELS, key, "flask")``."""
        return self.root.joinpath(bucket.value, *parts)

    def shard_str(self, bucket: CacheBucket, *parts: str) -> str:
        """``str(shard(bucket, *parts))``, without making ``Path`` objects."""
        return os.path.join(self.root_dir, bucket.value, *parts)

    @property
    def temp_root(self) -> Path:
        """Scratch space for atomic writes, on the same filesystem as every bucket."""
        return self.root / ".tmp"

    @property
    def lock_path(self) -> Path:
        """The cache lock: exclusive for clean and prune, shared for everything else."""
        return self.root / ".lock"

    def lock_exclusive(
        self, timeout: float = -1, on_wait: Callable[[Path], None] | None = None,
    ) -> AbstractContextManager[None]:
        """Hold the cache lock exclusively (no other sula process is using the cache).

        ``on_wait`` is called once if another process holds the lock, before waiting up to
        ``timeout`` seconds (-1: forever) for it.
        """
        import contextlib  # here, not at the top: see _SharedLock

        return contextlib.contextmanager(_hold_exclusive)(self, timeout, on_wait)

    def lock_shared(self) -> AbstractContextManager[None]:
        """Hold the cache lock shared: many processes at once, but never during a clean.

        On platforms without ``fcntl`` this is a no-op.
        """
        return _SharedLock(self.root_dir)

    def cleanup(self) -> None:
        """Remove a temporary cache; a no-op for a persistent one."""
        if self.temporary:
            from sula._fs import remove_tree

            remove_tree(self.root)


def _hold_exclusive(
    cache: Cache, timeout: float, on_wait: Callable[[Path], None] | None,
) -> Iterator[None]:
    import contextlib

    from sula._fs import LockTimeoutError, lock

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(lock(cache.lock_path, timeout=0))
        except LockTimeoutError:
            if on_wait is not None:
                on_wait(cache.lock_path)
            try:
                stack.enter_context(lock(cache.lock_path, timeout=timeout))
            except LockTimeoutError as err:
                raise CacheLockedError(cache.lock_path) from err
        yield


class _SharedLock:
    """``Cache.lock_shared``: a plain class, not ``contextlib.contextmanager``, so that a
    command that only holds it (``sula venv``) need not import contextlib (with functools
    and collections, most of a millisecond)."""

    __slots__ = ("_fd", "_root")

    def __init__(self, root: str) -> None:
        self._root = root
        self._fd = -1

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        os.makedirs(self._root, exist_ok=True)
        fd = os.open(os.path.join(self._root, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def __exit__(self, *exc: object) -> None:
        fd, self._fd = self._fd, -1
        if fd < 0:
            return
        import fcntl

        try:  # noqa: SIM105  # contextlib.suppress: the import this class avoids
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass
        os.close(fd)
