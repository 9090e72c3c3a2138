"""Safe extraction of source distributions (tar and zip), refusing members that leave the target."""

from __future__ import annotations

import contextlib
import os
import stat
import tarfile
from pathlib import Path, PurePosixPath

from sula.errors import SulaError

# zipfile, zlib, lzma and shutil are imported where used: nothing on a start-up path imports
# this module, but the resolver's sdist path does, once per build.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from zipfile import ZipFile, ZipInfo

__all__ = [
    "ArchiveError",
    "CorruptArchiveError",
    "UnsafeArchiveMemberError",
    "UnsupportedArchiveError",
    "extract_sdist",
]

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")
ZIP_SUFFIXES = (".zip",)


class ArchiveError(SulaError):
    """An archive that could not be extracted."""

    def __init__(self, archive: Path, message: str) -> None:
        super().__init__(message)
        self.archive = archive


class UnsafeArchiveMemberError(ArchiveError):
    """A member that would land outside the target, or that is no plain file, dir or link."""

    def __init__(self, archive: Path, member: str, reason: str) -> None:
        super().__init__(
            archive, f"Refusing to extract `{archive.name}`: member `{member}` {reason}"
        )
        self.member = member
        self.reason = reason


class CorruptArchiveError(ArchiveError):
    """An archive that cannot be read (truncated, bad checksum, not the format its name says)."""

    def __init__(self, archive: Path, detail: str) -> None:
        super().__init__(archive, f"Failed to read `{archive.name}`: {detail}")
        self.detail = detail


class UnsupportedArchiveError(ArchiveError):
    """A file whose name ends in none of the archive suffixes sula extracts."""

    def __init__(self, archive: Path) -> None:
        super().__init__(
            archive,
            f"Unsupported archive format: `{archive.name}` (expected one of "
            + ", ".join(f"`{s}`" for s in (*TAR_SUFFIXES, *ZIP_SUFFIXES))
            + ")",
        )


def extract_sdist(archive: Path, dest: Path) -> Path:
    """Unpack the source distribution ``archive`` into the empty directory ``dest``.

    Returns the source tree: the single top-level directory when there is exactly one
    (sdists hold ``name-version/``), else ``dest``. Members with an absolute name or a ``..``
    component, links that point outside ``dest`` and device files are refused before anything
    is written; tar members then go through PEP 706's ``data`` filter (or the same checks where
    the running Python lacks it). On an error ``dest`` may hold part of the archive: callers
    pass a temporary directory and move the tree into place only on success.
    """
    dest.mkdir(parents=True, exist_ok=True)
    lower = archive.name.lower()
    if lower.endswith(TAR_SUFFIXES):
        extract = _extract_tar
    elif lower.endswith(ZIP_SUFFIXES):
        extract = _extract_zip
    else:
        raise UnsupportedArchiveError(archive)
    with _translate(archive):
        extract(archive, dest)
    entries = list(dest.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return dest


@contextlib.contextmanager
def _translate(archive: Path) -> Iterator[None]:
    """The one seam where tarfile's, zipfile's and the decompressors' errors become ours."""
    import lzma
    import zipfile
    import zlib

    try:
        yield
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError) as err:
        raise CorruptArchiveError(archive, str(err) or type(err).__name__) from err
    except OSError as err:
        # gzip's BadGzipFile and bz2's "Invalid data stream" are OSErrors without an errno;
        # a failing or full disk sets one, and passes through as itself.
        if err.errno is not None:
            raise
        raise CorruptArchiveError(archive, str(err) or type(err).__name__) from err


