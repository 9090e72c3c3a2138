"""What the cache holds, in bytes per bucket, kept as running totals by the writers; last use.

The totals live in ``<root>/.sizes``, a text file that concurrent processes share by appending
only (``O_APPEND``: one ``write()`` of a short line lands whole, whoever else appends)::

    sula-cache-sizes 1          the header: the lines below start from an empty cache
    wheels-v1 4096              a bucket's total, as the last compaction found it
    wheels-v1 1838402           one writer's change (an entry written: its bytes)
    simple-v1 -12               (a page rewritten one line shorter)

A bucket's size is the sum of its lines. Without the header the file does not start from a
known state (a cache made before this file existed, or cleaned by hand): the size is then
walked once and the file rewritten. It is rewritten (one line per bucket) only under the
exclusive cache lock, when no process can be appending: from a walk by ``sula cache size
--exact`` and by every eviction (``prune --max-size``, ``SULA_CACHE_MAX_SIZE``), which so repair
any drift (a process killed between a write and its line; two processes growing one directory
at once); as zeros by ``clean``; by summing its lines when a writing command ends and the file
has grown past ``COMPACT_AT``. ``clean PACKAGE`` and ``prune`` append what they removed.

Sizes are apparent sizes as ``du -sb`` counts them: every file, directory and symlink below
the bucket directories (the bucket directories included), and a file hard-linked several
times (into environments, which is how entries are installed) once. What sits in the root
(``.lock``, ``.sizes``, ``CACHEDIR.TAG``, ``.tmp/``) is bookkeeping and not counted.

Last use: an entry's directory (or file) gets its mtime set to now, once per process, when a
run uses it (:func:`touch`); a failure (a read-only cache) is ignored, so nothing is written.

Light on purpose (``os`` and ``stat`` only): ``sula cache size`` is this module and a file read.
"""

from __future__ import annotations

import contextlib
import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from threading import Lock

    from sula.cache.core import Cache

__all__ = [
    "LEDGER",
    "InvalidSizeError",
    "add_bytes",
    "begin_write",
    "exact_totals",
    "format_size",
    "ledger_bytes",
    "parse_size",
    "read_totals",
    "record_write",
    "reset_totals",
    "touch",
    "tree_bytes",
    "upkeep_due",
    "write_totals",
    "wrote_this_run",
]

LEDGER = ".sizes"
HEADER = "sula-cache-sizes 1\n"
# Compact the totals file (one line per bucket) once it is this large.
COMPACT_AT = 64 * 1024

_wrote = False
_touched: set[str] = set()
_short_writes: Lock | None = None


def wrote_this_run() -> bool:
    """Whether this process added anything to a cache's totals (a command that wrote)."""
    return _wrote


def touch(path: str | os.PathLike[str]) -> bool:
    """Record that ``path`` (an entry's directory or file) was used now: its mtime, once per
    process (True when this call set it). Errors (a read-only or foreign cache) are ignored:
    nothing is written then."""
    key = os.fspath(path)
    if key in _touched:
        return False
    _touched.add(key)
    try:
        os.utime(key)
    except OSError:
        return False
    return True


def tree_bytes(path: str, seen: set[tuple[int, int]] | None = None) -> int:
    """The apparent size of ``path`` and, for a directory, everything below it (symlinks not
    followed). With ``seen``, an inode with several links is counted the first time only."""
    try:
        st = os.lstat(path)
    except OSError:
        return 0
    total = st.st_size
    if not stat.S_ISDIR(st.st_mode):
        if seen is not None and st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            if key in seen:
                return 0
            seen.add(key)
        return total
    stack = [path]
    while stack:
        try:
            it = os.scandir(stack.pop())
        except OSError:
            continue
        with it:
            for entry in it:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    stack.append(entry.path)
                elif seen is not None and st.st_nlink > 1:
                    key = (st.st_dev, st.st_ino)
                    if key in seen:
                        continue
                    seen.add(key)
                total += st.st_size
    return total


def _ledger(cache: Cache) -> str:
    return os.path.join(cache.root_dir, LEDGER)


