"""Unzip a wheel into a directory, verifying each member against the wheel's RECORD.

The unpacked tree is what the installer links from, so its RECORD is rewritten to be
complete: every file with its sha256 and size as computed while extracting. The
installer then never needs to hash a linked file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import posixpath
import zlib
from pathlib import Path
from typing import BinaryIO

from sula.database.errors import InvalidArchiveError

__all__ = ["unzip_wheel"]

_CHUNK = 1 << 18


def _safe_member(name: str, filename: str) -> str | None:
    """The member's normalized relative path; None for directories; error when unsafe."""
    if name.endswith("/"):
        return None
    if "\\" in name or name.startswith("/") or "\x00" in name:
        raise InvalidArchiveError(filename, f"unsafe path `{name}`")
    norm = posixpath.normpath(name)
    if norm.startswith("../") or norm == ".." or norm.startswith("/") or norm == ".":
        raise InvalidArchiveError(filename, f"unsafe path `{name}`")
    return norm


def _b64(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def unzip_wheel(archive: Path | BinaryIO, dest: Path, filename: str) -> None:
    """Extract ``archive`` into the existing directory ``dest`` and write a verified RECORD."""
    import zipfile

    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise InvalidArchiveError(filename, "not a zip archive") from err
    computed: dict[str, tuple[str, int]] = {}
    made_dirs: set[str] = set()
    dist_infos: set[str] = set()
    dest_s = str(dest)
    try:
        with zf:
            for info in zf.infolist():
                rel = _safe_member(info.filename, filename)
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
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o755 if executable else 0o644)
                if info.file_size <= _CHUNK:
                    # Small members (most of them): one read, one hash, one write.
                    try:
                        data = zf.read(info)
                        view = memoryview(data)
                        while view:
                            view = view[os.write(fd, view) :]
                    finally:
                        os.close(fd)
                    computed[rel] = ("sha256=" + _b64(hashlib.sha256(data).digest()), len(data))
                    continue
                h = hashlib.sha256()
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

    _finish(dest, filename, computed, dist_infos)


def _finish(dest: Path, filename: str, computed: dict[str, tuple[str, int]], dist_infos: set[str]) -> None:
    """Check the extracted files against the wheel's RECORD, then rewrite RECORD complete."""
    from sula.database.record import RecordEntry, format_record, parse_record

    if len(dist_infos) != 1:
        if not dist_infos:
            raise InvalidArchiveError(filename, "no `.dist-info` directory")
        from packaging.utils import canonicalize_name

        want = canonicalize_name(filename.split("-", 1)[0])
        dist_infos = {d for d in dist_infos if canonicalize_name(d.rsplit("-", 1)[0]) == want}
        if len(dist_infos) != 1:
            raise InvalidArchiveError(filename, "more than one `.dist-info` directory")
    dist_info = dist_infos.pop()
    record_rel = f"{dist_info}/RECORD"
    record_path = dest / dist_info / "RECORD"
    try:
        listed = parse_record(record_path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InvalidArchiveError(filename, f"`{record_rel}` is missing") from err
    except UnicodeDecodeError as err:
        raise InvalidArchiveError(filename, f"`{record_rel}` is not UTF-8") from err
    for entry in listed:
        if not entry.hash or entry.path == record_rel:
            continue
        norm = posixpath.normpath(entry.path)
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
