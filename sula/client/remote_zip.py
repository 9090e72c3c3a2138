"""Read a wheel's ``*.dist-info/METADATA`` without downloading the wheel: HTTP range requests.

One suffix range request fetches the last 64 KiB, which holds the end-of-central-directory
record (zip64 too) and usually the whole central directory; a second request fetches the
METADATA entry unless it already lies in that tail (it often does: ``.dist-info`` is written
last). A server that answers the range request with ``200`` gets its body streamed to a
temporary file instead (the full-download fallback), hash-checked, and read with ``zipfile``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import struct
import zlib
from pathlib import Path
from typing import IO

from sula._record import dataclass
from sula.client.errors import HashMismatchError, HttpStatusError, MetadataError
from sula.client.http import HttpClient, StreamResponse
from sula.distribution.metadata import MAX_METADATA_SIZE

__all__ = ["TAIL_SIZE", "find_metadata_name", "read_metadata_from_zipfile", "read_remote_metadata"]

_log = logging.getLogger(__name__)

TAIL_SIZE = 64 * 1024
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_CDH = b"PK\x01\x02"
_LFH = b"PK\x03\x04"
_METADATA_RE = r"^[^/]+\.dist-info/METADATA$"  # compiled on first use (re caches it)
_IDENTITY = {"Accept-Encoding": "identity"}


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    method: int
    crc: int
    csize: int
    usize: int
    offset: int
    extra_len: int


def find_metadata_name(names: list[str], project: str) -> str | None:
    """The ``<name>-<version>.dist-info/METADATA`` entry; with several, the one whose
    directory names ``project``."""
    from sula.distribution.names import canonicalize_name

    metadata_re = re.compile(_METADATA_RE)
    found = [n for n in names if metadata_re.match(n)]
    if len(found) <= 1:
        return found[0] if found else None
    want = canonicalize_name(project)
    for n in found:
        if canonicalize_name(n.split("/", 1)[0].removesuffix(".dist-info").rsplit("-", 1)[0]) == want:
            return n
    return found[0]


class _RangeReader:
    """Fetch byte ranges of one URL, reusing the tail already downloaded."""

    def __init__(self, http: HttpClient, url: str, filename: str) -> None:
        self.http = http
        self.url = url
        self.filename = filename
        self.total = 0
        self.tail_start = 0
        self.tail = b""

    async def fetch(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of the file."""
        if start >= self.tail_start and end <= self.total:
            return self.tail[start - self.tail_start : end - self.tail_start]
        headers = {"Range": f"bytes={start}-{end - 1}", **_IDENTITY}
        async with self.http.open(self.url, headers=headers, ok=frozenset({206})) as resp:
            data = await resp.read()
        if len(data) != end - start:
            raise MetadataError(self.filename, "the server sent a short range response")
        return data


def _parse_content_range(value: str | None) -> tuple[int, int] | None:
    """``bytes 100-199/1000`` → (100, 1000)."""
    if not value:
        return None
    m = re.match(r"\s*bytes\s+(\d+)-(\d+)/(\d+)", value)
    if m is None:
        return None
    return int(m[1]), int(m[3])


_METADATA_SUFFIX = b".dist-info/METADATA"


def _parse_central_directory(data: bytes, filename: str) -> list[_Entry]:
    """The central directory's ``<dir>.dist-info/METADATA`` entries (a top-level directory).

    Every record is walked but only those few are decoded: a wheel can hold thousands of
    files, and a cold resolution reads a hundred or more central directories."""
    entries: list[_Entry] = []
    pos = 0
    count = 0
    unpack = struct.unpack_from
    while pos + 46 <= len(data) and data[pos : pos + 4] == _CDH:
        nlen, elen, clen = unpack("<HHH", data, pos + 28)
        start = pos + 46
        end = start + nlen
        count += 1
        if (nlen > len(_METADATA_SUFFIX) and data.endswith(_METADATA_SUFFIX, start, end)
                and data.find(b"/", start, end - 9) < 0):
            (_, _, _, flags, method, _, _, crc, csize, usize, _, _, _, _, _, _, offset) = (
                unpack("<4sHHHHHHIIIHHHHHII", data, pos)
            )
            name = data[start:end].decode("utf-8" if flags & 0x800 else "cp437", "replace")
            if 0xFFFFFFFF in (csize, usize, offset):
                extra = data[end : end + elen]
                usize, csize, offset = _zip64_extra(extra, usize, csize, offset)
            entries.append(_Entry(name, method, crc, csize, usize, offset, elen))
        pos = end + elen + clen
    if count == 0:
        raise MetadataError(filename, "the central directory is empty or unreadable")
    return entries


