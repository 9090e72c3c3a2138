"""Removing cache entries: everything, one package's shards, or what no sula can use any more.

Every function here expects the caller to hold the cache lock exclusively
(``Cache.lock_exclusive``); the CLI does. They count what they remove so that the CLI can say
``Removed 12 files (3.4 MiB)``, and take it off the cache's size totals (``sula.cache.usage``).

What ``prune`` removes (and why each is safe):

* ``.tmp/`` entries not touched for ``min_age`` seconds: scratch dirs of atomic writes whose
  process died before the final rename (a live write touches its dir as it goes).
* ``.<name>.<random>.tmp`` files beside entries, older than ``min_age``: leftovers of
  ``sula._fs.atomic_write_bytes`` interrupted between write and rename.
* ``*.lock`` files at shard level that nobody holds and that are older than ``min_age``.
* Bucket directories of another format version (``simple-v0``, ``wheels-v0``…): this sula
  never reads them.
* Orphan sidecars in the wheels bucket (``<stem>.sha256`` with no ``<stem>/`` beside it).
* Interpreter entries whose interpreter no longer exists.
* Empty key and package directories left behind, older than ``min_age``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sula._log import getLogger
from sula.cache import usage
from sula.cache.core import (
    Cache,
    CacheBucket,
    CacheError,
    is_bucket_dir_name,
    is_key_segment,
)

__all__ = [
    "STALE_AFTER",
    "InvalidPackageNameError",
    "PruneCandidate",
    "Removal",
    "clean_all",
    "clean_package",
    "format_size",
    "measure",
    "normalize_package",
    "package_shards",
    "plan_prune",
    "prune",
    "remove_candidates",
    "remove_counted",
]

_log = getLogger(__name__)

# A temporary file, lock or empty dir untouched this long belongs to no running sula.
STALE_AFTER = 3600.0
EMPTY_DIR = "empty directory"
# Files in the cache root that clean keeps: the tag, the ignore file, the cache lock, the sizes.
_ROOT_KEEP = frozenset({"CACHEDIR.TAG", ".gitignore", ".lock", usage.LEDGER})


class InvalidPackageNameError(CacheError):
    """A package name given to ``sula cache clean`` is not a valid distribution name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Invalid package name `{name}`")
        self.name = name


def normalize_package(name: str) -> str:
    """The normalized form of ``name`` (PEP 503), which is how buckets shard by package."""
    from packaging.utils import InvalidName, canonicalize_name

    try:
        return str(canonicalize_name(name, validate=True))
    except InvalidName:
        raise InvalidPackageNameError(name) from None


@dataclass(frozen=True, slots=True)
class Removal:
    """What a removal took away: files (anything not a directory), directories, bytes."""

    num_files: int = 0
    num_dirs: int = 0
    total_bytes: int = 0

    def __add__(self, other: Removal) -> Removal:
        return Removal(
            num_files=self.num_files + other.num_files,
            num_dirs=self.num_dirs + other.num_dirs,
            total_bytes=self.total_bytes + other.total_bytes,
        )

    @property
    def is_empty(self) -> bool:
        return self.num_files == 0 and self.num_dirs == 0


format_size = usage.format_size  # ``1536`` → ``1.5 KiB``, like uv's summary lines


def measure(path: Path) -> Removal:
    """Count the files, dirs and bytes under ``path`` without following symlinks."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return Removal()
    if not path.is_dir() or path.is_symlink():
        return Removal(num_files=1, total_bytes=st.st_size)
    files = 0
    dirs = 1
    total = 0
    for top, dirnames, filenames in os.walk(path):
        dirs += len(dirnames)
        for d in dirnames:
            # os.walk does not descend into symlinked dirs; count them as files.
            if os.path.islink(os.path.join(top, d)):
                dirs -= 1
                files += 1
        for name in filenames:
            files += 1
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(top, name)).st_size
    return Removal(num_files=files, num_dirs=dirs, total_bytes=total)


def remove_counted(path: Path) -> Removal:
    """Remove ``path`` (file or tree) and return what it held; raise if it could not go."""
    from sula._fs import remove_tree

    counted = measure(path)
    remove_tree(path)
    if os.path.lexists(path):
        raise CacheError(f"Failed to remove `{path}` from the cache")
    _log.debug("removed %s (%d files)", path, counted.num_files)
    return counted


def clean_all(cache: Cache) -> Removal:
    """Remove every entry of the cache; the root keeps only its tag, ignore file and lock."""
    total = Removal()
    try:
        names = sorted(os.listdir(cache.root))
    except FileNotFoundError:
        return total
    for name in names:
        if name in _ROOT_KEEP:
            continue
        total += remove_counted(cache.root / name)
    cache.init()  # the tag and ignore file stay (or come back, if someone deleted them)
    usage.write_totals(cache, {})
    return total


def _uncount(cache: Cache, path: Path, size: int | None = None) -> None:
    """Take what ``path`` holds (``size``, else measured now) off its bucket's size total."""
    try:
        rel = path.relative_to(cache.root)
    except ValueError:
        return
    if rel.parts and is_bucket_dir_name(rel.parts[0]):
        usage.add_bytes(cache, rel.parts[0], -(usage.tree_bytes(str(path)) if size is None else size))


