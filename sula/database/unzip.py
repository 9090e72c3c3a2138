"""Unzip a wheel into a directory, verifying each member against the wheel's RECORD.

The unpacked tree is what the installer links from, so its RECORD is rewritten to be
complete: every file with its sha256 and size as computed while extracting. The
installer then never needs to hash a linked file.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import posixpath
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from sula.database.errors import InvalidArchiveError

if TYPE_CHECKING:
    import zipfile

__all__ = ["unzip_wheel"]

_CHUNK = 1 << 18


def _safe_member(name: str, filename: str) -> str | None:
    """The member's normalized relative path; None for directories; error when unsafe."""
    if name.endswith("/"):
        return None
    if "\\" in name or name.startswith("/") or "\x00" in name:
        raise InvalidArchiveError(filename, f"unsafe path `{name}` (absolute, or not a plain name)")
    norm = posixpath.normpath(name)
    if norm.startswith("../") or norm == ".." or norm.startswith("/") or norm == ".":
        raise InvalidArchiveError(filename, f"unsafe path `{name}` (it leaves the wheel)")
    return norm


_NAME_ERRNOS = {errno.EEXIST, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ}


def _archive_size(archive: Path | BinaryIO) -> int:
    if isinstance(archive, Path):
        return archive.stat().st_size
    pos = archive.tell()
    end = archive.seek(0, os.SEEK_END)
    archive.seek(pos)
    return end


def _check_members(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], archive: Path | BinaryIO, filename: str) -> None:
    """Before anything is written: no bomb (the declared sizes bound what zipfile inflates),
    no name twice (the second would silently replace the first)."""
    from sula._archive import check_expansion

    bomb = check_expansion(_archive_size(archive), ((i.filename, i.file_size) for i in infos))
    if bomb is not None:
        raise InvalidArchiveError(filename, f"member `{bomb[0]}` {bomb[1]}")
    seen: set[str] = set()
    for info in infos:
        key = posixpath.normpath(info.filename.rstrip("/")) if info.filename.strip("/") else info.filename
        if key in seen:
            raise InvalidArchiveError(filename, f"member `{info.filename}` appears more than once")
        seen.add(key)


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


_BIG = 1 << 21  # larger members are streamed in chunks (bounded memory), not inflated at once
_LOCAL_HEADER = b"PK\x03\x04"


def _reader(archive: Path | BinaryIO) -> tuple[Callable[[int, int], bytes], Callable[[], None]]:
    """``read(offset, size)`` over the archive's bytes (fewer at its end), and its closer.

    One positioned read per member: no mapping of the whole archive, whose pages would count
    in the process's memory while several wheels unpack at once."""
    stream: BinaryIO = open(archive, "rb") if isinstance(archive, Path) else archive  # noqa: SIM115
    pos = stream.tell()

    def read(offset: int, size: int) -> bytes:
        stream.seek(offset)
        return stream.read(size)

    def close() -> None:
        if stream is archive:
            stream.seek(pos)  # the caller's stream, where it was
        else:
            stream.close()

    return read, close


