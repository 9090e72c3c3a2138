"""``DistributionDatabase``: the metadata of any ``Dist``, and a wheel of it in the cache as an
unpacked tree, ready to link (a source built through the build context, ``database/source.py``
and ``database/tree.py``).

Cache entries (see ``sula.cache.core`` for the whole layout)::

    wheels-v1/<cache_key(index URL)>/<package>/<wheel-stem>/         unpacked wheel
    wheels-v1/<cache_key(index URL)>/<package>/<wheel-stem>.sha256   hex digest of the archive
    wheels-v1/url/<cache_key(URL)>/<package>/<wheel-stem>/
    wheels-v1/path/<cache_key(path, mtime, size)>/<package>/<wheel-stem>/

An entry appears by one atomic rename of a finished directory, so a reader sees the whole
tree or nothing; the ``.sha256`` sidecar is written before that rename. One flight per
entry inside a process (``OnceMap``) and a file lock between processes.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sula import _aio
from sula._fs import atomic_write_text, in_thread_to_end, persist_dir, remove_tree, temp_dir_in
from sula._log import getLogger
from sula._once import OnceMap
from sula._span import span
from sula.cache import Cache, CacheBucket, cache_key
from sula.database.errors import DistributionError, HashMismatchError
from sula.distribution import FilenameError, WheelFilename
from sula.distribution.dist import (
    CachedDist,
    GitSource,
    PathSdist,
    PathWheel,
    RegistrySdist,
    RegistryWheel,
    TreeSource,
    UrlSdist,
    UrlWheel,
    assert_never,
)

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from filelock import BaseFileLock

    from sula.client.cache_policy import CachePolicy
    from sula.client.types import DistFile
    from sula.context import BuildContext
    from sula.distribution.dist import BuiltDist, Dist, Sdist
    from sula.distribution.metadata import Metadata
    from sula.git import GitFetcher

__all__ = [
    "DistributionDatabase",
    "DownloadReporter",
    "WheelStreamer",
    "parse_hashes",
]

_log = getLogger(__name__)


class WheelStreamer(Protocol):
    """What the database needs from the index client: the bytes of a URL, hash-checked, a
    URL revalidated, and a wheel's metadata (PEP 658 file, range requests, or a local read)."""

    def stream_url(self, url: str, *, hashes: dict[str, str] | None = None) -> AsyncIterator[bytes]: ...

    async def fetch_revalidated(
        self, url: str, dest: Path, policy: CachePolicy | None
    ) -> tuple[CachePolicy, str | None]: ...

    async def wheel_metadata(self, dist: DistFile) -> Metadata: ...


class DownloadReporter(Protocol):
    """Progress callbacks for downloads (the CLI draws a bar from them on a terminal)."""

    def on_download_start(self, name: str, size: int | None) -> None: ...

    def on_download_progress(self, name: str, nbytes: int) -> None: ...

    def on_download_complete(self, name: str) -> None: ...


def parse_hashes(values: Sequence[str]) -> dict[str, set[str]]:
    """``["sha256:ab…", …]`` (pip's ``--hash`` syntax) → ``{"sha256": {"ab…"}}``."""
    out: dict[str, set[str]] = {}
    for value in values:
        algo, sep, digest = value.partition(":")
        if not sep:
            algo, sep, digest = value.partition("=")
        if sep and digest:
            out.setdefault(algo.strip().lower(), set()).add(digest.strip().lower())
    return out


def unpacked_wheels(directory: Path) -> list[tuple[WheelFilename, Path]]:
    """The unpacked wheels in a cache directory, by their stems (sidecars, locks and other
    files skipped; no particular order)."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    out = []
    for stem in names:
        if stem.startswith(".") or stem.endswith((".sha256", ".lock", ".msgpack")):
            continue
        try:
            fn = WheelFilename.parse(stem + ".whl")
        except FilenameError:
            continue
        path = directory / stem
        if path.is_dir():
            out.append((fn, path))
    return out


def _sidecar(entry: Path) -> Path:
    return entry.with_name(entry.name + ".sha256")


def _read_sidecar(entry: Path) -> str | None:
    try:
        return _sidecar(entry).read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def _hashes_allow(allowed: Mapping[str, set[str]], digests: Mapping[str, str]) -> bool:
    """pip's rule: with ``--hash`` given, the archive must match at least one of them."""
    if not allowed:
        return True
    return any(digests.get(algo) in values for algo, values in allowed.items())


