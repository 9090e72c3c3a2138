"""RECORD files (PEP 376 / wheel spec): read, hash, write.

A RECORD is CSV with three columns: a path (relative to the directory holding the
``.dist-info``, ``/``-separated, may start with ``../`` for scripts and data), the hash as
``sha256=<urlsafe base64 without padding>``, and the size in bytes. RECORD lists itself
with empty hash and size.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

from sula._record import dataclass

__all__ = [
    "RecordEntry",
    "encode_digest",
    "format_record",
    "hash_bytes",
    "hash_file",
    "parse_record",
]


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One RECORD row; ``hash`` is ``sha256=...`` or empty, ``size`` is None when unknown."""

    path: str
    hash: str
    size: int | None


def hash_bytes(data: bytes) -> str:
    """``sha256=<urlsafe-b64-nopad>`` of ``data``."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def encode_digest(digest: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def hash_file(path: Path) -> tuple[str, int]:
    """The RECORD hash and the size of the file at ``path``."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return encode_digest(h.digest()), size


def parse_record(text: str) -> list[RecordEntry]:
    """Parse a RECORD's text; malformed size fields become ``None``."""
    entries: list[RecordEntry] = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0]:
            continue
        path = row[0]
        digest = row[1] if len(row) > 1 else ""
        size: int | None = None
        if len(row) > 2 and row[2]:
            try:
                size = int(row[2])
            except ValueError:
                size = None
        entries.append(RecordEntry(path, digest, size))
    return entries


def format_record(entries: Iterable[RecordEntry]) -> str:
    """Render rows as RECORD text (``\\n`` line ends, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for e in entries:
        writer.writerow((e.path, e.hash, "" if e.size is None else str(e.size)))
    return out.getvalue()
