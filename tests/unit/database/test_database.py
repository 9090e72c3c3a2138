from __future__ import annotations

import asyncio
import hashlib
import zipfile
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest

from sula.cache import Cache
from sula.client.types import DistFile
from sula.database import (
    DistributionDatabase,
    HashMismatchError,
    InvalidArchiveError,
)
from sula.database.record import hash_file, parse_record
from sula.database.unzip import unzip_wheel
from sula.distribution import WheelFilename
from sula.distribution.dist import PathWheel, RegistryWheel
from sula.distribution.metadata import Metadata


class FileServer:
    """Streams local files as if they were URLs, counting requests (a stand-in transport)."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files
        self.requests: list[str] = []

    async def stream_url(self, url: str, *, hashes: Mapping[str, str] | None = None) -> AsyncIterator[bytes]:
        self.requests.append(url)
        data = self.files[url].read_bytes()
        for i in range(0, len(data), 7000):
            await asyncio.sleep(0)
            yield data[i : i + 7000]


def test_local_wheel_is_unpacked_with_a_complete_record_and_left_in_place(wheel_factory, tmp_path: Path) -> None:
    whl = wheel_factory("local", "1.0", files={"local/__init__.py": "", "local/x.bin": b"\x00" * 100})
    before = whl.read_bytes()
    cache = Cache(root=tmp_path / "c").init()
    db = DistributionDatabase(cache=cache)
    cw = asyncio.run(db.get_wheel(PathWheel(filename=WheelFilename.parse(whl.name), path=whl)))
    assert whl.read_bytes() == before
    record = parse_record((cw.path / "local-1.0.dist-info" / "RECORD").read_text())
    for row in record:
        if row.hash:
            assert hash_file(cw.path / row.path) == (row.hash, row.size)
    assert {r.path for r in record} >= {"local/__init__.py", "local/x.bin", "local-1.0.dist-info/RECORD"}
    assert not list((cache.temp_root).iterdir())


def test_download_verifies_hashes_and_flies_once(wheel_factory, tmp_path: Path) -> None:
    whl = wheel_factory("remote", "2.0", size_padding=50_000)
    digest = hashlib.sha256(whl.read_bytes()).hexdigest()
    server = FileServer({"http://x/remote.whl": whl})
    cache = Cache(root=tmp_path / "c").init()
    fn = WheelFilename.parse(whl.name)
    src = RegistryWheel(filename=fn, url="http://x/remote.whl", index="http://x/simple/")

    async def go() -> list[Path]:
        db = DistributionDatabase(cache=cache, client=server)
        results = await asyncio.gather(*(db.get_wheel(src, [f"sha256:{digest}"]) for _ in range(5)))
        return [r.path for r in results]

    paths = asyncio.run(go())
    assert len(set(paths)) == 1 and len(server.requests) == 1
    assert (paths[0].parent / (paths[0].name + ".sha256")).read_text().strip() == digest
    # A second database (another run) finds it in the cache: no request at all.
    db2 = DistributionDatabase(cache=cache, client=server)
    assert asyncio.run(db2.get_wheel(src, [f"sha256:{digest}"])).sha256 == digest
    assert len(server.requests) == 1
    assert [c.filename.stem for c in db2.registry_entries("http://x/simple/", "remote")] == [fn.stem]


def test_hash_mismatch_leaves_no_cache_entry(wheel_factory, tmp_path: Path) -> None:
    whl = wheel_factory("bad", "1.0")
    server = FileServer({"http://x/bad.whl": whl})
    cache = Cache(root=tmp_path / "c").init()
    src = RegistryWheel(filename=WheelFilename.parse(whl.name), url="http://x/bad.whl", index="i")
    db = DistributionDatabase(cache=cache, client=server)
    with pytest.raises(HashMismatchError, match=r"Hash mismatch for `bad-1\.0-py3-none-any\.whl`"):
        asyncio.run(db.get_wheel(src, ["sha256:" + "0" * 64]))
    assert not db.entry_path(src).exists()
    assert not list(cache.temp_root.iterdir())
    # The index's own hash is checked by the database (the client is not asked to hash again).
    listed = RegistryWheel(filename=src.filename, url=src.url, index="i", hashes={"sha256": "1" * 64})
    with pytest.raises(HashMismatchError, match="expected `sha256:1111"):
        asyncio.run(DistributionDatabase(cache=cache, client=server).get_wheel(listed))
    assert not db.entry_path(listed).exists()
    good = hashlib.sha256(whl.read_bytes()).hexdigest()
    ok = RegistryWheel(filename=src.filename, url=src.url, index="j", hashes={"SHA256": good.upper()})
    assert asyncio.run(DistributionDatabase(cache=cache, client=server).get_wheel(ok)).sha256 == good


def test_unzip_rejects_tampered_and_unsafe_archives(tmp_path: Path) -> None:
    good = tmp_path / "t-1.0-py3-none-any.whl"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("t/__init__.py", "x = 1\n")
        zf.writestr("t-1.0.dist-info/METADATA", "Name: t\nVersion: 1.0\n\n")
        zf.writestr("t-1.0.dist-info/RECORD", "t/__init__.py,sha256=AAAA,6\nt-1.0.dist-info/RECORD,,\n")
    (tmp_path / "out1").mkdir()
    with pytest.raises(InvalidArchiveError, match="does not match its RECORD hash"):
        unzip_wheel(good, tmp_path / "out1", good.name)
    evil = tmp_path / "e-1.0-py3-none-any.whl"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escape.py", "")
    (tmp_path / "out2").mkdir()
    with pytest.raises(InvalidArchiveError, match="unsafe path"):
        unzip_wheel(evil, tmp_path / "out2", evil.name)
    assert not (tmp_path / "escape.py").exists()
    junk = tmp_path / "j-1.0-py3-none-any.whl"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InvalidArchiveError, match="not a zip archive"):
        unzip_wheel(junk, tmp_path / "out2", junk.name)


def test_entry_lock_is_released_on_the_thread_that_took_it(tmp_path: Path) -> None:
    """The per-entry file lock is taken in a pool thread and released on the loop's: another
    process can take it as soon as the block ends, even while the lock object lives on (a
    traceback, a debugger or a Python without reference counting keeps it)."""
    import subprocess
    import sys

    probe = ("import filelock, sys\n"
             "try:\n"
             "    filelock.FileLock(sys.argv[1], timeout=0).acquire()\n"
             "except filelock.Timeout:\n"
             "    sys.exit(3)\n")
    cache = Cache(root=tmp_path / "c").init()
    db = DistributionDatabase(cache=cache)
    entry = cache.root / "wheels-v1" / "x" / "pkg" / "pkg-1.0-py3-none-any"

    async def hold() -> object:
        async with db._file_lock(entry) as lock:
            path = lock.lock_file
            inside = subprocess.run([sys.executable, "-c", probe, path])
            assert inside.returncode == 3  # held while inside the block
        return lock

    kept = asyncio.run(hold())
    after = subprocess.run([sys.executable, "-c", probe, str(entry) + ".lock"])
    assert after.returncode == 0, "the entry lock is still held after the block"
    del kept
    db.close()


class MetadataClient:
    """Answers wheel metadata from a table, counting each request and keeping the file asked for."""

    def __init__(self) -> None:
        self.asked: list[DistFile] = []

    async def wheel_metadata(self, dist: DistFile) -> Metadata:
        self.asked.append(dist)
        await asyncio.sleep(0.01)
        return Metadata(name=dist.filename.name, version=dist.filename.version_str, requires_dist=["dep"])


def test_wheel_metadata_comes_through_the_database_once_per_dist(tmp_path: Path) -> None:
    client = MetadataClient()
    db = DistributionDatabase(cache=Cache(root=tmp_path / "c").init(), client=client)
    fn = WheelFilename.parse("app-1.0-py3-none-any.whl")
    listed = RegistryWheel(filename=fn, url="http://x/app-1.0-py3-none-any.whl", index="http://x/simple/",
                           hashes={"sha256": "a" * 64}, size=10, core_metadata={"sha256": "b" * 64})

    async def main() -> list[Metadata]:
        return list(await asyncio.gather(*(db.get_or_build_wheel_metadata(listed) for _ in range(5))))

    metas = asyncio.run(main())
    assert len(client.asked) == 1 and all(m is metas[0] for m in metas)
    assert metas[0].requires_dist == ["dep"]
    # The client gets the file as the index listed it: its metadata cache and the PEP 658
    # file depend on the index, the hashes and the `.metadata` offer.
    asked = client.asked[0]
    assert (asked.index, asked.file.url, asked.file.hashes, asked.file.core_metadata) == (
        "http://x/simple/", listed.url, {"sha256": "a" * 64}, {"sha256": "b" * 64})
    on_disk = PathWheel(filename=fn, path=tmp_path / "app-1.0-py3-none-any.whl")
    asyncio.run(db.get_or_build_wheel_metadata(on_disk))
    assert (client.asked[1].index, client.asked[1].file.url) == ("url", on_disk.path.as_uri())


def test_lookup_answers_for_every_kind_without_network(wheel_factory, tmp_path: Path) -> None:
    from sula.distribution import SdistFilename
    from sula.distribution.dist import GitSource, RegistrySdist, TreeSource

    whl = wheel_factory("local", "1.0")
    db = DistributionDatabase(cache=Cache(root=tmp_path / "c").init())
    wheel = PathWheel(filename=WheelFilename.parse(whl.name), path=whl)
    assert db.lookup(wheel) is None
    got = asyncio.run(db.get_or_build_wheel(wheel))  # a wheel is fetched, not built
    assert db.lookup(wheel) == got and not got.built
    sdist = RegistrySdist(filename=SdistFilename.parse("lib-1.0.tar.gz", "lib"), url="http://x/lib-1.0.tar.gz",
                          index="http://x/simple/", hashes={"sha256": "c" * 64})
    assert db.lookup(sdist) is None
    assert db.lookup(GitSource(repository="https://git.invalid/r.git", reference="main")) is None
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'proj'\nversion = '1'\n")
    assert db.lookup(TreeSource(path=project)) is None