def _running_loop() -> asyncio.AbstractEventLoop:
    """The asyncio loop (a thread pool, a lock's wait or a build needs one: a local run,
    :mod:`sula._aio`, starts again under asyncio)."""
    _aio.require_loop()
    import asyncio  # already loaded: only coroutines call this

    return asyncio.get_running_loop()


class _Flights:
    """What a database and those :meth:`DistributionDatabase.connected` made from it share:
    one flight per entry (in-process), the trees' cache bases, the download limit and the
    thread pool (both made on first use)."""

    def __init__(self, concurrency: int, threads: int) -> None:
        self.once: OnceMap[Path, CachedDist] = OnceMap()
        self.built_once: OnceMap[Path, CachedDist] = OnceMap()
        self.meta_once: OnceMap[Path, Metadata] = OnceMap()
        self.wheel_meta_once: OnceMap[str, Metadata] = OnceMap()
        self.url_once: OnceMap[str, Path] = OnceMap()
        self.tree_bases: dict[tuple[Path, bool, object], Path] = {}
        self.concurrency = concurrency
        self.threads = threads
        self.semaphore: asyncio.Semaphore | None = None
        self.executor: ThreadPoolExecutor | None = None


class DistributionDatabase:
    """The one place metadata and wheels come from, for every kind of ``Dist``: a wheel's
    metadata through ``client``, wheels fetched and unpacked into the cache, sources' metadata
    and wheels built through ``build_context`` (none: sources are refused); safe to share
    between tasks of one loop."""

    def __init__(
        self,
        *,
        cache: Cache,
        client: WheelStreamer | None = None,
        reporter: DownloadReporter | None = None,
        concurrency: int = 16,
        threads: int | None = None,
        build_context: BuildContext | None = None,
        git: GitFetcher | None = None,
        offline: bool = False,
        _flights: _Flights | None = None,
    ) -> None:
        self.cache = cache
        self._git = git
        self._offline = offline
        self.client = client
        self.reporter = reporter
        self.build_context = build_context
        # Made on first use: a no-op sync creates a database, finds everything installed and
        # never imports asyncio or concurrent.futures.
        self._flights = _flights or _Flights(concurrency, threads or min(8, (os.cpu_count() or 2) + 2))

    def connected(self, client: WheelStreamer, reporter: DownloadReporter | None = None,
                  ) -> DistributionDatabase:
        """This database with an index client and a download reporter: a new database that
        shares this one's flights, thread pool and download limit, so that no database is
        changed once made. A plan is made with a database that has no client (a run that
        needs no network opens no connection); the fetches that follow use the connected one."""
        return DistributionDatabase(
            cache=self.cache, client=client, reporter=reporter, build_context=self.build_context,
            git=self._git, offline=self._offline, _flights=self._flights,
        )

    @property
    def _downloads(self) -> asyncio.Semaphore:
        f = self._flights
        if f.semaphore is None:
            _aio.require_loop()
            import asyncio

            f.semaphore = asyncio.Semaphore(f.concurrency)
        return f.semaphore

    @property
    def _pool(self) -> ThreadPoolExecutor:
        f = self._flights
        if f.executor is None:
            from concurrent.futures import ThreadPoolExecutor

            f.executor = ThreadPoolExecutor(max_workers=f.threads)
        return f.executor

    def close(self) -> None:
        """Stop the thread pool (shared with the databases :meth:`connected` made)."""
        if self._flights.executor is not None:
            self._flights.executor.shutdown(wait=True)

    def entry_path(self, source: BuiltDist) -> Path:
        """Where ``source`` lives (or will live) in the cache."""
        fn = source.filename
        match source:
            case RegistryWheel():
                return self.cache.shard(CacheBucket.WHEELS, cache_key(source.index), fn.name, fn.stem)
            case UrlWheel():
                return self.cache.shard(CacheBucket.WHEELS, "url", cache_key(source.url), fn.name, fn.stem)
            case PathWheel():
                path = source.path.absolute()
                try:
                    st = path.stat()
                except OSError as err:
                    raise DistributionError(f"Failed to read wheel `{path}`") from err
                key = cache_key(f"{path}\0{st.st_mtime_ns}\0{st.st_size}")
                return self.cache.shard(CacheBucket.WHEELS, "path", key, fn.name, fn.stem)
            case _:
                assert_never(source)

    def registry_entries(self, index: str, name: str) -> Iterator[CachedDist]:
        """The unpacked wheels cached for ``name`` from ``index`` (no network)."""
        shard = self.cache.shard(CacheBucket.WHEELS, cache_key(index), name)
        for fn, path in unpacked_wheels(shard):
            yield CachedDist(filename=fn, path=path, sha256=_read_sidecar(path))

    def built_registry_entries(self, index: str, name: str, version: str) -> list[CachedDist]:
        """The wheels built from sdists of ``name`` at ``version`` from ``index`` (no network)."""
        from sula.distribution import SdistFilename
        from sula.distribution.version import same_version

        shard = self.cache.shard(CacheBucket.BUILT_WHEELS, "index", cache_key(index), name)
        try:
            sdists = os.listdir(shard)
        except OSError:
            return []
        out = []
        for sdist in sdists:
            try:
                fn = SdistFilename.parse(sdist, name)
            except FilenameError:
                continue
            if not same_version(fn.version_str, version):
                continue
            try:
                revisions = os.listdir(shard / sdist)
            except OSError:
                continue
            for rev in revisions:
                if rev.startswith(".") or rev.endswith(".lock"):
                    continue
                for wfn, path in unpacked_wheels(shard / sdist / rev):
                    out.append(CachedDist(filename=wfn, path=path, sha256=_read_sidecar(path),
                                           built=True))
        return out

    def lookup(self, dist: Dist, hashes: Sequence[str] = ()) -> CachedDist | None:
        """The wheel of ``dist`` already in the cache (matching ``hashes``): a wheel unpacked,
        or one built from a source for the build context's interpreter; no I/O beyond a stat
        or a directory listing. A git requirement before its checkout has none known."""
        match dist:
            case RegistryWheel() | UrlWheel() | PathWheel():
                return self._fresh(self.entry_path(dist), parse_hashes(hashes), _listed_sha256(dist))
            case RegistrySdist() | UrlSdist() | PathSdist():
                from sula.database.source import revision_dir

                return self._built_hit(revision_dir(self.cache, dist), parse_hashes(hashes))
            case TreeSource():
                found = self._tree_revision(dist)
                return self._built_hit(found, {}) if found is not None else None
            case GitSource():
                return None  # its commit is known once it is checked out
            case _:
                assert_never(dist)

    async def get_wheel(self, source: BuiltDist, hashes: Sequence[str] = ()) -> CachedDist:
        """The unpacked wheel for ``source``, fetched (and verified against ``hashes``) if needed."""
        entry = self.entry_path(source)
        allowed = parse_hashes(hashes)

        async def fetch(key: Path) -> CachedDist:
            return await self._get(source, key, allowed)

        return await self._flights.once.run(entry, fetch)

    def _fresh(
        self, entry: Path, allowed: Mapping[str, set[str]], listed: str | None = None
    ) -> CachedDist | None:
        if not entry.is_dir():
            return None
        digest = _read_sidecar(entry)
        if allowed and not (digest is not None and _hashes_allow(allowed, {"sha256": digest})):
            return None
        if listed is not None and digest != listed:
            return None  # the index now serves another file under this name: fetch it again
        return CachedDist(filename=WheelFilename.parse(entry.name + ".whl"), path=entry, sha256=digest)

    async def _get(self, source: BuiltDist, entry: Path, allowed: Mapping[str, set[str]]) -> CachedDist:
        listed = _listed_sha256(source)
        hit = self._fresh(entry, allowed, listed)
        if hit is not None:
            return hit
        async with self._file_lock(entry):
            hit = self._fresh(entry, allowed, listed)
            if hit is not None:
                return hit
            with span("fetch_wheel", wheel=source.filename.filename):
                return await self._fetch(source, entry, allowed)

    @asynccontextmanager
    async def _file_lock(self, entry: Path) -> AsyncIterator[BaseFileLock]:
        from filelock import FileLock

        from sula.cache.usage import begin_write

        made = begin_write(self.cache, entry.with_name(entry.name + ".lock"))  # dirs, lock file
        entry.parent.mkdir(parents=True, exist_ok=True)
        # Acquired in a pool thread (waiting blocks), released on the loop's thread: with
        # filelock's default thread-local state that release does nothing, and the file stays
        # locked until the lock object is collected. One state for all threads.
        lock = FileLock(str(entry.with_name(entry.name + ".lock")), thread_local=False)
        loop = _running_loop()
        await loop.run_in_executor(self._pool, lock.acquire)
        made.commit()
        written = begin_write(self.cache, entry, sidecar=True)  # to the cache's size totals
        try:
            yield lock
        finally:
            try:
                # Counting the entry's bytes stats every file: in a thread, not on the loop
                # that the other downloads run on.
                await in_thread_to_end(self._pool, written.commit)
            finally:
                lock.release()

    async def _fetch(self, source: BuiltDist, entry: Path, allowed: Mapping[str, set[str]]) -> CachedDist:
        filename = source.filename.filename
        with temp_dir_in(self.cache.temp_root, prefix="wheel-") as tmp:
            unpacked = tmp / "unpacked"
            unpacked.mkdir()
            match source:
                case PathWheel():
                    digests = await in_thread_to_end(
                        self._pool, _unzip_local, source.path, unpacked, filename, allowed
                    )
                case RegistryWheel() | UrlWheel():
                    archive = tmp / filename
                    with span("download", wheel=filename):
                        digests = await self._download(source, archive, allowed)
                    from sula.database.unzip import unzip_wheel

                    with span("unzip", wheel=filename):
                        await in_thread_to_end(self._pool, unzip_wheel, archive, unpacked, filename)
                case _:
                    assert_never(source)
            if not _hashes_allow(allowed, digests):
                raise HashMismatchError.of(filename, allowed, digests)
            sha = digests.get("sha256")
            if entry.exists():
                # A stale entry whose digest did not satisfy the hashes asked for: replace it.
                remove_tree(entry)
            if sha:
                atomic_write_text(_sidecar(entry), sha + "\n")
            persist_dir(unpacked, entry)
        return CachedDist(filename=source.filename, path=entry, sha256=sha)

    async def _download(
        self, source: RegistryWheel | UrlWheel, archive: Path, allowed: Mapping[str, set[str]]
    ) -> dict[str, str]:
        return await self._download_url(
            source.url, archive, allowed, filename=source.filename.filename,
            name=source.filename.name, expected=source.hashes,
            size=source.size if isinstance(source, RegistryWheel) else None,
        )

    async def _download_url(
        self, url: str, archive: Path, allowed: Mapping[str, set[str]], *, filename: str,
        name: str, expected: Mapping[str, str], size: int | None,
    ) -> dict[str, str]:
        """Download ``url`` to ``archive``, checking the index's ``expected`` hashes; the
        digests of every algorithm in ``allowed`` (and sha256) are returned."""
        if self.client is None:
            raise DistributionError(f"Cannot download `{filename}` without an index client")
        # One pass of each algorithm over the bytes: the index's hashes are checked here
        # from the same digests (not a second time by the client).
        import hashlib  # OpenSSL: loaded for a download, not by a run that needs none

        want = {a.lower(): v.lower() for a, v in expected.items() if a.lower() in hashlib.algorithms_guaranteed}
        hashers = {a: hashlib.new(a) for a in {"sha256", *want, *allowed} if a in hashlib.algorithms_guaranteed}
        reporter = self.reporter
        async with self._downloads:
            if reporter is not None:
                reporter.on_download_start(name, size)
            with open(archive, "wb") as out:
                async for chunk in self.client.stream_url(url):
                    out.write(chunk)
                    for h in hashers.values():
                        h.update(chunk)
                    if reporter is not None:
                        reporter.on_download_progress(name, len(chunk))
            if reporter is not None:
                reporter.on_download_complete(name)
        digests = {algo: h.hexdigest() for algo, h in hashers.items()}
        for algo, value in want.items():
            if digests[algo] != value:
                # The index's hash: the URL says which server sent the other bytes.
                from sula.distribution.index import redact_url

                raise HashMismatchError(redact_url(url), algo, [value], digests[algo])
        return digests

    # -- metadata and wheels of every kind of dist -------------------------------------

    async def get_or_build_wheel_metadata(self, dist: Dist, hashes: Sequence[str] = ()) -> Metadata:
        """The core metadata of ``dist``, one flight per dist. A wheel's from the index client
        (its cache, the PEP 658 file, range requests or a local read); a source archive's from
        the built-wheel cache, else read statically where the sdist states it reliably, else
        from its build backend (``prepare_metadata_for_build_wheel``, or a whole build when the
        backend lacks it), the archive checked against ``hashes`` before either; a tree's
        likewise, a git one checked out first."""
        match dist:
            case RegistryWheel() | UrlWheel() | PathWheel():
                return await self._wheel_metadata(dist)
            case RegistrySdist() | UrlSdist() | PathSdist():
                return await self._archive_metadata(dist, hashes)
            case TreeSource():
                return await self._tree_metadata(dist)
            case GitSource():
                return await self._tree_metadata(await self.checkout(dist))
            case _:
                assert_never(dist)

    async def get_or_build_wheel(self, dist: Dist, hashes: Sequence[str] = ()) -> CachedDist:
        """A wheel of ``dist`` unpacked in the cache, one flight per dist: a wheel fetched
        (:meth:`get_wheel`), a source built for the build context's interpreter, once, then
        reused by every later run (a git requirement checked out first)."""
        match dist:
            case RegistryWheel() | UrlWheel() | PathWheel():
                return await self.get_wheel(dist, hashes)
            case RegistrySdist() | UrlSdist() | PathSdist():
                return await self._archive_wheel(dist, hashes)
            case TreeSource():
                return await self._tree_wheel(dist)
            case GitSource():
                return await self._tree_wheel(await self.checkout(dist))
            case _:
                assert_never(dist)

    async def _wheel_metadata(self, dist: BuiltDist) -> Metadata:
        client = self.client
        if client is None:
            raise DistributionError(f"Cannot read the metadata of `{dist}` without an index client")
        key = str(dist.path) if isinstance(dist, PathWheel) else dist.url

        async def compute(_key: str) -> Metadata:
            return await client.wheel_metadata(_client_file(dist))

        return await self._flights.wheel_meta_once.run(key, compute)

    # -- source distributions --------------------------------------------------------

    async def _archive_metadata(self, source: Sdist, hashes: Sequence[str]) -> Metadata:
        from sula.database.source import read_metadata

        revision = await self._revision(source)
        meta = read_metadata(revision)
        if meta is not None:
            from sula.cache.usage import touch

            touch(revision)  # its last use, for the cache's eviction order
            return meta

        allowed = parse_hashes(hashes)

        async def compute(key: Path) -> Metadata:
            return await self._sdist_metadata(source, key, allowed)

        return await self._flights.meta_once.run(revision, compute)

    async def _sdist_metadata(
        self, source: Sdist, revision: Path, allowed: Mapping[str, set[str]]
    ) -> Metadata:
        from sula.database.source import build, check_metadata, read_metadata, write_metadata
        from sula.distribution.sdist import static_metadata

        async with self._file_lock(revision):
            meta = read_metadata(revision)
            if meta is not None:
                return meta
            archive, sha = await self._sdist_archive(source, revision, allowed)
            loop = _running_loop()
            meta = await loop.run_in_executor(self._pool, static_metadata, archive, archive.name)
            if meta is not None:
                try:
                    check_metadata(meta, source)
                except DistributionError as err:
                    _log.debug("Static metadata of `%s` not used: %s", source, err)
                    meta = None
            if meta is None:
                context = self._context(source)
                with span("build_metadata", sdist=str(source)):
                    meta, _wheel = await build(archive, source, revision, context=context,
                                               cache=self.cache, wheel=False, sha256=sha)
            write_metadata(revision, meta)
            return meta

    async def _archive_wheel(self, source: Sdist, hashes: Sequence[str]) -> CachedDist:
        from sula.database.source import revision_dir

        # A URL sdist is revalidated where its metadata is read (every resolution); a build
        # takes the revision that found, without asking the server again.
        revision = revision_dir(self.cache, source)
        if revision.name == "latest":
            revision = await self._revision(source)
        allowed = parse_hashes(hashes)
        hit = self._built_hit(revision, allowed)
        if hit is not None:
            return hit

        async def compute(key: Path) -> CachedDist:
            return await self._build_wheel(source, key, allowed)

        return await self._flights.built_once.run(revision, compute)

    async def _build_wheel(
        self, source: Sdist, revision: Path, allowed: Mapping[str, set[str]]
    ) -> CachedDist:
        from sula.database.source import build, read_metadata, write_metadata

        async with self._file_lock(revision):
            hit = self._built_hit(revision, allowed)
            if hit is not None:
                return hit
            archive, sha = await self._sdist_archive(source, revision, allowed)
            if allowed:
                # The archive matched a hash of another algorithm than the recorded sha256:
                # a wheel built from this very archive (same sha256) is as good.
                hit = self._built_hit(revision, {"sha256": {sha}})
                if hit is not None:
                    return hit
            context = self._context(source)
            with span("build_wheel", sdist=str(source)):
                meta, built = await build(archive, source, revision, context=context,
                                          cache=self.cache, wheel=True, sha256=sha)
            if read_metadata(revision) is None:
                write_metadata(revision, meta)
            assert built is not None
            fn, path = built
            return CachedDist(filename=fn, path=path, sha256=sha, built=True)

    def _built_hit(self, revision: Path, allowed: Mapping[str, set[str]]) -> CachedDist | None:
        from sula.database.select import tag_string

        context = self.build_context
        best: tuple[int, WheelFilename, Path] | None = None
        for fn, path in unpacked_wheels(revision):
            rank = context.interpreter.wheel_priority(tag_string(fn)) if context is not None else 0
            if rank is None:
                continue
            if best is None or rank < best[0]:
                best = (rank, fn, path)
        if best is None:
            return None
        digest = _read_sidecar(best[2])
        if allowed and not (digest is not None and _hashes_allow(allowed, {"sha256": digest})):
            return None
        return CachedDist(filename=best[1], path=best[2], sha256=digest, built=True)

    async def _revision(self, source: Sdist) -> Path:
        """The revision directory of ``source``; a URL sdist without a ``#sha256=`` is first
        revalidated by HTTP (once per run)."""
        from sula.database.source import revision_dir

        if not isinstance(source, UrlSdist) or source.hashes.get("sha256") or self.client is None:
            return revision_dir(self.cache, source)

        async def compute(url: str) -> Path:
            return await self._url_revision(source)

        return await self._flights.url_once.run(source.url, compute)

    async def _url_revision(self, source: UrlSdist) -> Path:
        from sula.database.source import read_url_pointer, url_base, write_url_pointer

        assert self.client is not None
        base = url_base(self.cache, source)
        async with self._file_lock(base):
            policy, known = read_url_pointer(self.cache, source)
            with temp_dir_in(self.cache.temp_root, prefix="sdist-") as tmp:
                part = tmp / source.filename
                with span("revalidate", sdist=source.filename):
                    new_policy, sha = await self.client.fetch_revalidated(
                        source.url, part, policy if known is not None else None)
                if sha is None:  # still the known archive
                    assert known is not None
                    sha = known
                else:
                    import hashlib

                    for algo, value in source.hashes.items():
                        if algo.lower() in hashlib.algorithms_guaranteed:
                            digest = _hash_file(part, {algo.lower(): {value.lower()}})[algo.lower()]
                            if digest != value.lower():
                                raise HashMismatchError(source.filename, algo, [value], digest)
                    revision = base / sha
                    revision.mkdir(parents=True, exist_ok=True)
                    if not (revision / source.filename).is_file():
                        os.replace(part, revision / source.filename)
            write_url_pointer(self.cache, source, sha, new_policy)
            if known is not None and known != sha:
                # The server says the archive changed: the old revision's builds go (linked
                # environments keep their files through the hard links).
                remove_tree(base / known)
            return base / sha

    # -- source trees (local projects, editables, git checkouts) -------------------------

    async def checkout(self, source: GitSource) -> TreeSource:
        """The tree of a git requirement: its reference resolved to a full commit and checked
        out in ``git-v1/`` (one fetch per repository for this database's whole run)."""
        from sula.distribution.dist import GitPin

        _aio.require_loop()  # git runs as a child process
        if self._git is None:
            from sula.git import GitFetcher

            self._git = GitFetcher(self.cache, offline=self._offline)
        co = await self._git.fetch(source.repository, source.reference)
        path = co.source_tree(source.subdirectory)
        pin = GitPin(repository=source.repository, commit=co.commit, reference=source.reference,
                     subdirectory=source.subdirectory)
        return TreeSource(path=path, name=source.name, git=pin)

    def _tree_base(self, source: TreeSource) -> Path:
        """The directory of ``source``'s revisions, computed once per source (a directory's
        stamp walks its whole tree)."""
        key = (source.path, source.editable, source.git)
        base = self._flights.tree_bases.get(key)
        if base is None:
            from sula.database.tree import tree_base

            base = self._flights.tree_bases[key] = tree_base(self.cache, source)
        return base

    def _tree_revision(self, source: TreeSource) -> Path | None:
        """The revision directory of ``source`` that holds its metadata, if one is cached
        (an unnamed tree: the one package directory under its stamp)."""
        base = self._tree_base(source)
        if source.name is not None:
            return base / source.name if (base / source.name / "metadata.msgpack").is_file() else None
        try:
            names = [n for n in os.listdir(base) if not n.startswith(".") and not n.endswith(".lock")]
        except OSError:
            return None
        for name in sorted(names):
            if (base / name / "metadata.msgpack").is_file():
                return base / name
        return None

    async def _tree_metadata(self, source: TreeSource) -> Metadata:
        from sula.database.source import read_metadata

        found = self._tree_revision(source)
        if found is not None:
            meta = read_metadata(found)
            if meta is not None:
                return meta

        async def compute(base: Path) -> Metadata:
            from sula.database.tree import check_tree_metadata
            from sula.distribution.sdist import static_tree_metadata

            async with self._file_lock(base):
                found = self._tree_revision(source)
                if found is not None and (meta := read_metadata(found)) is not None:
                    return meta
                meta = await _running_loop().run_in_executor(self._pool, static_tree_metadata, source.path)
                if meta is None:
                    meta, _wheel = await self._build_tree(source, base, wheel=False)
                check_tree_metadata(meta.name, source)
                self._write_tree_metadata(base, meta)
                return meta

        return await self._flights.meta_once.run(self._tree_base(source), compute)

    async def _tree_wheel(self, source: TreeSource) -> CachedDist:
        found = self._tree_revision(source)
        if found is not None:
            hit = self._built_hit(found, {})
            if hit is not None:
                return hit

        async def compute(base: Path) -> CachedDist:
            async with self._file_lock(base):
                found = self._tree_revision(source)
                if found is not None and (hit := self._built_hit(found, {})) is not None:
                    return hit
                meta, built = await self._build_tree(source, base, wheel=True)
                assert built is not None
                fn, path = built
                self._write_tree_metadata(base, meta)
                return CachedDist(filename=fn, path=path, sha256=None, built=True)

        return await self._flights.built_once.run(self._tree_base(source), compute)

    async def _build_tree(
        self, source: TreeSource, base: Path, *, wheel: bool
    ) -> tuple[Metadata, tuple[WheelFilename, Path] | None]:
        """Ask ``source``'s backend for its metadata (``wheel=False``, when it has the hook) or
        a wheel (regular or editable), unpacked into ``base/<package>/``."""
        from sula.context import BuildKind
        from sula.database.source import build_tree
        from sula.database.tree import check_tree_metadata
        from sula.distribution.names import canonicalize_name

        context = self._context(source)
        kind = BuildKind.EDITABLE if source.editable else BuildKind.WHEEL
        with span("build_wheel" if wheel else "build_metadata", tree=str(source)), \
                temp_dir_in(self.cache.temp_root, prefix="build-") as tmp:
            return await build_tree(
                await _build_dir(source, tmp), tmp, str(source), lambda m: base / canonicalize_name(m.name),
                context=context, kind=kind, wheel=wheel, sha256=None,
                check=lambda m: check_tree_metadata(m.name, source), name=source.name)

    @staticmethod
    def _write_tree_metadata(base: Path, meta: Metadata) -> None:
        from sula.database.source import read_metadata, write_metadata
        from sula.distribution.names import canonicalize_name

        revision = base / canonicalize_name(meta.name)
        if read_metadata(revision) is None:
            revision.mkdir(parents=True, exist_ok=True)
            write_metadata(revision, meta)

    def _context(self, source: Sdist | TreeSource) -> BuildContext:
        if self.build_context is None:
            from sula.database.source import BuildUnavailableError

            raise BuildUnavailableError(str(source), "this operation builds nothing")
        return self.build_context

    async def _sdist_archive(
        self, source: Sdist, revision: Path, allowed: Mapping[str, set[str]]
    ) -> tuple[Path, str]:
        """The archive of ``source`` (downloaded into ``revision`` once) and its sha256,
        checked against ``allowed`` (the user's ``--hash`` values)."""
        match source:
            case PathSdist():
                archive = source.path
                digests = await _running_loop().run_in_executor(self._pool, _hash_file, archive, allowed)
            case RegistrySdist():
                archive, digests = await self._archive_in(revision, source, source.filename.filename,
                                                          allowed, size=source.size)
            case UrlSdist():
                archive, digests = await self._archive_in(revision, source, source.filename, allowed,
                                                          size=None)
            case _:
                assert_never(source)
        if not _hashes_allow(allowed, digests):
            raise HashMismatchError.of(archive.name, allowed, digests)
        return archive, digests["sha256"]

    async def _archive_in(
        self, revision: Path, source: RegistrySdist | UrlSdist, filename: str,
        allowed: Mapping[str, set[str]], *, size: int | None,
    ) -> tuple[Path, dict[str, str]]:
        """The archive of a remote sdist in ``revision``, downloaded there once, and its digests."""
        archive = revision / filename
        if archive.is_file():
            return archive, await _running_loop().run_in_executor(self._pool, _hash_file, archive, allowed)
        revision.mkdir(parents=True, exist_ok=True)
        with temp_dir_in(self.cache.temp_root, prefix="sdist-") as tmp:
            part = tmp / filename
            with span("download", sdist=filename):
                digests = await self._download_url(
                    source.url, part, allowed, filename=filename, name=str(source.name),
                    expected=source.hashes, size=size,
                )
            os.replace(part, archive)
        return archive, digests