def _zip64_extra(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        hid, size = struct.unpack_from("<HH", extra, pos)
        if hid == 0x0001:
            body = extra[pos + 4 : pos + 4 + size]
            i = 0
            values = []
            while i + 8 <= len(body):
                values.append(struct.unpack_from("<Q", body, i)[0])
                i += 8
            it = iter(values)
            if usize == 0xFFFFFFFF:
                usize = next(it, usize)
            if csize == 0xFFFFFFFF:
                csize = next(it, csize)
            if offset == 0xFFFFFFFF:
                offset = next(it, offset)
            break
        pos += 4 + size
    return usize, csize, offset


async def read_remote_metadata(
    http: HttpClient,
    url: str,
    filename: str,
    project: str,
    *,
    expected_hash: tuple[str, str] | None = None,
) -> bytes:
    """The METADATA bytes of the wheel at ``url``, with range requests when possible."""
    reader = _RangeReader(http, url, filename)
    headers = {"Range": f"bytes=-{TAIL_SIZE}", **_IDENTITY}
    try:
        async with http.open(url, headers=headers, ok=frozenset({200, 206})) as resp:
            if resp.status == 200:
                _log.debug("`%s` does not support range requests: downloading it", filename)
                return await _metadata_from_full_response(resp, filename, project, expected_hash)
            rng = _parse_content_range(resp.headers.get("Content-Range"))
            tail = await resp.read()
    except HttpStatusError as err:
        if err.status != 416:
            raise
        # Some servers refuse suffix ranges: download the whole file instead.
        async with http.open(url, headers=_IDENTITY) as resp:
            return await _metadata_from_full_response(resp, filename, project, expected_hash)
    if rng is None:
        raise MetadataError(filename, "the range response has no usable `Content-Range`")
    reader.tail_start, reader.total = rng
    reader.tail = tail
    if rng[0] + len(tail) != rng[1]:
        raise MetadataError(filename, "the range response does not reach the end of the file")

    eocd = tail.rfind(_EOCD)
    if eocd < 0 or eocd + 22 > len(tail):
        raise MetadataError(filename, "no end-of-central-directory record (not a zip file?)")
    (_, _, _, _, count, cd_size, cd_offset, _) = struct.unpack_from("<4sHHHHIIH", tail, eocd)
    if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        loc = eocd - 20
        if loc < 0 or tail[loc : loc + 4] != _EOCD64_LOCATOR:
            raise MetadataError(filename, "a zip64 archive without its zip64 locator")
        eocd64_offset = struct.unpack_from("<Q", tail, loc + 8)[0]
        rec = await reader.fetch(eocd64_offset, eocd64_offset + 56)
        if rec[:4] != _EOCD64:
            raise MetadataError(filename, "a broken zip64 end-of-central-directory record")
        cd_size, cd_offset = struct.unpack_from("<QQ", rec, 40)
    if cd_offset + cd_size > reader.total:
        raise MetadataError(filename, "the central directory lies past the end of the file")
    cd = await reader.fetch(cd_offset, cd_offset + cd_size)
    entries = _parse_central_directory(cd, filename)
    name = find_metadata_name([e.name for e in entries], project)
    if name is None:
        raise MetadataError(filename, "no `*.dist-info/METADATA` file in the wheel")
    entry = next(e for e in entries if e.name == name)
    if entry.usize > MAX_METADATA_SIZE or entry.csize > MAX_METADATA_SIZE:
        raise MetadataError(filename, f"`{name}` is {entry.usize} bytes, more than the limit of {MAX_METADATA_SIZE}")
    # The local header's extra field may differ from the central one: fetch some slack.
    guess_end = min(reader.total, entry.offset + 30 + len(name.encode()) + entry.extra_len
                    + entry.csize + 1024)
    chunk = await reader.fetch(entry.offset, guess_end)
    if chunk[:4] != _LFH:
        raise MetadataError(filename, "a broken local file header")
    nlen, elen = struct.unpack_from("<HH", chunk, 26)
    start = 30 + nlen + elen
    if start + entry.csize > len(chunk):
        chunk += await reader.fetch(entry.offset + len(chunk), entry.offset + start + entry.csize)
    raw = chunk[start : start + entry.csize]
    return _inflate(raw, entry, filename)


def _inflate(raw: bytes, entry: _Entry, filename: str) -> bytes:
    if entry.method == 0:
        data = raw
    elif entry.method == 8:
        try:
            data = zlib.decompressobj(-15).decompress(raw)
        except zlib.error as err:
            raise MetadataError(filename, f"cannot inflate `{entry.name}`: {err}") from None
    else:
        raise MetadataError(filename, f"unsupported compression method {entry.method}")
    if zlib.crc32(data) != entry.crc or len(data) != entry.usize:
        raise MetadataError(filename, f"`{entry.name}` fails its CRC check")
    return data


def read_metadata_from_zipfile(path_or_file: Path | IO[bytes], filename: str, project: str) -> bytes:
    """METADATA of a local wheel (a path or a seekable binary file)."""
    import zipfile

    try:
        with zipfile.ZipFile(path_or_file) as zf:
            name = find_metadata_name(zf.namelist(), project)
            if name is None:
                raise MetadataError(filename, "no `*.dist-info/METADATA` file in the wheel")
            size = zf.getinfo(name).file_size
            if size > MAX_METADATA_SIZE:
                raise MetadataError(filename, f"`{name}` is {size} bytes, more than the limit of {MAX_METADATA_SIZE}")
            data: bytes = zf.read(name)
            return data
    except UnicodeDecodeError as err:
        # A name flagged UTF-8 that is not: zipfile fails while reading the central directory.
        from sula._archive import undecodable_name

        shown = undecodable_name(err)
        raise MetadataError(filename, f"member `{shown}` has a file name that is not valid UTF-8") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
        raise MetadataError(filename, f"not a readable zip file ({err})") from None


async def _metadata_from_full_response(
    resp: StreamResponse, filename: str, project: str, expected_hash: tuple[str, str] | None
) -> bytes:
    hasher = hashlib.new(expected_hash[0]) if expected_hash else None
    # A plain temporary file: SpooledTemporaryFile is not seekable() for zipfile before 3.11.
    import tempfile  # with shutil, bz2 and lzma: only when a whole wheel is spooled

    with tempfile.TemporaryFile() as spool:
        async for chunk in resp.iter_chunks():
            if hasher is not None:
                hasher.update(chunk)
            spool.write(chunk)
        if hasher is not None and expected_hash is not None:
            actual = hasher.hexdigest()
            if actual != expected_hash[1].lower():
                raise HashMismatchError(resp.url, expected_hash[0], expected_hash[1], actual)
        spool.seek(0)
        return read_metadata_from_zipfile(spool, filename, project)