def add_bytes(cache: Cache, bucket: str, delta: int) -> None:
    """Append one change of ``bucket``'s total (a no-op for 0 and for a temporary cache)."""
    global _wrote
    if delta == 0 or cache.temporary:
        return
    _wrote = True
    try:
        fd = os.open(_ledger(cache), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        os.write(fd, f"{bucket} {delta}\n".encode("ascii"))
    except OSError:
        pass
    finally:
        os.close(fd)


def _size_or_none(path: str) -> int | None:
    try:
        return os.lstat(path).st_size
    except OSError:
        return None


class _Write:
    """The bytes at a path (and its sidecar) before a write, and the directories above it that
    the write creates or grows, so that :meth:`commit` appends exactly what changed.

    The missing directories above ``path`` are made here, one ``mkdir`` at a time, and only
    those this call made are counted: of several writers (threads or processes) that need the
    same new directory, exactly one adds it."""

    __slots__ = ("_anchor", "_anchor_size", "_before", "_bucket", "_cache", "_made", "_paths")

    def __init__(self, cache: Cache, path: str, sidecar: bool) -> None:
        self._cache = cache
        root = cache.root_dir.rstrip(os.sep)
        rel = path[len(root) + 1 :] if path.startswith(root + os.sep) else ""
        self._bucket = rel.split(os.sep, 1)[0]
        self._paths = (path, path + ".sha256") if sidecar else (path,)
        self._before = sum(tree_bytes(p) for p in self._paths)
        # The nearest existing ancestor grows by a name; the missing ones are made here.
        missing: list[str] = []
        parent = os.path.dirname(path)
        anchor_size = None
        while self._bucket and len(parent) > len(root):
            anchor_size = _size_or_none(parent)
            if anchor_size is not None:
                break
            missing.append(parent)
            parent = os.path.dirname(parent)
        self._anchor = parent if anchor_size is not None else None
        self._anchor_size = anchor_size or 0
        self._made: list[str] = []
        for d in reversed(missing):
            try:
                os.mkdir(d)
            except FileExistsError:
                continue
            except OSError:
                break  # a read-only cache: the write fails too, and nothing is counted
            self._made.append(d)

    def commit(self) -> None:
        if not self._bucket:
            return
        delta = sum(tree_bytes(p) for p in self._paths) - self._before
        if self._anchor is not None:
            delta += (_size_or_none(self._anchor) or 0) - self._anchor_size
        for d in self._made:
            delta += _size_or_none(d) or 0
        add_bytes(self._cache, self._bucket, delta)


class _NoWrite:
    __slots__ = ()

    def commit(self) -> None:
        pass


def begin_write(cache: Cache, path: str | os.PathLike[str], *, sidecar: bool = False) -> _Write | _NoWrite:
    """:func:`record_write` in two calls: ``w = begin_write(…)``, write, ``w.commit()``."""
    if cache.temporary:
        return _NoWrite()
    return _Write(cache, os.fspath(path), sidecar)


@contextlib.contextmanager
def record_write(cache: Cache, path: str | os.PathLike[str], *, sidecar: bool = False) -> Iterator[None]:
    """Around the write of one cache entry at ``path`` (with its ``<path>.sha256`` sidecar when
    ``sidecar``): afterwards, whether the block succeeded or not, the bucket's total changes by
    what the entry's bytes did. For short writes (a page, a metadata file): blocks of one
    process run one at a time. The caller holds the entry's lock, if it has one."""
    global _short_writes
    if _short_writes is None:
        import threading

        _short_writes = threading.Lock()
    # One short write at a time in this process: two threads adding files to one directory
    # would each see it grow by the same block and count that block twice.
    with _short_writes:
        write = begin_write(cache, path, sidecar=sidecar)
        try:
            yield
        finally:
            write.commit()


def read_totals(cache: Cache) -> dict[str, int] | None:
    """Each bucket's size from the running totals; ``None`` when they are unknown (no file, or
    not started from a known state)."""
    try:
        with open(_ledger(cache), "rb") as f:
            data = f.read()
    except OSError:
        return None
    if not data.startswith(HEADER.encode("ascii")):
        return None
    totals: dict[str, int] = {}
    body = data[len(HEADER) :]
    body = body[: body.rfind(b"\n") + 1]  # a last line without its newline was cut short by a crash
    for line in body.split(b"\n"):
        name, _, num = line.partition(b" ")
        try:
            value = int(num)
        except ValueError:
            continue  # an empty last line, or one cut short by a crash
        key = name.decode("ascii", "replace")
        totals[key] = totals.get(key, 0) + value
    # A bucket removed whole (another format version, by prune) may never have been added.
    return {k: max(v, 0) for k, v in totals.items()}


def upkeep_due(cache: Cache) -> bool:
    """Whether, after a run that wrote, ``sula.cache.evict.enforce_budget`` has anything to do:
    a budget is set or the totals file wants compacting. Cheap, so that a writing run without a
    budget does not import the eviction code."""
    if cache.temporary or not _wrote:
        return False
    if os.environ.get("SULA_CACHE_MAX_SIZE", "").strip() or ledger_bytes(cache) >= COMPACT_AT:
        return True
    from sula.config import load_config

    return load_config().cache_max_size is not None


def ledger_bytes(cache: Cache) -> int:
    """The size of the totals file (compaction is due when it grows large)."""
    return _size_or_none(_ledger(cache)) or 0


def write_totals(cache: Cache, totals: dict[str, int]) -> None:
    """Replace the running totals by ``totals`` (the caller holds the cache lock exclusively:
    an append racing with this rename would be lost). Errors are ignored (read-only cache)."""
    body = HEADER + "".join(f"{name} {size}\n" for name, size in sorted(totals.items()) if size)
    path = _ledger(cache)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="ascii") as f:
            f.write(body)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def reset_totals(cache: Cache) -> None:
    """Start the totals of a new (empty) cache; keeps a file that exists."""
    try:
        fd = os.open(_ledger(cache), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        return
    try:
        os.write(fd, HEADER.encode("ascii"))
    finally:
        os.close(fd)


def exact_totals(cache: Cache) -> dict[str, int]:
    """Each bucket's size, walked (``du -sb`` of every bucket directory, links counted once)."""
    from sula.cache.core import is_bucket_dir_name

    seen: set[tuple[int, int]] = set()
    totals: dict[str, int] = {}
    try:
        names = sorted(os.listdir(cache.root_dir))
    except OSError:
        return totals
    for name in names:
        path = os.path.join(cache.root_dir, name)
        if is_bucket_dir_name(name) and os.path.isdir(path):
            totals[name] = tree_bytes(path, seen)
    return totals


class InvalidSizeError(ValueError):
    """Raised by :func:`parse_size`; callers turn it into their own error with context."""


_UNITS = {
    "": 1, "b": 1,
    "k": 1024, "kib": 1024, "kb": 1000,
    "m": 1024**2, "mib": 1024**2, "mb": 1000**2,
    "g": 1024**3, "gib": 1024**3, "gb": 1000**3,
    "t": 1024**4, "tib": 1024**4, "tb": 1000**4,
}


def parse_size(text: str) -> int:
    """``"10G"`` → bytes. ``K``, ``M``, ``G``, ``T`` (and ``KiB``…) are powers of 1024, ``KB``,
    ``MB``… powers of 1000; a plain number is bytes; decimals are allowed (``1.5G``)."""
    s = text.strip().lower()
    i = len(s)
    while i and s[i - 1].isalpha():
        i -= 1
    number, unit = s[:i].strip(), s[i:]
    if unit not in _UNITS or not number:
        raise InvalidSizeError(text)
    try:
        value = float(number)
    except ValueError:
        raise InvalidSizeError(text) from None
    if not value >= 0 or value == float("inf"):
        raise InvalidSizeError(text)
    return int(value * _UNITS[unit])


def format_size(num_bytes: int) -> str:
    """``1536`` → ``1.5 KiB`` (binary units, one decimal)."""
    size = float(num_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{num_bytes} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover
