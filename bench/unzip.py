"""Benchmark: ways to get wheels from an HTTP server into unpacked cache trees.

    python bench/unzip.py [REQUIREMENTS] [--links DIR] [--runs 5]

Serves DIR (default: the wheels pinned by REQUIREMENTS, found in --links) with
``python -m http.server`` on 127.0.0.1 and compares, over all the wheels at once (16 downloads
in flight, 4 worker threads, as ``DistributionDatabase`` runs them):

- ``tempfile``: download each wheel to a temporary file (hashing on the way), then
  ``unzip_wheel`` it in a worker thread (what sula does);
- ``stream``: hand the chunks to a worker thread that unzips while the download runs
  (local file headers parsed as they arrive, never a whole archive on disk);
- ``unzip-N``: unzip only, from local files, with N threads (1, 2, 4, 8).

Wall-clock medians and minimums of N runs, and this process's CPU time (user + system, all
threads; the server excluded), which a busy machine inflates less. Each run unpacks into a
fresh temporary directory. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import queue
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REQS = ROOT.parent / "shared" / "bench" / "requirements" / "requirements-large.txt"

_LOCAL = 0x04034B50
_CENTRAL = 0x02014B50


class _Chunks:
    """A blocking reader over chunks a producer puts in a queue (None ends the stream)."""

    def __init__(self, get: Callable[[], bytes | None]) -> None:
        self._get = get
        self._buf = b""
        self._eof = False

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes; fewer only at the end of the stream."""
        while len(self._buf) < n and not self._eof:
            chunk = self._get()
            if chunk is None:
                self._eof = True
            else:
                self._buf = self._buf + chunk if self._buf else chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def read_some(self, n: int) -> bytes:
        """At most ``n`` bytes, at least one unless at the end (no waiting for a full ``n``)."""
        if not self._buf and not self._eof:
            chunk = self._get()
            if chunk is None:
                self._eof = True
            else:
                self._buf = chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def unread(self, data: bytes) -> None:
        self._buf = data + self._buf

    def drain(self) -> None:
        while not self._eof:
            if self._get() is None:
                self._eof = True


