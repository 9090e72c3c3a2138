"""Atomic writes and renames, temporary directories beside their destination, file locks."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sula.errors import SulaError

TYPE_CHECKING = False  # ``typing`` costs milliseconds: mypy treats this name as True
if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor
    from typing import TypeVar

    T = TypeVar("T")

# shutil and tempfile are imported where used: ``sula venv`` imports this module and needs
# neither on its usual path (with argparse, shutil alone pulls in bz2 and lzma).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, BinaryIO

__all__ = [
    "LockTimeoutError",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "lock",
    "persist_dir",
    "remove_tree",
    "temp_dir_in",
    "write_user_file",
]


class LockTimeoutError(SulaError):
    """A file lock could not be acquired in time."""


@contextlib.contextmanager
def atomic_writer(path: Path, suffix: str = ".tmp", *, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only when the block ends without an error.

    It is written beside ``path`` (same filesystem) and renamed over it, so readers see
    the old file or the whole new one; on an error the partial file is removed. It has
    ``mode`` when given, else mkstemp's 0600 (fine for the cache).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _mkstemp(path.parent, f".{path.name}.", suffix)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mkstemp(parent: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """``tempfile.mkstemp(dir=parent, prefix=prefix, suffix=suffix)``: a new file, 0600, opened
    exclusively. Made here because tempfile's import (shutil, random, with bz2 and lzma) is
    milliseconds of an offline ``pip compile -o``, which writes one file."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL  # and, where they exist, what mkstemp adds:
    for extra in ("O_CLOEXEC", "O_NOFOLLOW", "O_NOINHERIT", "O_BINARY"):
        flags |= getattr(os, extra, 0)
    for _ in range(100):
        name = os.path.join(parent, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(17, "No usable temporary file name found", str(parent))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    with atomic_writer(path) as f:
        f.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    """Text variant of :func:`atomic_write_bytes` (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_user_file(path: Path, text: str) -> None:
    """Write a file the user asked for (``pip compile -o``) atomically, with the mode of the
    file it replaces, or for a new file the umask's (0644 under umask 022), as other tools do.

    What is not a regular file (``-o /dev/null``, ``/dev/stdout``, a FIFO) is written in
    place: a rename over it would replace the device itself (run as root, ``-o /dev/null``
    left a regular file at /dev/null for every process on the machine). A symbolic link's
    target is replaced, the link kept."""
    import stat

    data = text.encode("utf-8")
    try:
        st = os.stat(path)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    else:
        if not stat.S_ISREG(st.st_mode):
            with open(path, "wb") as out:
                out.write(data)
            return
        mode = st.st_mode & 0o7777
        path = Path(os.path.realpath(path))
    with atomic_writer(path, mode=mode) as f:
        f.write(data)


@contextlib.contextmanager
def temp_dir_in(parent: Path, prefix: str = ".tmp-") -> Iterator[Path]:
    """A temporary directory inside ``parent`` (same filesystem, so a rename out of it is atomic).

    Removed on exit unless its contents were moved away.
    """
    import tempfile

    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    try:
        yield tmp
    finally:
        remove_tree(tmp)


async def in_thread_to_end(executor: Executor | None, fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` in a thread of ``executor`` (None: the loop's default), awaited to its end
    even when the awaiting task is cancelled, the cancellation raised after it.

    A thread cannot be stopped: a task cancelled while an unzip into its temporary directory
    runs would otherwise leave that directory (``temp_dir_in``) while the thread still writes
    into it, and the thread would make it again (a partial entry in the cache's ``.tmp``).
    """
    import asyncio

    future = asyncio.get_running_loop().run_in_executor(executor, fn, *args)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({future})
        if not future.cancelled():
            future.exception()  # retrieved: the cancellation is what the caller gets
        raise


def persist_dir(src: Path, dest: Path) -> bool:
    """Atomically move the directory ``src`` to ``dest``.

    Returns False (and removes ``src``) when ``dest`` already exists: another
    process finished the same entry first, and its copy is as good as ours.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(src, dest)
    except OSError:
        if dest.exists():
            remove_tree(src)
            return False
        raise
    return True


def remove_tree(path: Path) -> None:
    """Remove a file, symlink or directory tree if it exists, fixing read-only bits on the way."""

    def onerror(func: object, p: str, exc: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(p, 0o700)
            if os.path.isdir(p) and not os.path.islink(p):
                os.rmdir(p)
            else:
                os.unlink(p)

    if path.is_symlink() or path.is_file():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    if path.exists():
        import shutil

        shutil.rmtree(path, onerror=onerror)


@contextlib.contextmanager
def lock(path: Path, timeout: float = -1) -> Iterator[None]:
    """Hold an exclusive inter-process lock on ``path`` (created if missing), waiting at most
    ``timeout`` seconds (negative: as long as it takes; 0: one try).

    On POSIX this is ``flock`` on the file, as filelock's ``UnixFileLock`` does (the two
    exclude each other), without importing filelock: a no-op ``pip sync`` takes this lock and
    filelock's import is ~15 ms. Elsewhere, and on a file system without ``flock``, filelock.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        with _filelock(path, timeout):
            yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            _flock(fcntl, fd, timeout)
        except LockTimeoutError:
            raise LockTimeoutError(f"Timed out waiting for lock `{path}`") from None
        except OSError as err:
            import errno

            if err.errno not in (errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOLCK):
                raise
            os.close(fd)
            fd = -1
            with _filelock(path, timeout):
                yield
            return
        yield
    finally:
        if fd >= 0:
            os.close(fd)  # closing the descriptor releases the lock


def _flock(fcntl: Any, fd: int, timeout: float) -> None:
    if timeout < 0:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    import time

    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LockTimeoutError() from None
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.1)


@contextlib.contextmanager
def _filelock(path: Path, timeout: float) -> Iterator[None]:
    from filelock import FileLock, Timeout

    fl = FileLock(str(path), timeout=timeout)
    try:
        fl.acquire()
    except Timeout as err:
        raise LockTimeoutError(f"Timed out waiting for lock `{path}`") from err
    try:
        yield
    finally:
        fl.release()
