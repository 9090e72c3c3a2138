"""The cache's size totals (``sula.cache.usage``) and the eviction order (``sula.cache.evict``)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sula.cache import Cache, CacheBucket
from sula.cache.evict import (
    EntryKind,
    EvictableEntry,
    InvalidMaxSizeError,
    parse_max_size,
    plan_eviction,
)
from sula.cache.usage import (
    InvalidSizeError,
    exact_totals,
    parse_size,
    read_totals,
    record_write,
    touch,
    tree_bytes,
    write_totals,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("0", 0), ("1500", 1500), ("10G", 10 * 1024**3), ("500M", 500 * 1024**2), ("1.5k", 1536),
    ("2GiB", 2 * 1024**3), ("3 MB", 3_000_000), ("1T", 1024**4), ("7b", 7),
])
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "G", "lots", "10Q", "-1G", "nanG", "infG", "1e400"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(InvalidSizeError):
        parse_size(text)


def test_parse_max_size_names_where_it_came_from() -> None:
    with pytest.raises(InvalidMaxSizeError, match="Invalid cache size `x` in `--max-size`"):
        parse_max_size("x", "`--max-size`")


def test_tree_bytes_counts_dirs_and_a_hard_linked_file_once(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a").write_bytes(b"x" * 100)
    os.link(tmp_path / "d" / "a", tmp_path / "d" / "b")
    os.symlink("a", tmp_path / "d" / "s")
    dir_size = os.lstat(tmp_path / "d").st_size
    link_size = os.lstat(tmp_path / "d" / "s").st_size
    assert tree_bytes(str(tmp_path / "d"), set()) == dir_size + 100 + link_size
    assert tree_bytes(str(tmp_path / "d")) == dir_size + 200 + link_size
    assert tree_bytes(str(tmp_path / "missing")) == 0


def test_record_write_counts_what_changed(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c").init()
    assert read_totals(cache) == {}
    page = cache.shard(CacheBucket.SIMPLE, "0123456789abcdef", "flask.msgpack")
    with record_write(cache, page):
        page.write_bytes(b"p" * 300)
    with record_write(cache, page):  # rewritten shorter
        page.write_bytes(b"p" * 200)
    entry = cache.shard(CacheBucket.WHEELS, "0123456789abcdef", "flask", "flask-1-py3-none-any")
    with record_write(cache, entry, sidecar=True):
        (entry / "flask").mkdir(parents=True)
        (entry / "flask" / "__init__.py").write_text("x" * 1000)
        entry.with_name(entry.name + ".sha256").write_text("0" * 64 + "\n")
    assert read_totals(cache) == exact_totals(cache)
    # A failed write still counts what it left behind (here: nothing but the directories).
    with pytest.raises(RuntimeError), record_write(cache, entry.with_name("other")):
        raise RuntimeError("boom")
    assert read_totals(cache) == exact_totals(cache)


def test_writers_in_threads_count_a_new_directory_once(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c").init()
    start = threading.Barrier(8)

    def write(i: int) -> None:
        page = cache.shard(CacheBucket.SIMPLE, "0123456789abcdef", f"p{i}.msgpack")
        start.wait()
        with record_write(cache, page):
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_bytes(b"x" * i)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert read_totals(cache) == exact_totals(cache)


def test_totals_without_a_header_are_unknown(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    cache.root.mkdir()
    (cache.root / ".sizes").write_text("wheels-v1 100\n")
    assert read_totals(cache) is None
    write_totals(cache, {"wheels-v1": 100, "simple-v1": 0})
    assert (cache.root / ".sizes").read_text() == "sula-cache-sizes 1\nwheels-v1 100\n"
    with open(cache.root / ".sizes", "a") as f:
        f.write("wheels-v1 -40\nwheels-v1 5")  # the last line cut short by a crash: ignored
    assert read_totals(cache) == {"wheels-v1": 60}


def test_touch_sets_the_mtime_once_per_process(tmp_path: Path) -> None:
    entry = tmp_path / "e"
    entry.mkdir()
    os.utime(entry, (1000, 1000))
    touch(entry)
    assert entry.stat().st_mtime > 1000
    os.utime(entry, (1000, 1000))
    touch(entry)  # already recorded in this run
    assert entry.stat().st_mtime == 1000
    touch(tmp_path / "missing")  # no error


def _entry(name: str, kind: EntryKind, last_used: float, size: int = 10) -> EvictableEntry:
    return EvictableEntry(path=Path(name), bucket="wheels-v1", kind=kind, last_used=last_used, size=size)


def test_eviction_order() -> None:
    now = 100 * 3600.0
    entries = [
        _entry("wheel-old", EntryKind.WHEEL, now - 5 * 3600),
        _entry("page-new", EntryKind.PAGE, now - 60),
        _entry("built-hour", EntryKind.BUILT, now - 1800),
        _entry("wheel-hour", EntryKind.WHEEL, now - 1200),
        _entry("meta-hour", EntryKind.METADATA, now - 1000),
        _entry("page-older", EntryKind.PAGE, now - 7 * 3600),
        _entry("wheel-new", EntryKind.WHEEL, now - 30),
    ]
    order = [e.path.name for e in plan_eviction(entries, 70, 0, now=now)]
    # Oldest hour first; within an hour pages and metadata, then wheels, then built wheels.
    assert order == ["page-older", "wheel-old", "meta-hour", "page-new", "wheel-hour", "wheel-new",
                     "built-hour"]
    assert [e.path.name for e in plan_eviction(entries, 70, 45, now=now)] == order[:3]
    assert plan_eviction(entries, 70, 70, now=now) == []
