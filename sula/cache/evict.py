"""Keeping the cache within a size: evict the least recently used entries until it fits.

What an *entry* is (the unit that goes whole, never in part), by bucket, below the key
segments and the package of the shard rule (``sula.cache.core``):

* ``simple-v1``: one index page file, ``<package>.msgpack`` (or a find-links page,
  ``.flat-index.msgpack``). Kind ``page``.
* ``wheels-v1``: an unpacked wheel, ``<package>/<wheel-stem>/`` with its ``<wheel-stem>.sha256``
  and ``.lock`` beside it (kind ``wheel``); a wheel's metadata, ``<package>/<wheel-stem>.msgpack``
  (kind ``metadata``).
* ``built-wheels-v1``: a revision, the archive of one sdist with its metadata and the wheels
  built from it: ``index/<key>/<package>/<sdist>/<revision>/``, ``url/<key>/<package>/<revision>/``,
  and for local paths the package directory itself (kind ``built``).

Interpreter entries (small, and what ``sula venv`` reads first) and git checkouts stay.

Order: by *last use* (the mtime :func:`sula.cache.usage.touch` sets; for a revision, the latest
of its own and its wheels'), oldest first, counted in whole hours; within one hour pages and
metadata go first (one request brings them back), then downloaded wheels, then built wheels
(a build to redo). Sizes count a file hard-linked several times once; evicting an entry never
breaks an environment installed from it by hard links, clones or copies: the environment's
files live on through their own links (``--link-mode symlink`` environments do break).

Safety: the caller holds the cache lock exclusively (``Cache.lock_exclusive``), so no other
sula process is reading, linking or writing any entry. Each victim is first *renamed* into a
scratch directory under ``.tmp/`` (atomic: it is in place whole or gone), then its sidecars go
(an orphan ``.sha256`` is harmless, and ``prune`` removes it); the scratch directory is deleted
by :meth:`Eviction.discard` after the lock is released, so that waiting processes start sooner.
"""

from __future__ import annotations

import contextlib
import enum
import os
import time
from pathlib import Path

from sula._log import getLogger
from sula._record import dataclass, field
from sula.cache import usage
from sula.cache.core import Cache, CacheBucket, CacheError, CacheLockedError, is_key_segment

__all__ = [
    "AUTO_LOW_WATER",
    "EntryKind",
    "EvictableEntry",
    "Eviction",
    "InvalidMaxSizeError",
    "budget_setting",
    "enforce_budget",
    "evict",
    "list_entries",
    "parse_max_size",
    "plan_eviction",
    "walk_cache",
]

_log = getLogger(__name__)

# After a command, the cache is brought to this share of the budget, not just under it, so
# that the next few commands do not each walk the cache to evict one entry.
AUTO_LOW_WATER = 0.9
_HOUR = 3600.0


class InvalidMaxSizeError(CacheError):
    """A cache size limit that is not a size (``10G``, ``500M``, ``1500000``)."""

    def __init__(self, text: str, where: str) -> None:
        super().__init__(f"Invalid cache size `{text}` in {where}: expected bytes or a number "
                         f"with K, M, G or T (for example `10G` or `500M`)")
        self.text = text


def parse_max_size(text: str, where: str) -> int:
    """``text`` in bytes, or :class:`InvalidMaxSizeError` naming ``where`` it came from."""
    try:
        return usage.parse_size(text)
    except usage.InvalidSizeError:
        raise InvalidMaxSizeError(text, where) from None


def budget_setting() -> int | None:
    """The cache budget of this run: ``SULA_CACHE_MAX_SIZE``, else ``cache-max-size`` of
    sula.toml, else none."""
    text = os.environ.get("SULA_CACHE_MAX_SIZE", "").strip()
    if text:
        return parse_max_size(text, "`SULA_CACHE_MAX_SIZE`")
    from sula.config import load_config

    config = load_config()
    if config.cache_max_size is None:
        return None
    where = " or ".join(f"`{f}`" for f in config.files) or "the configuration"
    return parse_max_size(config.cache_max_size, where)