def stream_unzip(get: Callable[[], bytes | None], dest: Path, filename: str) -> str:
    """Unzip a wheel from its chunks as they arrive; returns the archive's sha256.

    Reads local file headers in order (stored and deflated members, with or without data
    descriptors), writes each member, then checks RECORD like ``unzip_wheel``.
    """
    from sula.database.errors import InvalidArchiveError
    from sula.database.unzip import _b64, _finish, _safe_member

    archive_hash = hashlib.sha256()

    def hashed_get() -> bytes | None:
        chunk = get()
        if chunk is not None:
            archive_hash.update(chunk)
        return chunk

    src = _Chunks(hashed_get)
    computed: dict[str, tuple[str, int]] = {}
    dist_infos: set[str] = set()
    made: set[str] = set()
    dest_s = str(dest)
    while True:
        head = src.read(30)
        if len(head) < 4:
            raise InvalidArchiveError(filename, "truncated archive")
        (sig,) = struct.unpack_from("<I", head)
        if sig == _CENTRAL:
            break
        if sig != _LOCAL or len(head) < 30:
            raise InvalidArchiveError(filename, "not a zip archive")
        _v, flags, method, _t, _d, crc, csize, _usize, nlen, elen = struct.unpack_from("<HHHHHIIIHH", head, 4)
        name = src.read(nlen).decode("utf-8" if flags & 0x800 else "cp437")
        src.read(elen)
        descriptor = bool(flags & 0x08)
        rel = _safe_member(name, filename)
        out_fd = -1
        if rel is not None:
            top, _, rest = rel.partition("/")
            if top.endswith(".dist-info") and rest:
                dist_infos.add(top)
            parent = os.path.dirname(rel)
            if parent and parent not in made:
                os.makedirs(os.path.join(dest_s, parent), exist_ok=True)
                made.add(parent)
            executable = ".data/scripts/" in rel and top.endswith(".data")
            out_fd = os.open(os.path.join(dest_s, rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                             0o755 if executable else 0o644)
        h = hashlib.sha256()
        size = 0
        got_crc = 0
        try:
            if method == 8:
                d = zlib.decompressobj(-15)
                left = None if descriptor else csize
                while not d.eof:
                    chunk = src.read_some(1 << 18 if left is None else min(left, 1 << 18))
                    if not chunk:
                        raise InvalidArchiveError(filename, f"`{name}` is truncated")
                    if left is not None:
                        left -= len(chunk)
                    data = d.decompress(chunk)
                    if d.unused_data:
                        src.unread(d.unused_data)
                    if data:
                        h.update(data)
                        got_crc = zlib.crc32(data, got_crc)
                        size += len(data)
                        if out_fd >= 0:
                            os.write(out_fd, data)
            elif method == 0 and not descriptor:
                left = csize
                while left:
                    chunk = src.read_some(min(left, 1 << 18))
                    if not chunk:
                        raise InvalidArchiveError(filename, f"`{name}` is truncated")
                    left -= len(chunk)
                    h.update(chunk)
                    got_crc = zlib.crc32(chunk, got_crc)
                    size += len(chunk)
                    if out_fd >= 0:
                        os.write(out_fd, chunk)
            else:
                raise InvalidArchiveError(filename, f"unsupported compression of `{name}`")
        finally:
            if out_fd >= 0:
                os.close(out_fd)
        if descriptor:
            desc = src.read(16)
            if desc[:4] == b"PK\x07\x08":
                crc = struct.unpack_from("<I", desc, 4)[0]
            else:
                crc = struct.unpack_from("<I", desc, 0)[0]
                src.unread(desc[12:])
        if got_crc != crc:
            raise InvalidArchiveError(filename, f"`{name}` fails its CRC check")
        if rel is not None:
            computed[rel] = ("sha256=" + _b64(h.digest()), size)
    src.drain()
    _finish(dest, filename, computed, dist_infos)
    return archive_hash.hexdigest()


async def _run_network(urls: list[str], work: Path, strategy: str, pool: ThreadPoolExecutor) -> float:
    import aiohttp

    from sula.database.unzip import unzip_wheel

    sem = asyncio.Semaphore(16)
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    async with aiohttp.ClientSession() as session:

        async def one(url: str) -> None:
            filename = url.rsplit("/", 1)[-1]
            out = work / filename[:-4]
            out.mkdir()
            async with sem, session.get(url) as resp:
                resp.raise_for_status()
                if strategy == "tempfile":
                    h = hashlib.sha256()
                    archive = work / filename
                    with open(archive, "wb") as f:
                        async for chunk in resp.content.iter_chunked(1 << 16):
                            f.write(chunk)
                            h.update(chunk)
                    await loop.run_in_executor(pool, unzip_wheel, archive, out, filename)
                    os.unlink(archive)
                else:
                    q: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
                    fut = loop.run_in_executor(pool, stream_unzip, q.get, out, filename)
                    try:
                        async for chunk in resp.content.iter_chunked(1 << 16):
                            q.put(chunk)
                    finally:
                        q.put(None)
                    await fut

        await asyncio.gather(*(one(u) for u in urls))
    return time.perf_counter() - start


def _run_unzip(paths: list[Path], work: Path, threads: int) -> float:
    from sula.database.unzip import unzip_wheel

    def one(p: Path) -> None:
        out = work / p.name[:-4]
        out.mkdir()
        unzip_wheel(p, out, p.name)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("requirements", nargs="?", default=str(DEFAULT_REQS))
    parser.add_argument("--links", required=True, help="Directory holding the pinned wheels")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args(argv)

    from packaging.utils import canonicalize_name, parse_wheel_filename

    pins = {}
    for line in Path(args.requirements).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonicalize_name(name)] = version.strip()
    links = Path(args.links)
    wheels = sorted(p for p in links.glob("*.whl")
                    if pins.get(parse_wheel_filename(p.name)[0]) == str(parse_wheel_filename(p.name)[1]))
    total = sum(p.stat().st_size for p in wheels)
    print(f"{len(wheels)} wheels, {total / 1e6:.1f} MB")
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(args.port), "--bind", "127.0.0.1", "--directory", str(links)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    urls = [f"http://127.0.0.1:{args.port}/{p.name}" for p in wheels]
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    try:
        time.sleep(0.5)
        kinds = ["tempfile", "stream", "unzip-1", "unzip-2", "unzip-4", "unzip-8"]
        for _ in range(args.runs):
            for kind in kinds:
                work = Path(tempfile.mkdtemp(prefix="sula-bench-unzip-"))
                ru = resource.getrusage(resource.RUSAGE_SELF)
                try:
                    if kind.startswith("unzip-"):
                        t = _run_unzip(wheels, work, int(kind.split("-")[1]))
                    else:
                        with ThreadPoolExecutor(max_workers=4) as pool:
                            t = asyncio.run(_run_network(urls, work, kind, pool))
                finally:
                    shutil.rmtree(work, ignore_errors=True)
                after = resource.getrusage(resource.RUSAGE_SELF)
                times.setdefault(kind, []).append(t)
                cpu.setdefault(kind, []).append(after.ru_utime + after.ru_stime - ru.ru_utime - ru.ru_stime)
    finally:
        server.terminate()
        server.wait()
    for kind, values in times.items():
        print(f"{kind:>9}: wall median {statistics.median(values) * 1000:6.0f} ms   "
              f"min {min(values) * 1000:6.0f} ms   cpu median {statistics.median(cpu[kind]) * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
