"""Core metadata (METADATA / PKG-INFO, email-header format) parsed into a msgspec Struct.

Wheels, PEP 658 ``.metadata`` files and source builds all produce a :class:`Metadata`;
it is written to the cache as msgpack, so decoding it back costs microseconds.
"""

from __future__ import annotations

import msgspec

from sula.errors import SulaError

__all__ = ["MAX_METADATA_SIZE", "InvalidMetadataError", "Metadata", "parse_metadata"]

# Real METADATA files, long descriptions included, stay under a few MiB; anything bigger is
# refused before it is read whole into memory (a wheel's, a `.metadata` file, a range read).
MAX_METADATA_SIZE = 32 << 20


class InvalidMetadataError(SulaError):
    """Core metadata without the required ``Name`` or ``Version`` field."""


class Metadata(msgspec.Struct, frozen=True):
    """The fields of core metadata that resolving and installing need.

    ``name`` is as written (not normalized); ``requires_dist`` keeps each PEP 508 string
    verbatim so that nothing is parsed before the resolver looks at it.
    """

    name: str
    version: str
    requires_dist: list[str] = []
    requires_python: str | None = None
    provides_extra: list[str] = []
    metadata_version: str | None = None
    summary: str | None = None
    dynamic: list[str] = []


_MULTI = {"requires-dist", "provides-extra", "dynamic"}


def parse_metadata(data: bytes | str) -> Metadata:
    """Parse METADATA bytes; only the header block is read (the body is the description).

    A hand-written header reader (continuation lines, repeated fields) is ~10× faster than
    ``email.parser`` for the few fields that matter here.
    """
    if len(data) > MAX_METADATA_SIZE:
        raise InvalidMetadataError(
            f"Core metadata is {len(data)} bytes, more than the limit of {MAX_METADATA_SIZE}"
        )
    text = data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else data
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {"requires-dist": [], "provides-extra": [], "dynamic": []}
    key: str | None = None
    value = ""

    def flush() -> None:
        if key is None:
            return
        v = value.strip()
        if key in _MULTI:
            multi[key].append(v)
        elif key not in single:
            single[key] = v

    for line in text.splitlines():
        if not line:
            break
        if line[0] in " \t":
            if key is not None:
                value += "\n" + line.strip()
            continue
        flush()
        k, sep, v = line.partition(":")
        if not sep:
            key = None
            continue
        key = k.strip().lower()
        value = v
    flush()
    name = single.get("name")
    version = single.get("version")
    if not name or not version:
        missing = "Name" if not name else "Version"
        raise InvalidMetadataError(f"Core metadata is missing the required `{missing}` field")
    rp = single.get("requires-python")
    return Metadata(
        name=name,
        version=version,
        requires_dist=multi["requires-dist"],
        requires_python=rp or None,
        provides_extra=multi["provides-extra"],
        metadata_version=single.get("metadata-version"),
        summary=single.get("summary"),
        dynamic=multi["dynamic"],
    )