class EntryKind(enum.Enum):
    """What an evictable entry is; the rank is the order within one hour of last use."""

    PAGE = "page"
    METADATA = "metadata"
    WHEEL = "wheel"
    BUILT = "built"

    @property
    def rank(self) -> int:
        return {"page": 0, "metadata": 0, "wheel": 1, "built": 2}[self.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class EvictableEntry:
    """One entry: ``path`` goes by one rename; ``sidecars`` (beside it) are unlinked after."""

    path: Path
    bucket: str
    kind: EntryKind
    last_used: float
    size: int
    sidecars: tuple[Path, ...] = ()


def _mtime(path: str) -> float:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return 0.0


def _scandir(path: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def _own_size(path: str) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


class _Lister:
    """One walk of the cache that finds the entries and, from the same stats, each bucket's
    size (what ``sula.cache.usage.exact_totals`` would walk again): the entries, plus the
    directories between them, plus whatever else lies there (locks, leftovers)."""

    def __init__(self) -> None:
        self.seen: set[tuple[int, int]] = set()
        self.found: list[EvictableEntry] = []
        self.skeleton: dict[str, int] = {}
        self.rest: list[tuple[str, str]] = []  # (bucket, path) that no entry is made of
        self.claimed: set[str] = set()  # sidecars an entry counts

    def own(self, bucket: CacheBucket, directory: str) -> None:
        self.skeleton[bucket.value] = self.skeleton.get(bucket.value, 0) + _own_size(directory)

    def add(self, path: str, bucket: CacheBucket, kind: EntryKind, last_used: float,
            sidecars: tuple[str, ...] = ()) -> None:
        size = usage.tree_bytes(path, self.seen)
        present = tuple(Path(s) for s in sidecars if os.path.lexists(s))
        size += sum(usage.tree_bytes(str(s), self.seen) for s in present)
        self.claimed.update(sidecars)
        self.found.append(EvictableEntry(
            path=Path(path), bucket=bucket.value, kind=kind, last_used=last_used, size=size,
            sidecars=present,
        ))

    def walk(self, bucket: CacheBucket, directory: str, depth: int, kind_word: str) -> None:
        self.own(bucket, directory)
        for e in _scandir(directory):
            is_dir = e.is_dir(follow_symlinks=False)
            if is_dir and is_key_segment(e.name, depth):
                self.walk(bucket, e.path, depth + 1, e.name if depth == 1 else kind_word)
            elif bucket is CacheBucket.SIMPLE and not is_dir and e.name.endswith(".msgpack"):
                self.add(e.path, bucket, EntryKind.PAGE, _mtime(e.path))
            elif is_dir and not e.name.startswith(".") and bucket is CacheBucket.WHEELS:
                self._wheels(e.path)
            elif is_dir and not e.name.startswith(".") and bucket is CacheBucket.BUILT_WHEELS:
                self._built(e.path, kind_word)
            else:
                self.rest.append((bucket.value, e.path))

    def _wheels(self, package: str) -> None:
        self.own(CacheBucket.WHEELS, package)
        for e in _scandir(package):
            if e.name.startswith("."):
                self.rest.append((CacheBucket.WHEELS.value, e.path))
            elif e.is_dir(follow_symlinks=False):
                self.add(e.path, CacheBucket.WHEELS, EntryKind.WHEEL, _mtime(e.path),
                         (e.path + ".sha256", e.path + ".lock"))
            elif e.name.endswith(".msgpack"):
                self.add(e.path, CacheBucket.WHEELS, EntryKind.METADATA, _mtime(e.path))
            else:
                self.rest.append((CacheBucket.WHEELS.value, e.path))

    def _revisions(self, directory: str) -> list[str]:
        """The revision directories in ``directory``; what else is there is not an entry."""
        self.own(CacheBucket.BUILT_WHEELS, directory)
        found = []
        for e in _scandir(directory):
            if e.is_dir(follow_symlinks=False) and not e.name.startswith("."):
                found.append(e.path)
            else:
                self.rest.append((CacheBucket.BUILT_WHEELS.value, e.path))
        return found

    def _built(self, package: str, kind_word: str) -> None:
        if kind_word == "index":  # <package>/<sdist>/<revision>/
            revisions = [r for s in self._revisions(package) for r in self._revisions(s)]
        elif kind_word == "url":  # <package>/<revision>/
            revisions = self._revisions(package)
        else:  # path, and kinds of later sulas: the package directory is the revision
            revisions = [package]
        for rev in revisions:
            # A built wheel's use touches its own directory inside the revision.
            last = max([_mtime(rev), *(_mtime(c.path) for c in _scandir(rev))])
            self.add(rev, CacheBucket.BUILT_WHEELS, EntryKind.BUILT, last, (rev + ".lock",))

    def totals(self) -> dict[str, int]:
        totals = dict(self.skeleton)
        for entry in self.found:
            totals[entry.bucket] = totals.get(entry.bucket, 0) + entry.size
        for bucket, path in self.rest:
            if path not in self.claimed:
                totals[bucket] = totals.get(bucket, 0) + usage.tree_bytes(path, self.seen)
        return totals


_SHARDED = (CacheBucket.SIMPLE, CacheBucket.WHEELS, CacheBucket.BUILT_WHEELS)


def walk_cache(cache: Cache) -> tuple[list[EvictableEntry], dict[str, int]]:
    """Every evictable entry of the cache (see the module docstring), sizes measured, and each
    bucket's size (as :func:`sula.cache.usage.exact_totals`), from one walk."""
    from sula.cache.core import is_bucket_dir_name

    lister = _Lister()
    others = []
    try:
        names = sorted(os.listdir(cache.root_dir))
    except OSError:
        names = []
    sharded = {b.value: b for b in _SHARDED}
    for name in names:
        path = os.path.join(cache.root_dir, name)
        if not (is_bucket_dir_name(name) and os.path.isdir(path)):
            continue
        if name in sharded:
            lister.walk(sharded[name], path, 1, "")
        else:
            others.append((name, path))
    totals = lister.totals()
    for name, path in others:  # interpreters, git checkouts, buckets of other versions
        totals[name] = usage.tree_bytes(path, lister.seen)
    return lister.found, totals


def list_entries(cache: Cache) -> list[EvictableEntry]:
    """Every evictable entry of the cache (see the module docstring), sizes measured."""
    return walk_cache(cache)[0]


def plan_eviction(
    entries: list[EvictableEntry], total: int, max_bytes: int, *, now: float | None = None,
) -> list[EvictableEntry]:
    """The entries to remove, in order, for ``total`` bytes to come down to ``max_bytes``."""
    now = time.time() if now is None else now

    def order(e: EvictableEntry) -> tuple[int, int, float]:
        hours = int(max(now - e.last_used, 0.0) // _HOUR)
        return (-hours, e.kind.rank, e.last_used)

    victims = []
    for entry in sorted(entries, key=order):
        if total <= max_bytes:
            break
        victims.append(entry)
        total -= entry.size
    return victims


@dataclass(slots=True)
class Eviction:
    """What an eviction removed (or, for a dry run, would remove)."""

    total_before: int
    total_after: int
    removed: list[EvictableEntry] = field(default_factory=list)
    trash: Path | None = None

    @property
    def freed(self) -> int:
        return self.total_before - self.total_after

    def discard(self) -> None:
        """Delete the evicted files (after the cache lock is released)."""
        if self.trash is not None:
            from sula._fs import remove_tree

            remove_tree(self.trash)
            self.trash = None


def _remove_empty_parents(path: Path, stop: Path) -> int:
    """``rmdir`` the directories above ``path`` that are now empty, up to ``stop`` (kept);
    the bytes they held."""
    freed = 0
    parent = path.parent
    while parent != stop and stop in parent.parents:
        size = _own_size(str(parent))  # only an empty directory goes: its own size is all
        try:
            os.rmdir(parent)
        except OSError:
            break
        freed += size
        parent = parent.parent
    return freed


def evict(
    cache: Cache, max_bytes: int, *, dry_run: bool = False, now: float | None = None,
) -> Eviction:
    """Remove least-recently-used entries until the cache is at most ``max_bytes``, and rewrite
    the running totals from the walk. The caller holds the cache lock exclusively and calls
    :meth:`Eviction.discard` once it has released it."""
    entries, totals = walk_cache(cache)
    total = sum(totals.values())
    result = Eviction(total_before=total, total_after=total)
    if total <= max_bytes:
        if not dry_run:
            usage.write_totals(cache, totals)
        return result
    victims = plan_eviction(entries, total, max_bytes, now=now)
    if dry_run:
        result.removed = victims
        result.total_after = total - sum(v.size for v in victims)
        return result
    import tempfile

    cache.temp_root.mkdir(parents=True, exist_ok=True)
    trash = Path(tempfile.mkdtemp(dir=cache.temp_root, prefix="evict-"))
    result.trash = trash
    for i, victim in enumerate(victims):
        try:
            os.rename(victim.path, trash / str(i))
        except FileNotFoundError:
            continue
        except OSError as err:
            raise CacheError(f"Failed to evict `{victim.path}` from the cache") from err
        for sidecar in victim.sidecars:
            with contextlib.suppress(FileNotFoundError):
                sidecar.unlink()
        freed = victim.size + _remove_empty_parents(victim.path, cache.root / victim.bucket)
        totals[victim.bucket] = totals.get(victim.bucket, 0) - freed
        result.removed.append(victim)
        _log.debug("evicted %s (%d bytes, last used %.0f)", victim.path, victim.size, victim.last_used)
    result.total_after = sum(totals.values())
    usage.write_totals(cache, totals)
    return result


def enforce_budget(cache: Cache, *, offline: bool = False) -> Eviction | None:
    """After a command: when it wrote to the cache and a budget is set, evict down to
    ``AUTO_LOW_WATER`` of the budget if the cache is over it; compact a large totals file.

    Never waits: when another sula process uses the cache, that one (or the next command)
    does it. Nothing is evicted ``offline`` (what goes could not be fetched again).
    Returns the eviction when one ran.
    """
    if cache.temporary or not usage.wrote_this_run():
        return None
    budget = budget_setting()
    compact = usage.ledger_bytes(cache) >= usage.COMPACT_AT
    over = False
    if budget is not None and not offline:
        totals = usage.read_totals(cache)
        over = totals is None or sum(totals.values()) > budget
    if not (over or compact):
        return None
    try:
        with cache.lock_exclusive(timeout=0):
            if over and budget is not None:
                result = evict(cache, int(budget * AUTO_LOW_WATER) if budget else 0)
            else:  # no appender can run now: the lines summed are the totals
                totals = usage.read_totals(cache)
                usage.write_totals(cache, usage.exact_totals(cache) if totals is None else totals)
                return None
    except CacheLockedError:
        _log.debug("cache in use by another process: not evicting now")
        return None
    result.discard()
    return result