def _walk_shards(directory: Path, depth: int) -> Iterator[tuple[Path, bool]]:
    """Below a package-sharded bucket: yield ``(path, is_dir)`` for every non-key entry (a
    package dir, a ``<package>.<ext>`` file, or a dotfile), descending through key dirs only."""
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        is_dir = entry.is_dir(follow_symlinks=False)
        if is_dir and is_key_segment(entry.name, depth):
            yield from _walk_shards(Path(entry.path), depth + 1)
        else:
            yield Path(entry.path), is_dir


def _shard_package(path: Path, is_dir: bool) -> str | None:
    name = path.name
    if name.startswith("."):
        return None
    return name if is_dir else name.split(".", 1)[0]


def package_shards(cache: Cache, package: str) -> list[Path]:
    """Every shard of ``package`` (a normalized name) in every package-sharded bucket."""
    found: list[Path] = []
    for bucket in CacheBucket:
        if not bucket.is_package_sharded:
            continue
        for path, is_dir in _walk_shards(cache.bucket(bucket), 1):
            if _shard_package(path, is_dir) == package:
                found.append(path)
    return sorted(found)


def clean_package(cache: Cache, package: str) -> Removal:
    """Remove ``package``'s shards from every bucket (its index pages, wheels, built wheels)."""
    total = Removal()
    for path in package_shards(cache, package):
        _uncount(cache, path)
        total += remove_counted(path)
    return total


# ---------------------------------------------------------------------------------- prune


@dataclass(frozen=True, slots=True)
class PruneCandidate:
    """One path ``prune`` would remove, and why."""

    path: Path
    reason: str