def _inflate(read: Callable[[int, int], bytes], info: zipfile.ZipInfo) -> bytes | None:
    """A member's bytes, read straight from the archive and checked (size, CRC-32), or None
    when the member needs zipfile's general path (another compression method, encryption, a
    member too big to hold in memory)."""
    if info.compress_type not in (0, 8) or info.flag_bits & 0x1 or info.file_size > _BIG:
        return None
    off = info.header_offset
    # The local header's name and extra field usually have the central directory's lengths.
    guess = 30 + len(info.orig_filename.encode("utf-8", "surrogateescape")) + len(info.extra)
    chunk = read(off, guess + info.compress_size)
    if chunk[:4] != _LOCAL_HEADER:
        raise zlib.error(f"no local header for `{info.filename}`")
    start = 30 + int.from_bytes(chunk[26:28], "little") + int.from_bytes(chunk[28:30], "little")
    if start != guess:
        chunk = read(off, start + info.compress_size)
    raw = memoryview(chunk)[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise EOFError(f"`{info.filename}` is cut short")
    if info.compress_type == 8:
        inflater = (_INFLATE or _inflater())(-15)
        # At most the declared size (zlib reads a limit of 0 as none: an empty member gets 1).
        data: bytes = inflater.decompress(raw, info.file_size or 1)
        if not inflater.eof and (inflater.unconsumed_tail or inflater.flush(1)):
            raise zlib.error(f"`{info.filename}` inflates to more than its declared size")
    else:
        data = bytes(raw)
    if len(data) != info.file_size:
        raise EOFError(f"`{info.filename}` is {len(data)} bytes, not the declared {info.file_size}")
    if zlib.crc32(data) != info.CRC:
        raise zlib.error(f"bad CRC-32 for `{info.filename}`")
    return data


_INFLATE: Any = None  # chosen at the first inflate: a no-op install imports no zlib-ng


def _inflater() -> Any:
    """zlib-ng's inflater when the zlib-ng package is installed (about twice as fast as
    zlib's), else the standard library's."""
    global _INFLATE
    try:
        from zlib_ng import zlib_ng
    except ImportError:
        _INFLATE = zlib.decompressobj
    else:
        _INFLATE = zlib_ng.decompressobj
    return _INFLATE


def _nothing() -> None:
    pass


def unzip_wheel(archive: Path | BinaryIO, dest: Path, filename: str) -> None:
    """Extract ``archive`` into the existing directory ``dest`` and write a verified RECORD.

    Members are inflated straight from the archive's bytes, one call per member
    (zipfile's reader objects cost more than the inflating on a wheel of small files)."""
    import zipfile

    try:
        zf = zipfile.ZipFile(archive)
    except UnicodeDecodeError as err:
        # A name flagged UTF-8 that is not: zipfile fails while reading the central directory.
        from sula._archive import undecodable_name

        shown = undecodable_name(err)
        raise InvalidArchiveError(filename, f"member `{shown}` has a file name that is not valid UTF-8") from err
    except (zipfile.BadZipFile, OSError) as err:
        raise InvalidArchiveError(filename, "not a zip archive") from err
    computed: dict[str, tuple[str, int]] = {}
    made_dirs: set[str] = set()
    dist_infos: set[str] = set()
    dest_s = str(dest)
    current = ""
    close: Callable[[], None] = _nothing
    sha256 = hashlib.sha256
    try:
        with zf:
            infos = zf.infolist()
            _check_members(zf, infos, archive, filename)
            read, close = _reader(archive)
            for info in infos:
                current = info.filename
                rel = _safe_member(current, filename)
                if rel is None:
                    continue
                top, _, rest = rel.partition("/")
                if top.endswith(".dist-info") and rest:
                    dist_infos.add(top)
                parent = posixpath.dirname(rel)
                if parent and parent not in made_dirs:
                    os.makedirs(os.path.join(dest_s, parent), exist_ok=True)
                    made_dirs.add(parent)
                mode = (info.external_attr >> 16) & 0o777
                executable = bool(mode & 0o111) or (".data/scripts/" in rel and top.endswith(".data"))
                target = os.path.join(dest_s, rel)
                data = _inflate(read, info)
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o755 if executable else 0o644)
                if data is not None:
                    try:
                        view = memoryview(data)
                        while view:
                            view = view[os.write(fd, view) :]
                    finally:
                        os.close(fd)
                    computed[rel] = ("sha256=" + _b64(sha256(data).digest()), len(data))
                    continue
                h = sha256()
                size = 0
                with os.fdopen(fd, "wb") as out, zf.open(info) as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                computed[rel] = ("sha256=" + _b64(h.digest()), size)
    except zipfile.BadZipFile as err:
        raise InvalidArchiveError(filename, str(err)) from err
    except (zlib.error, EOFError) as err:
        raise InvalidArchiveError(filename, f"corrupt member data ({err})") from err
    except OSError as err:
        # A member whose path cannot be a file here: a file where a directory of another
        # member goes (or the reverse), a name too long. Disk errors pass through as they are.
        if err.errno not in _NAME_ERRNOS:
            raise
        raise InvalidArchiveError(
            filename, f"member `{current}` cannot be written ({os.strerror(err.errno or 0)})"
        ) from err
    finally:
        close()

    _finish(dest, filename, computed, dist_infos)


