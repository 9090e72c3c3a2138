"""Source distributions: their metadata and the wheels built from them, in ``built-wheels-v1/``.

Cache entries (one *revision* directory per archive)::

    built-wheels-v1/index/<cache_key(index URL)>/<package>/<sdist filename>/<sha256>/
    built-wheels-v1/url/<cache_key(URL)>/<package>/<sha256 of the archive>/
    built-wheels-v1/path/<cache_key(path, mtime, size)>/<package>/

and inside a revision::

    metadata.msgpack      the core metadata (read statically from the sdist, or built)
    <sdist filename>      the archive, kept so that a later wheel build downloads nothing
    <wheel-stem>/         a wheel built from it, unpacked (one per set of tags built for)
    <wheel-stem>.sha256   the sdist's sha256 (what ``--hash`` and ``direct_url.json`` name)

A registry sdist is identified by its index, filename and sha256: once its metadata is known
it is never computed again, whatever caching headers the index sends. A URL sdist named with a
``#sha256=`` fragment is identified by it; one without is revalidated by HTTP once per run
(``latest.msgpack`` beside its revisions records the last archive's sha256 and caching
headers): a fresh answer or a 304 keeps the revision, new bytes make a new one. Every file appears by an
atomic rename, so a reader sees an entry's parts whole or not at all; one flight per revision in
a process (``OnceMap``) and a file lock between processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from sula._fs import (
    atomic_write_bytes,
    atomic_write_text,
    in_thread_to_end,
    persist_dir,
    temp_dir_in,
)
from sula._log import getLogger
from sula.cache import CacheBucket, cache_key
from sula.client.cache_policy import CachePolicy
from sula.database.errors import DistributionError
from sula.distribution import WheelFilename
from sula.distribution.dist import PathSdist, RegistrySdist, Sdist, UrlSdist
from sula.distribution.metadata import InvalidMetadataError, Metadata, parse_metadata
from sula.distribution.names import NormalizedName, canonicalize_name

if TYPE_CHECKING:
    from sula.cache import Cache
    from sula.context import BuildContext, BuildKind

__all__ = [
    "BuildUnavailableError",
    "revision_dir",
]

_log = getLogger(__name__)

_METADATA = "metadata.msgpack"


class BuildUnavailableError(DistributionError):
    """A source distribution would have to be built, but this run builds nothing."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"`{what}` has no usable wheel and would have to be built from source: {reason}")
        self.what = what


def revision_dir(cache: Cache, source: Sdist) -> Path:
    """The revision directory of ``source`` in the built-wheel cache."""
    match source:
        case RegistrySdist():
            revision = source.hashes.get("sha256") or cache_key(source.url)
            return cache.shard(CacheBucket.BUILT_WHEELS, "index", cache_key(source.index),
                               source.name, source.filename.filename, revision)
        case UrlSdist():
            digest = source.hashes.get("sha256") or read_url_pointer(cache, source)[1]
            return url_base(cache, source) / (digest or "latest")
        case PathSdist():
            path = source.path.absolute()
            try:
                st = path.stat()
            except OSError as err:
                raise DistributionError(f"Failed to read `{path}`") from err
            key = cache_key(f"{path}\0{st.st_mtime_ns}\0{st.st_size}")
            return cache.shard(CacheBucket.BUILT_WHEELS, "path", key, source.name)


_POINTER = "latest.msgpack"


class UrlPointer(msgspec.Struct, frozen=True):
    """Which revision of a URL sdist (named without a ``#sha256=``) was fetched last: its
    archive's sha256 and the caching headers it came with, for revalidation."""

    sha256: str
    policy: CachePolicy


def url_base(cache: Cache, source: UrlSdist) -> Path:
    """The directory holding the revisions (one per archive sha256) of a URL sdist."""
    return cache.shard(CacheBucket.BUILT_WHEELS, "url", cache_key(source.url), source.name)


def read_url_pointer(cache: Cache, source: UrlSdist) -> tuple[CachePolicy | None, str | None]:
    """The policy and sha256 of the URL sdist's last fetched revision, if any is cached."""
    try:
        data = (url_base(cache, source) / _POINTER).read_bytes()
        pointer = msgspec.msgpack.decode(data, type=UrlPointer)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None, None
    if not (url_base(cache, source) / pointer.sha256 / source.filename).is_file():
        return None, None
    return pointer.policy, pointer.sha256


def write_url_pointer(cache: Cache, source: UrlSdist, sha256: str, policy: CachePolicy) -> None:
    atomic_write_bytes(url_base(cache, source) / _POINTER,
                       msgspec.msgpack.encode(UrlPointer(sha256=sha256, policy=policy)))


