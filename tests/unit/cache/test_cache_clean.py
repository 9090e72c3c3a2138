"""Cache layout rules, clean (all / one package), prune, and the cache lock."""

from __future__ import annotations

import marshal
import os
import sys
import threading
import time
from pathlib import Path

import pytest

from sula._fs import lock
from sula.cache import Cache, CacheBucket, CacheLockedError, cache_key, is_key_segment
from sula.cache.clean import (
    InvalidPackageNameError,
    Removal,
    clean_all,
    clean_package,
    format_size,
    normalize_package,
    package_shards,
    plan_prune,
    prune,
)

OLD = time.time() - 7200  # older than prune's default grace period


def _write(path: Path, data: bytes | str = b"x", mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _populate(cache: Cache) -> dict[str, Path]:
    """A cache laid out the way the client and the database write it."""
    idx = cache_key("http://127.0.0.1:1/simple/")
    other = cache_key("http://127.0.0.1:2/simple/")
    p: dict[str, Path] = {}
    wheel = cache.shard(CacheBucket.WHEELS, idx, "flask", "flask-3.0.0-py3-none-any")
    _write(wheel / "flask" / "__init__.py", "x" * 100)
    _write(wheel / "flask-3.0.0.dist-info" / "RECORD", "y" * 50)
    _write(wheel.with_name(wheel.name + ".sha256"), "abc\n")
    _write(wheel.with_name(wheel.name + ".lock"), "")
    _write(wheel.with_name(wheel.name + ".msgpack"), "m")
    p["flask-wheel"] = wheel
    url_wheel = cache.shard(CacheBucket.WHEELS, "url", cache_key("http://x/f.whl"), "flask", "flask-2.0-py3-none-any")
    _write(url_wheel / "flask" / "__init__.py", "z")
    p["flask-url-wheel"] = url_wheel
    _write(cache.shard(CacheBucket.SIMPLE, idx, "flask.msgpack"), "page")
    _write(cache.shard(CacheBucket.SIMPLE, other, "flask.msgpack"), "page2")
    _write(cache.shard(CacheBucket.SIMPLE, idx, "jinja2.msgpack"), "page")
    _write(cache.shard(CacheBucket.SIMPLE, idx, ".flat-index.msgpack"), "flat")
    # A package whose name is also a kind word: only a key directly under a bucket.
    path_pkg = cache.shard(CacheBucket.WHEELS, idx, "path", "path-16.0-py3-none-any")
    _write(path_pkg / "path" / "__init__.py", "p")
    p["path-wheel"] = path_pkg
    # Inside a wheel, a directory named like another package is content, not a shard.
    _write(wheel / "jinja2" / "vendored.py", "v")
    _write(cache.shard(CacheBucket.BUILT_WHEELS, "path", cache_key("/src/flask"), "flask", "a1b2", "x.whl"), "w")
    return p


def test_key_segments() -> None:
    assert is_key_segment(cache_key("anything"), 1) and is_key_segment(cache_key("x"), 3)
    assert is_key_segment("url", 1) and not is_key_segment("url", 2)
    assert not is_key_segment("flask", 1) and not is_key_segment("0123", 2)


def test_init_writes_cachedir_tag(tmp_path: Path) -> None:
    cache = Cache(root=tmp_path / "c").init()
    assert (cache.root / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55"
    )
    assert (cache.root / ".gitignore").read_text() == "*\n"


def test_package_shards_follow_the_shard_rule(tmp_path: Path) -> None:
    cache = Cache(root=tmp_path / "c").init()
    p = _populate(cache)
    root = cache.root
    flask = [s.relative_to(root).as_posix() for s in package_shards(cache, "flask")]
    idx = cache_key("http://127.0.0.1:1/simple/")
    other = cache_key("http://127.0.0.1:2/simple/")
    src = cache_key("/src/flask")
    assert flask == sorted([
        f"built-wheels-v1/path/{src}/flask",
        f"simple-v1/{idx}/flask.msgpack",
        f"simple-v1/{other}/flask.msgpack",
        f"wheels-v1/url/{cache_key('http://x/f.whl')}/flask",
        f"wheels-v1/{idx}/flask",
    ])
    assert package_shards(cache, "path") == [p["path-wheel"].parent]
    assert [s.name for s in package_shards(cache, "jinja2")] == ["jinja2.msgpack"]
    assert package_shards(cache, "flat-index") == []


def test_clean_package_counts_and_keeps_others(tmp_path: Path) -> None:
    cache = Cache(root=tmp_path / "c").init()
    p = _populate(cache)
    removal = clean_package(cache, "flask")
    # 2 wheel files + vendored file + 3 sidecars + url wheel file + 2 pages + built wheel
    assert removal.num_files == 10
    assert removal.total_bytes == 100 + 50 + 4 + 0 + 1 + 1 + 1 + 4 + 5 + 1
    assert not p["flask-wheel"].parent.exists() and not p["flask-url-wheel"].exists()
    assert p["path-wheel"].exists()
    assert package_shards(cache, "jinja2")
    assert clean_package(cache, "flask").is_empty


def test_clean_all_keeps_tag_and_lock(tmp_path: Path) -> None:
    cache = Cache(root=tmp_path / "c").init()
    _populate(cache)
    _write(cache.temp_root / "wheel-abc" / "f", "t")
    cache.lock_path.touch()
    removal = clean_all(cache)
    assert removal.num_files == 14
    assert sorted(os.listdir(cache.root)) == [".gitignore", ".lock", ".sizes", "CACHEDIR.TAG"]
    assert clean_all(cache).is_empty
    assert clean_all(Cache(root=tmp_path / "missing")) == Removal()


def test_prune_plan(tmp_path: Path) -> None:
    cache = Cache(root=tmp_path / "c").init()
    p = _populate(cache)
    root = cache.root
    idx = cache_key("http://127.0.0.1:1/simple/")
    # Leftovers of every kind, old enough to be stale.
    old_tmp = cache.temp_root / "wheel-dead"
    _write(old_tmp / "unpacked" / "x.py", "x", mtime=OLD)
    os.utime(old_tmp / "unpacked", (OLD, OLD))
    os.utime(old_tmp, (OLD, OLD))
    young_tmp = cache.temp_root / "wheel-live"
    _write(young_tmp / "x.py", "x")
    _write(cache.shard(CacheBucket.SIMPLE, idx, ".flask.msgpack.abc123.tmp"), "t", mtime=OLD)
    _write(cache.shard(CacheBucket.SIMPLE, idx, ".young.msgpack.abc.tmp"), "t")
    stale_lock = _write(p["flask-wheel"].with_name("flask-1.0-py3-none-any.lock"), "", mtime=OLD)
    held_lock = _write(p["flask-wheel"].with_name("flask-0.9-py3-none-any.lock"), "", mtime=OLD)
    _write(p["flask-wheel"].with_name("flask-1.0-py3-none-any.sha256"), "d", mtime=OLD)
    _write(root / "simple-v0" / "abc" / "flask.json", "old")
    _write(root / "wheels-v0" / "k" / "f.whl", "old")
    (root / "not-a-bucket").mkdir()
    empty = cache.shard(CacheBucket.WHEELS, cache_key("gone"), "six")
    empty.mkdir(parents=True)
    os.utime(empty, (OLD, OLD))
    os.utime(empty.parent, (OLD, OLD))
    interp = cache.bucket(CacheBucket.INTERPRETERS)
    _write(interp / "a.marshal", marshal.dumps({"executable": "/nonexistent/python3"}))
    _write(interp / "b.marshal", marshal.dumps({"executable": sys.executable}))
    _write(interp / "c.marshal", b"\x00garbage")
    _write(p["flask-wheel"] / "lib.lock", "", mtime=OLD)  # content of a wheel: never touched

    with lock(held_lock):
        plan = plan_prune(cache)
    got = sorted((c.path.relative_to(root).as_posix(), c.reason) for c in plan)
    wheels = f"wheels-v1/{idx}/flask"
    assert got == sorted([
        (".tmp/wheel-dead", "temporary leftover"),
        (f"simple-v1/{idx}/.flask.msgpack.abc123.tmp", "interrupted write"),
        (f"{wheels}/flask-1.0-py3-none-any.lock", "stale lock file"),
        (f"{wheels}/flask-1.0-py3-none-any.sha256", "orphan sidecar"),
        ("simple-v0", "bucket of another cache version"),
        ("wheels-v0", "bucket of another cache version"),
        (f"wheels-v1/{cache_key('gone')}/six", "empty directory"),
        (f"wheels-v1/{cache_key('gone')}", "empty directory"),
        ("interpreters-v2/a.marshal", "interpreter no longer exists"),
        ("interpreters-v2/c.marshal", "unreadable interpreter entry"),
    ])
    assert stale_lock.exists()

    with lock(held_lock):
        removal, _ = prune(cache)
    assert removal.num_files == 8 and not (root / "simple-v0").exists()
    assert not old_tmp.exists() and young_tmp.exists() and held_lock.exists()
    assert not empty.parent.exists() and (p["flask-wheel"] / "lib.lock").exists()
    # A second prune finds only the lock released since; everything in use is still there.
    assert [c.path for c in plan_prune(cache)] == [held_lock]
    assert p["flask-wheel"].is_dir() and (interp / "b.marshal").exists()
    # min_age=0 takes the young leftovers too.
    assert {c.reason for c in plan_prune(cache, min_age=0)} >= {"temporary leftover", "interrupted write"}


def test_normalize_package() -> None:
    assert normalize_package("Foo_Bar.baz") == "foo-bar-baz"
    with pytest.raises(InvalidPackageNameError, match="Invalid package name `-x`"):
        normalize_package("-x")


def test_format_size() -> None:
    assert [format_size(n) for n in (0, 1023, 1536, 5 * 1024 * 1024, 3 * 1024**3)] == [
        "0 B", "1023 B", "1.5 KiB", "5.0 MiB", "3.0 GiB",
    ]


def test_lock_exclusive_waits_for_shared_and_exclusive_holders(tmp_path: Path) -> None:
    cache = Cache(root=tmp_path / "c").init()
    waited: list[Path] = []
    release = threading.Event()

    def hold_shared() -> None:
        with cache.lock_shared():
            held.set()
            release.wait(5)

    held = threading.Event()
    t = threading.Thread(target=hold_shared)
    t.start()
    held.wait(5)
    with pytest.raises(CacheLockedError), cache.lock_exclusive(timeout=0.2, on_wait=waited.append):
        pass
    assert waited == [cache.lock_path]
    threading.Timer(0.3, release.set).start()
    start = time.monotonic()
    with cache.lock_exclusive(on_wait=waited.append):
        assert time.monotonic() - start >= 0.2
    t.join()
    # Two shared holders at once are fine.
    with cache.lock_shared(), cache.lock_shared():
        pass