def _finish(dest: Path, filename: str, computed: dict[str, tuple[str, int]], dist_infos: set[str]) -> None:
    """Check the extracted files against the wheel's RECORD, then rewrite RECORD complete."""
    from sula.database.record import RecordEntry, format_record, parse_record

    if len(dist_infos) != 1:
        if not dist_infos:
            raise InvalidArchiveError(filename, "no `.dist-info` directory")
        from sula.distribution.names import canonicalize_name

        want = canonicalize_name(filename.split("-", 1)[0])
        dist_infos = {d for d in dist_infos if canonicalize_name(d.rsplit("-", 1)[0]) == want}
        if len(dist_infos) != 1:
            raise InvalidArchiveError(filename, "more than one `.dist-info` directory")
    dist_info = dist_infos.pop()
    _check_identity(dest, filename, dist_info)
    record_rel = f"{dist_info}/RECORD"
    record_path = dest / dist_info / "RECORD"
    try:
        listed = parse_record(record_path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InvalidArchiveError(filename, f"`{record_rel}` is missing") from err
    except UnicodeDecodeError as err:
        raise InvalidArchiveError(filename, f"`{record_rel}` is not UTF-8") from err
    for entry in listed:
        norm = posixpath.normpath(entry.path)
        if (entry.path.startswith("/") or norm == ".." or norm.startswith("../")
                or "\\" in entry.path or "\x00" in entry.path):
            # Paths in a wheel's RECORD are inside the wheel; `../` appears only in an
            # installed RECORD (scripts), never in an archive's.
            raise InvalidArchiveError(filename, f"RECORD entry `{entry.path}` points outside the wheel")
        if not entry.hash or entry.path == record_rel:
            continue
        got = computed.get(norm)
        if got is None:
            continue
        algo, _, value = entry.hash.partition("=")
        if algo == "sha256":
            ok = got[0] == entry.hash
        elif algo in hashlib.algorithms_guaranteed:
            ok = _b64(hashlib.new(algo, (dest / norm).read_bytes()).digest()) == value
        else:
            ok = True
        if not ok:
            raise InvalidArchiveError(filename, f"`{entry.path}` does not match its RECORD hash")
    rows = [RecordEntry(p, d, s) for p, (d, s) in sorted(computed.items()) if p != record_rel]
    rows.append(RecordEntry(record_rel, "", None))
    os.unlink(record_path)
    with open(record_path, "x", encoding="utf-8", newline="") as f:
        f.write(format_record(rows))


def _check_identity(dest: Path, filename: str, dist_info: str) -> None:
    """The ``.dist-info`` and its METADATA must name the distribution and version the wheel's
    filename does: a wheel that installs something other than what was resolved is refused."""
    from sula.distribution.filename import FilenameError, WheelFilename
    from sula.distribution.metadata import MAX_METADATA_SIZE, InvalidMetadataError, parse_metadata
    from sula.distribution.names import canonicalize_name
    from sula.distribution.version import same_version

    try:
        wheel = WheelFilename.parse(filename)
    except FilenameError:
        return  # not named like a wheel (a caller's temporary name): nothing to compare
    stem = dist_info[: -len(".dist-info")]
    name, sep, version = stem.rpartition("-")
    if not sep or canonicalize_name(name) != wheel.name or not same_version(version, wheel.version_str):
        raise InvalidArchiveError(
            filename, f"its `{dist_info}` does not match the filename's `{wheel.name} {wheel.version_str}`"
        )
    meta_path = dest / dist_info / "METADATA"
    try:
        size = meta_path.stat().st_size
    except FileNotFoundError as err:
        raise InvalidArchiveError(filename, f"`{dist_info}/METADATA` is missing") from err
    if size > MAX_METADATA_SIZE:
        raise InvalidArchiveError(
            filename, f"`{dist_info}/METADATA` is {size} bytes, more than the limit of {MAX_METADATA_SIZE}"
        )
    try:
        meta = parse_metadata(meta_path.read_bytes())
    except InvalidMetadataError as err:
        raise InvalidArchiveError(filename, f"`{dist_info}/METADATA`: {err}") from err
    if canonicalize_name(meta.name) != wheel.name or not same_version(meta.version, wheel.version_str):
        raise InvalidArchiveError(
            filename, f"its METADATA names `{meta.name} {meta.version}`, not `{wheel.name} {wheel.version_str}`"
        )
    _check_entry_points(dest / dist_info / "entry_points.txt", filename, dist_info)


def _check_entry_points(path: Path, filename: str, dist_info: str) -> None:
    """Scripts become files and launcher source: refuse bad ones before the wheel is cached."""
    from sula.distribution.entry_points import EntryPointError, parse_entry_points

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except UnicodeDecodeError as err:
        raise InvalidArchiveError(filename, f"`{dist_info}/entry_points.txt` is not UTF-8") from err
    try:
        parse_entry_points(text)
    except EntryPointError as err:
        raise InvalidArchiveError(filename, str(err)) from err