def read_metadata(revision: Path) -> Metadata | None:
    """The metadata stored in ``revision``, if any."""
    try:
        data = (revision / _METADATA).read_bytes()
    except OSError:
        return None
    try:
        return msgspec.msgpack.decode(data, type=Metadata)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def write_metadata(revision: Path, meta: Metadata) -> None:
    atomic_write_bytes(revision / _METADATA, msgspec.msgpack.encode(meta))


def check_metadata(meta: Metadata, source: Sdist) -> None:
    """A build must produce the distribution it was asked for (name, and version for the
    index's files, whose name states it)."""
    if canonicalize_name(meta.name) != source.name:
        raise DistributionError(
            f"The metadata of `{source}` names another package: `{meta.name}`")
    if isinstance(source, RegistrySdist):
        from packaging.version import InvalidVersion, Version

        try:
            same = Version(meta.version) == Version(source.filename.version_str)
        except InvalidVersion:
            same = meta.version == source.filename.version_str
        if not same:
            raise DistributionError(
                f"The metadata of `{source}` states another version: `{meta.version}`")


def dist_info_metadata(dist_info: Path) -> Metadata:
    try:
        return parse_metadata((dist_info / "METADATA").read_bytes())
    except OSError as err:
        raise DistributionError(f"The build left no `METADATA` in `{dist_info.name}`") from err
    except InvalidMetadataError as err:
        raise DistributionError(f"Invalid `METADATA` in `{dist_info.name}`") from err


def unpacked_metadata(unpacked: Path) -> Metadata:
    """The METADATA of an unpacked wheel."""
    for entry in os.listdir(unpacked):
        if entry.endswith(".dist-info"):
            return dist_info_metadata(unpacked / entry)
    raise DistributionError(f"The built wheel in `{unpacked.name}` has no `.dist-info` directory")


async def build(
    archive: Path,
    source: Sdist,
    revision: Path,
    *,
    context: BuildContext,
    cache: Cache,
    wheel: bool,
    sha256: str | None,
) -> tuple[Metadata, tuple[WheelFilename, Path] | None]:
    """Extract ``archive`` and ask its backend for metadata (``wheel=False``: only the
    ``prepare_metadata_for_build_wheel`` hook when the backend has it) or a wheel, which is
    unpacked into ``revision``. Returns the metadata and the unpacked wheel when one was built."""
    from sula._archive import extract_sdist
    from sula.context import BuildKind

    with temp_dir_in(cache.temp_root, prefix="build-") as tmp:
        tree = await in_thread_to_end(None, extract_sdist, archive, tmp / "src")
        return await build_tree(tree, tmp, str(source), revision, context=context, kind=BuildKind.WHEEL,
                                wheel=wheel, sha256=sha256,
                                check=lambda meta: check_metadata(meta, source),
                                name=source.name)


async def build_tree(
    tree: Path,
    tmp: Path,
    what: str,
    revision: Path | Callable[[Metadata], Path],
    *,
    context: BuildContext,
    kind: BuildKind,
    wheel: bool,
    sha256: str | None,
    check: Callable[[Metadata], None],
    name: NormalizedName | None,
) -> tuple[Metadata, tuple[WheelFilename, Path] | None]:
    """Build the source tree ``tree`` (in place) with scratch space ``tmp``: its metadata
    (``wheel=False``, when the backend has the hook) or a wheel (``kind``: regular or
    editable), unpacked into ``revision`` (or the directory it names for the metadata)."""
    from sula.database.unzip import unzip_wheel

    handle = await context.setup_build(tree, package=what, name=name, kind=kind)
    try:
        if not wheel:
            out = tmp / "metadata"
            out.mkdir()
            dist_info = await handle.metadata(out)
            if dist_info is not None:
                meta = dist_info_metadata(dist_info)
                check(meta)
                return meta, None
        out = tmp / "wheel"
        out.mkdir()
        built = await handle.wheel(out)
    finally:
        await handle.close()
    from sula.distribution import FilenameError

    try:
        fn = WheelFilename.parse(built.name)
    except FilenameError as err:
        raise DistributionError(f"The backend of `{what}` built `{built.name}`, not a wheel") from err
    unpacked = tmp / "unpacked"
    unpacked.mkdir()
    await in_thread_to_end(None, unzip_wheel, built, unpacked, built.name)
    meta = unpacked_metadata(unpacked)
    check(meta)
    target = revision if isinstance(revision, Path) else revision(meta)
    target.mkdir(parents=True, exist_ok=True)
    dest = target / fn.stem
    if sha256:
        atomic_write_text(target / (fn.stem + ".sha256"), sha256 + "\n")
    persist_dir(unpacked, dest)  # False: another process built the same wheel first
    return meta, (fn, dest)