def _check_name(archive: Path, name: str) -> None:
    """Refuse absolute names and ``..`` components (no sdist needs either)."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or os.path.isabs(name) or PurePosixPath(normalized).drive:
        raise UnsafeArchiveMemberError(archive, name, "has an absolute path")
    if ".." in normalized.split("/"):
        raise UnsafeArchiveMemberError(archive, name, "leaves the target")


def _inside(root: str, path: str) -> bool:
    return os.path.commonpath([root, path]) == root


# --- tar ------------------------------------------------------------------------------------

_FILTER_REASONS = {
    "AbsolutePathError": "has an absolute path",
    "OutsideDestinationError": "leaves the target",
    "AbsoluteLinkError": "links outside the target",
    "LinkOutsideDestinationError": "links outside the target",
    "SpecialFileError": "is a device or other special file",
}


def _refused(archive: Path, err: tarfile.TarError) -> UnsafeArchiveMemberError | None:
    """A ``tarfile.FilterError`` (it carries the member) as ours; None for any other TarError."""
    member: tarfile.TarInfo | None = getattr(err, "tarinfo", None)
    if member is None:
        return None
    reason = _FILTER_REASONS.get(type(err).__name__, str(err))
    return UnsafeArchiveMemberError(archive, member.name, reason)


def _extract_tar(archive: Path, dest: Path) -> None:
    data_filter: Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None] | None = getattr(
        tarfile, "data_filter", None
    )
    root = os.path.realpath(dest)
    with _NoChownTarFile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        # Read the compressed stream to its end: tar stops at its end-of-archive blocks, before
        # the gzip/bz2/xz trailer, and so would never check the stream's CRC.
        assert tar.fileobj is not None
        while tar.fileobj.read(1 << 20):
            pass
        # Check every member before writing any, so a hostile archive leaves nothing behind.
        for member in members:
            _check_name(archive, member.name)
            if data_filter is None:
                _fallback_data_filter(archive, member, root)
                continue
            try:
                data_filter(member, root)
            except tarfile.TarError as err:
                if (unsafe := _refused(archive, err)) is None:
                    raise
                raise unsafe from err
        if data_filter is not None:
            # The stdlib filter again, member by member at extraction time, against what is
            # already on disk (a symlink extracted earlier is resolved when later members are).
            try:
                tar.extractall(root, members=members, filter="data")
            except tarfile.TarError as err:
                if (unsafe := _refused(archive, err)) is None:
                    raise
                raise unsafe from err
            return
        for member in members:
            # Re-check against the disk as it is now, then extract the sanitized copy.
            safe = _fallback_data_filter(archive, member, root)
            # Directories keep the default mode: one made read-only before its files would
            # refuse them (the stdlib defers directory attributes for the same reason).
            tar.extract(safe, root, set_attrs=not safe.isdir())


class _NoChownTarFile(tarfile.TarFile):
    """A TarFile that never applies the archive's owners (the ``data`` filter drops them;
    without the filter, extracting as root would chown to the archive's uid/gid)."""

    def chown(self, tarinfo: tarfile.TarInfo, targetpath: object, numeric_owner: bool) -> None:
        return None


def _fallback_data_filter(archive: Path, member: tarfile.TarInfo, root: str) -> tarfile.TarInfo:
    """PEP 706's ``data`` filter for Pythons without ``tarfile.data_filter`` (3.10 before 3.10.12,
    3.11 before 3.11.4): stay inside ``root``, links too; no special files; sane modes."""
    import copy

    target = os.path.realpath(os.path.join(root, member.name))
    if not _inside(root, target):
        raise UnsafeArchiveMemberError(archive, member.name, "leaves the target")
    if member.issym() or member.islnk():
        if os.path.isabs(member.linkname):
            raise UnsafeArchiveMemberError(archive, member.name, "links outside the target")
        if member.issym():
            link_target = os.path.join(root, os.path.dirname(member.name), member.linkname)
        else:
            link_target = os.path.join(root, member.linkname)
        if not _inside(root, os.path.realpath(link_target)):
            raise UnsafeArchiveMemberError(archive, member.name, "links outside the target")
    elif not (member.isreg() or member.isdir()):
        raise UnsafeArchiveMemberError(archive, member.name, "is a device or other special file")
    safe = copy.copy(member)
    mode = member.mode & 0o755
    if member.isreg() or member.islnk():
        if not mode & 0o100:
            mode &= ~0o111
        mode |= 0o600
    safe.mode = mode
    safe.uid = safe.gid = 0
    safe.uname = safe.gname = ""
    return safe


# --- zip ------------------------------------------------------------------------------------


def _extract_zip(archive: Path, dest: Path) -> None:
    import zipfile

    root = os.path.realpath(dest)
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        links: dict[str, str] = {}
        for info in infos:
            _check_name(archive, info.filename)
            if not _inside(root, os.path.realpath(os.path.join(root, info.filename))):
                raise UnsafeArchiveMemberError(archive, info.filename, "leaves the target")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                target = zf.read(info).decode("utf-8", "surrogateescape")
                link_path = os.path.join(root, os.path.dirname(info.filename), target)
                if os.path.isabs(target) or not _inside(root, os.path.realpath(link_path)):
                    raise UnsafeArchiveMemberError(
                        archive, info.filename, "links outside the target"
                    )
                links[info.filename] = target
            # No file type at all is common (zipfile itself writes 0o600 alone): a plain file.
            elif stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise UnsafeArchiveMemberError(
                    archive, info.filename, "is a device or other special file"
                )
        for info in infos:
            _extract_zip_member(archive, zf, info, root, links)


def _extract_zip_member(
    archive: Path, zf: ZipFile, info: ZipInfo, root: str, links: dict[str, str]
) -> None:
    import shutil

    path = os.path.join(root, info.filename)
    if info.is_dir():
        os.makedirs(path, exist_ok=True)
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Checked again against the disk as it is now: a symlink made by an earlier member must
    # not carry this one out of the target.
    if not _inside(root, os.path.realpath(path)):
        raise UnsafeArchiveMemberError(archive, info.filename, "leaves the target")
    if info.filename in links:
        os.symlink(links[info.filename], path)
        return
    with zf.open(info) as src, open(path, "xb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    # Keep the owner's execute bit (a `configure` script), as pip does; nothing else.
    if (info.external_attr >> 16) & 0o100:
        os.chmod(path, 0o755)
