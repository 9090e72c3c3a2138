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
    from collections.abc import Callable, Iterable, Iterator
    from zipfile import ZipFile, ZipInfo

__all__ = [
    "ArchiveError",
    "ArchiveLimitError",
    "CorruptArchiveError",
    "UnsafeArchiveMemberError",
    "UnsupportedArchiveError",
    "check_expansion",
    "extract_sdist",
    "undecodable_name",
    "unpack_limits",
    "utf8_problem",
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


# --- limits against archive bombs ----------------------------------------------------------

# A small archive must not fill the disk: the sizes members declare (zip central directory,
# tar headers) are summed before anything is written, and both readers stop a member at its
# declared size, so the declared sum bounds what extraction writes. The largest real wheels
# unpack to a few GiB at ratios under 10:1; the defaults leave a wide margin.
DEFAULT_MAX_UNPACKED_SIZE = 16 << 30
DEFAULT_MAX_UNPACKED_RATIO = 200
# The ratio check applies only above this many unpacked bytes (a tiny zip of zeros is fine).
RATIO_FLOOR = 256 << 20
MAX_SIZE_ENV = "SULA_MAX_UNPACKED_SIZE"
MAX_RATIO_ENV = "SULA_MAX_UNPACKED_RATIO"

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tb": 1 << 40,
          "tib": 1 << 40}


class ArchiveLimitError(SulaError):
    """A limit variable (``SULA_MAX_UNPACKED_SIZE``, ``SULA_MAX_UNPACKED_RATIO``) that does not parse."""

    def __init__(self, variable: str, value: str, expected: str) -> None:
        super().__init__(f"Invalid `{variable}={value}`: expected {expected}")
        self.variable = variable
        self.value = value


def unpack_limits() -> tuple[int, int]:
    """``(max unpacked bytes, max ratio of unpacked to archive bytes)`` from the environment.

    ``SULA_MAX_UNPACKED_SIZE`` takes bytes or a binary unit (``512M``, ``16GiB``);
    ``SULA_MAX_UNPACKED_RATIO`` a whole number; ``0`` turns either check off.
    """
    size = DEFAULT_MAX_UNPACKED_SIZE
    ratio = DEFAULT_MAX_UNPACKED_RATIO
    raw = os.environ.get(MAX_SIZE_ENV, "").strip()
    if raw:
        import re

        m = re.fullmatch(r"(\d+)\s*([a-zA-Z]*)", raw)
        unit = m.group(2).lower() if m else ""
        if m is None or unit not in _UNITS:
            raise ArchiveLimitError(MAX_SIZE_ENV, raw, "a size such as `512M` or `16GiB`")
        size = int(m.group(1)) * _UNITS[unit]
    raw = os.environ.get(MAX_RATIO_ENV, "").strip()
    if raw:
        if not raw.isdigit():
            raise ArchiveLimitError(MAX_RATIO_ENV, raw, "a whole number such as `200`")
        ratio = int(raw)
    return size, ratio


def _human(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.4g} {unit}"
    return f"{n} bytes"


def check_expansion(archive_size: int, members: Iterable[tuple[str, int]]) -> tuple[str, str] | None:
    """``(member, reason)`` for the first member that takes the declared unpacked total past
    the limits of :func:`unpack_limits`, or None when the archive stays within them."""
    max_size, max_ratio = unpack_limits()
    total = 0
    for name, size in members:
        total += max(size, 0)
        if max_size and total > max_size:
            return name, (f"unpacks past the limit of {_human(max_size)} "
                          f"(set `{MAX_SIZE_ENV}` to raise it)")
        if max_ratio and total > RATIO_FLOOR and total > max_ratio * max(archive_size, 1):
            return name, (f"unpacks to more than {max_ratio} times the archive's "
                          f"{_human(archive_size)} (set `{MAX_RATIO_ENV}` to raise it)")
    return None


def utf8_problem(name: str) -> str | None:
    """A printable form of ``name`` when it is not valid UTF-8 (tarfile keeps undecodable
    bytes as surrogates), else None."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return None


def undecodable_name(err: UnicodeDecodeError) -> str:
    """The name zipfile failed to decode (flagged UTF-8 but not), printable."""
    raw = err.object if isinstance(err.object, bytes) else b""
    return raw.decode("utf-8", "backslashreplace")


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
    except UnicodeDecodeError as err:
        # zipfile decodes a name flagged UTF-8 strictly, while reading the central directory.
        raise UnsafeArchiveMemberError(
            archive, undecodable_name(err), "has a file name that is not valid UTF-8"
        ) from err
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError) as err:
        raise CorruptArchiveError(archive, str(err) or type(err).__name__) from err
    except OSError as err:
        # gzip's BadGzipFile and bz2's "Invalid data stream" are OSErrors without an errno;
        # a failing or full disk sets one, and passes through as itself.
        if err.errno is not None:
            raise
        raise CorruptArchiveError(archive, str(err) or type(err).__name__) from err


def _check_name(archive: Path, name: str) -> None:
    """Refuse absolute names, ``..`` components (no sdist needs either) and names that are
    not UTF-8 or hold a NUL."""
    shown = utf8_problem(name)
    if shown is not None:
        raise UnsafeArchiveMemberError(archive, shown, "has a file name that is not valid UTF-8")
    if "\x00" in name:
        raise UnsafeArchiveMemberError(archive, name.replace("\x00", "\\0"), "has a NUL in its name")
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
        # Headers one at a time, the sizes summed as they come: a bomb stops at the header
        # that crosses the limit, before its data is decompressed only to be skipped.
        bomb = check_expansion(archive.stat().st_size, ((m.name, m.size) for m in tar))
        if bomb is not None:
            raise UnsafeArchiveMemberError(archive, *bomb)
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
        bomb = check_expansion(archive.stat().st_size, ((i.filename, i.file_size) for i in infos))
        if bomb is not None:
            raise UnsafeArchiveMemberError(archive, *bomb)
        links: dict[str, str] = {}
        seen: set[str] = set()
        for info in infos:
            _check_name(archive, info.filename)
            # A second member of the same name could be written through the first (a link).
            if info.filename.rstrip("/") in seen:
                raise UnsafeArchiveMemberError(archive, info.filename, "appears more than once")
            seen.add(info.filename.rstrip("/"))
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
        # The link's target too, resolved through the links made so far.
        target = os.path.join(os.path.dirname(path), links[info.filename])
        if not _inside(root, os.path.realpath(target)):
            raise UnsafeArchiveMemberError(archive, info.filename, "links outside the target")
        os.symlink(links[info.filename], path)
        return
    with zf.open(info) as src, open(path, "xb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    # Keep the owner's execute bit (a `configure` script), as pip does; nothing else.
    if (info.external_attr >> 16) & 0o100:
        os.chmod(path, 0o755)