async def _build_dir(source: TreeSource, tmp: Path) -> Path:
    """Where ``source`` is built: a local directory in place (as pip and uv build it), a git
    checkout from a copy, since the checkout is shared by every run and must stay as checked
    out (backends write ``build/`` and ``*.egg-info`` into the tree)."""
    if source.git is None or source.editable:
        return source.path
    import shutil

    dest = tmp / "src"
    # `.git` comes along (it borrows the cached repository's objects): setuptools-scm and
    # hatch-vcs read the version from it.
    _aio.require_loop()
    import asyncio

    await asyncio.to_thread(shutil.copytree, source.path, dest, symlinks=True)
    return dest


def _client_file(dist: BuiltDist) -> DistFile:
    """The index client's file for a wheel, as its index (or the URL) listed it: the client
    keys its metadata cache by the file's index, URL and hash."""
    from sula.client.types import DistFile, File

    fn = dist.filename
    match dist:
        case RegistryWheel():
            file = File(filename=fn.filename, url=dist.url, hashes=dict(dist.hashes), size=dist.size,
                        core_metadata=None if dist.core_metadata is None else dict(dist.core_metadata))
            return DistFile(fn, file, dist.index)
        case UrlWheel():
            return DistFile(fn, File(filename=fn.filename, url=dist.url, hashes=dict(dist.hashes)), "url")
        case PathWheel():
            return DistFile(fn, File(filename=fn.filename, url=dist.path.as_uri()), "url")
        case _:
            assert_never(dist)