@dataclass(slots=True)
class _Planner:
    cache: Cache
    now: float
    min_age: float
    found: list[PruneCandidate] = field(default_factory=list)
    planned: set[Path] = field(default_factory=set)

    def add(self, path: Path, reason: str) -> None:
        self.found.append(PruneCandidate(path=path, reason=reason))
        self.planned.add(path)

    def is_stale(self, path: Path) -> bool:
        try:
            return self.now - path.lstat().st_mtime >= self.min_age
        except OSError:
            return False

    def is_tree_stale(self, path: Path) -> bool:
        """Nothing under ``path`` was modified in the last ``min_age`` seconds."""
        if not self.is_stale(path):
            return False
        if path.is_symlink() or not path.is_dir():
            return True
        for top, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                if not self.is_stale(Path(top, name)):
                    return False
        return True

    def plan(self) -> list[PruneCandidate]:
        root = self.cache.root
        try:
            names = sorted(os.listdir(root))
        except FileNotFoundError:
            return []
        current = {b.value for b in CacheBucket}
        for name in names:
            path = root / name
            if is_bucket_dir_name(name) and name not in current and path.is_dir():
                self.add(path, "bucket of another cache version")
        self._plan_tmp()
        self._plan_level(root, top=True)
        for bucket in CacheBucket:
            self._plan_bucket(bucket)
        return self.found

    def _plan_tmp(self) -> None:
        tmp = self.cache.temp_root
        try:
            names = sorted(os.listdir(tmp))
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in names:
            path = tmp / name
            if self.is_tree_stale(path):
                self.add(path, "temporary leftover")

    def _plan_level(self, directory: Path, *, top: bool = False) -> None:
        """Lock files and interrupted atomic writes directly inside ``directory``."""
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                continue
            name = entry.name
            path = Path(entry.path)
            if name.endswith(".lock") and not (top and name == ".lock"):
                if self.is_stale(path) and not _is_locked(path):
                    self.add(path, "stale lock file")
            elif name.startswith(".") and name.endswith(".tmp") and self.is_stale(path):
                self.add(path, "interrupted write")

    def _plan_bucket(self, bucket: CacheBucket) -> None:
        base = self.cache.bucket(bucket)
        if not base.is_dir():
            return
        self._plan_level(base)
        if bucket is CacheBucket.INTERPRETERS:
            self._plan_interpreters(base)
        self._plan_keys(bucket, base, 1)

    def _plan_keys(self, bucket: CacheBucket, directory: Path, depth: int) -> bool:
        """Walk the key dirs under ``directory`` planning removals; True when every entry of
        ``directory`` is planned (so that it can go too, once empty)."""
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return False
        all_gone = True
        for entry in entries:
            path = Path(entry.path)
            if path in self.planned:
                continue
            if entry.is_dir(follow_symlinks=False):
                if is_key_segment(entry.name, depth):
                    self._plan_level(path)
                    if self._plan_keys(bucket, path, depth + 1) and self.is_stale(path):
                        self.add(path, EMPTY_DIR)
                        continue
                elif bucket.is_package_sharded:
                    self._plan_level(path)
                    if bucket is CacheBucket.WHEELS:
                        self._plan_sidecars(path)
                    if self._all_planned(path) and self.is_stale(path):
                        self.add(path, EMPTY_DIR)
                        continue
            all_gone = False
        return all_gone

    def _all_planned(self, directory: Path) -> bool:
        try:
            return all(directory / n in self.planned for n in os.listdir(directory))
        except OSError:
            return False

    def _plan_sidecars(self, package_dir: Path) -> None:
        try:
            names = set(os.listdir(package_dir))
        except OSError:
            return
        for name in sorted(names):
            if name.endswith(".sha256") and name[: -len(".sha256")] not in names:
                path = package_dir / name
                if self.is_stale(path):
                    self.add(path, "orphan sidecar")

    def _plan_interpreters(self, base: Path) -> None:
        # Entries are marshal-ed dicts (sula.interpreter.query.encode_entry).
        import marshal

        for path in sorted(base.glob("*.marshal")):
            try:
                data = marshal.loads(path.read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                self.add(path, "unreadable interpreter entry")
                continue
            exe = data.get("executable") if isinstance(data, dict) else None
            if isinstance(exe, str) and not os.path.exists(exe):
                self.add(path, "interpreter no longer exists")


def _is_locked(path: Path) -> bool:
    """Whether another process holds the lock file ``path`` right now."""
    from sula._fs import LockTimeoutError, lock

    try:
        with lock(path, timeout=0):
            return False
    except LockTimeoutError:
        return True
    except OSError:
        return True


def plan_prune(
    cache: Cache, *, min_age: float = STALE_AFTER, now: float | None = None,
) -> list[PruneCandidate]:
    """What ``prune`` would remove, in order, without touching anything."""
    planner = _Planner(cache=cache, now=time.time() if now is None else now, min_age=min_age)
    return planner.plan()


def prune(
    cache: Cache, *, min_age: float = STALE_AFTER, now: float | None = None,
) -> tuple[Removal, list[PruneCandidate]]:
    """Remove what no sula process can use any more (see the module docstring)."""
    candidates = plan_prune(cache, min_age=min_age, now=now)
    return remove_candidates(candidates, cache), candidates


def remove_candidates(candidates: Iterable[PruneCandidate], cache: Cache | None = None) -> Removal:
    """Remove what :func:`plan_prune` found (taking it off ``cache``'s size totals)."""
    total = Removal()
    for c in candidates:
        if c.path.name.endswith(".lock") and _is_locked(c.path):
            continue  # taken since it was planned
        if c.reason == EMPTY_DIR:
            # Only if still empty: something skipped above, or written since, stays.
            size = usage.tree_bytes(str(c.path))
            try:
                os.rmdir(c.path)
            except OSError:
                continue
            if cache is not None:
                _uncount(cache, c.path, size)
            total += Removal(num_dirs=1)
            continue
        if cache is not None:
            _uncount(cache, c.path)
        total += remove_counted(c.path)
    return total
