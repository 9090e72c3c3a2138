"""Put files from the cache into an environment: hardlink, reflink clone, copy or symlink.

A linked file is shared with the cache, so nothing ever writes into a destination file in
place: an existing destination is replaced by a rename of a new link made beside it (so the
path always names the old file or the new one, never nothing), and generated files (RECORD,
INSTALLER, scripts) are always new files.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import stat
import sys
from collections.abc import Collection

from sula._log import getLogger
from sula._warnings import warn_user
from sula.errors import option

__all__ = ["TEMP_PREFIX", "LinkMode", "Linker", "temp_sibling"]

# Hidden names the installer and uninstaller use inside site-packages; never a distribution.
TEMP_PREFIX = ".sula-tmp-"


def temp_sibling(path: str) -> str:
    """A hidden name beside ``path``, for a file that is renamed over it once whole."""
    head, name = os.path.split(path)
    return os.path.join(head, f"{TEMP_PREFIX}{os.urandom(4).hex()}-{name}")


_log = getLogger(__name__)

# linux/fs.h: _IOW(0x94, 9, int)
FICLONE = 0x40049409

# errno values that mean "this filesystem (pair) cannot do that": fall back to a copy.
_FALLBACK_ERRNOS = {
    errno.EXDEV,
    errno.EPERM,
    errno.EMLINK,
    errno.EOPNOTSUPP,
    errno.ENOTSUP,
    errno.ENOTTY,
    errno.EINVAL,
    errno.ENOSYS,
    errno.EACCES,
}


class LinkMode(enum.Enum):
    """How files get from the cache into the environment (``--link-mode``)."""

    HARDLINK = "hardlink"
    COPY = "copy"
    CLONE = "clone"
    SYMLINK = "symlink"

    @classmethod
    def default(cls) -> LinkMode:
        """Hardlinks on Linux and other Unixes, clones on macOS (APFS), copies on Windows."""
        if sys.platform == "darwin":
            return cls.CLONE
        if sys.platform == "win32":
            return cls.COPY
        return cls.HARDLINK


class Linker:
    """Links single files, downgrading to copies once a link mode proves unsupported.

    ``conflicts`` collects destination paths that existed (and were another file) before
    they were replaced; the caller turns them into one warning per distribution. ``owned``
    holds the paths of the versions being replaced: overwriting those is no conflict.
    """

    def __init__(self, mode: LinkMode | None = None, owned: Collection[str] = frozenset()) -> None:
        self.requested = mode or LinkMode.default()
        self.mode = self.requested
        self.conflicts: list[str] = []
        self.owned = owned

    def _fall_back(self, err: OSError, src: str, dst: str) -> None:
        if self.mode is not LinkMode.COPY:
            warn_user(
                f"Failed to {self.mode.value} files from the cache into the environment "
                f"({os.strerror(err.errno or 0)}); falling back to copying. "
                f"Pass {option('--link-mode', 'copy')} to silence this warning"
            )
            _log.debug("%s %s -> %s failed: %s", self.mode.value, src, dst, err)
            self.mode = LinkMode.COPY

    def link(self, src: str, dst: str) -> None:
        """Create ``dst`` from ``src`` with the current mode, replacing any existing file."""
        mode = self.mode
        try:
            if mode is LinkMode.HARDLINK:
                os.link(src, dst)
            elif mode is LinkMode.SYMLINK:
                os.symlink(src, dst)
            elif mode is LinkMode.CLONE:
                _clone(src, dst)
            else:
                _copy(src, dst)
            return
        except FileExistsError:
            if self._replace_existing(src, dst):
                return
        except OSError as err:
            if mode is LinkMode.COPY or err.errno not in _FALLBACK_ERRNOS:
                raise
            self._fall_back(err, src, dst)
        self.link(src, dst)

    def _replace_existing(self, src: str, dst: str) -> bool:
        """Put ``src``'s file at the existing ``dst``; False when ``dst`` was a directory,
        now removed, so the link can be retried."""
        try:
            st = os.lstat(dst)
        except FileNotFoundError:
            return False
        if stat.S_ISDIR(st.st_mode):
            import shutil  # shutil imports bz2 and lzma: only when a directory is in the way

            shutil.rmtree(dst)
            self.conflicts.append(dst)
            return False
        try:
            same = os.path.samestat(st, os.stat(src))
        except OSError:
            same = False
        if same and self.mode is LinkMode.HARDLINK:
            # Left by an interrupted run of the same install: already the right file.
            return True
        if not same and dst not in self.owned and not (stat.S_ISLNK(st.st_mode) and os.readlink(dst) == src):
            self.conflicts.append(dst)
        # Linked beside it, then renamed over it: the path never names nothing.
        tmp = temp_sibling(dst)
        self.link(src, tmp)
        try:
            os.replace(tmp, dst)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return True


def _copy(src: str, dst: str) -> None:
    # O_EXCL: never open (and truncate) an existing file, which may be a hardlink into the cache.
    sfd = os.open(src, os.O_RDONLY)
    try:
        st = os.fstat(sfd)
        dfd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, (st.st_mode & 0o777) | 0o600)
        try:
            _copy_fd(sfd, dfd, st.st_size)
        except BaseException:
            os.close(dfd)
            os.unlink(dst)
            raise
        os.close(dfd)
    finally:
        os.close(sfd)


def _copy_fd(sfd: int, dfd: int, size: int) -> None:
    """Copy with sendfile (in-kernel) where it works, else through a buffer."""
    offset = 0
    try:
        while offset < size:
            sent = os.sendfile(dfd, sfd, offset, min(size - offset, 1 << 30))
            if sent == 0:
                break
            offset += sent
        return
    except OSError as err:
        if err.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP) or offset:
            raise
    while chunk := os.read(sfd, 1 << 20):
        view = memoryview(chunk)
        while view:
            view = view[os.write(dfd, view) :]


def _clone(src: str, dst: str) -> None:
    import fcntl

    mode = os.stat(src).st_mode & 0o777
    sfd = os.open(src, os.O_RDONLY)
    try:
        dfd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode | 0o600)
        try:
            fcntl.ioctl(dfd, FICLONE, sfd)
        except OSError:
            os.close(dfd)
            os.unlink(dst)
            raise
        os.close(dfd)
    finally:
        os.close(sfd)