def _listed_sha256(source: BuiltDist) -> str | None:
    """The sha256 an index lists for a registry wheel, which a cache entry must match."""
    if isinstance(source, RegistryWheel):
        for algo, value in source.hashes.items():
            if algo.lower() == "sha256":
                return value.lower()
    return None


def _hash_file(path: Path, allowed: Mapping[str, set[str]]) -> dict[str, str]:
    import hashlib

    hashers = {a: hashlib.new(a) for a in {"sha256", *allowed} if a in hashlib.algorithms_guaranteed}
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                for h in hashers.values():
                    h.update(chunk)
    except OSError as err:
        raise DistributionError(f"Failed to read `{path}`") from err
    return {a: h.hexdigest() for a, h in hashers.items()}


def _unzip_local(path: Path, dest: Path, filename: str, allowed: Mapping[str, set[str]]) -> dict[str, str]:
    """Hash and unzip a local wheel, leaving the file where it is."""
    # Always hashed: the digest goes into the sidecar and into `direct_url.json`, as pip writes it.
    from sula.database.unzip import unzip_wheel

    digests = _hash_file(path, allowed)
    try:
        unzip_wheel(path, dest, filename)
    except FileNotFoundError as err:
        raise DistributionError(f"Failed to read wheel `{path}`") from err
    return digests
