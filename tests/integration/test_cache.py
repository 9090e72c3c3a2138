"""`sula cache dir | clean | prune` end to end, as a user runs them."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import time
from pathlib import Path

from fixtures.cli import SulaRunner

from sula.cache import Cache, CacheBucket, cache_key

OLD = time.time() - 7200
IDX = cache_key("http://127.0.0.1:1/simple/")


def _write(path: Path, data: str = "x", mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def _fill(cache_dir: Path) -> Cache:
    cache = Cache(root=cache_dir).init()
    for name, size in (("flask", 2048), ("jinja2", 1000)):
        stem = f"{name}-1.0-py3-none-any"
        entry = cache.shard(CacheBucket.WHEELS, IDX, name, stem)
        _write(entry / name / "__init__.py", "x" * size)
        _write(entry.with_name(stem + ".sha256"), "0" * 63 + "\n")
        _write(cache.shard(CacheBucket.SIMPLE, IDX, f"{name}.msgpack"), "p" * 100)
    return cache


def test_cache_dir(run_sula: SulaRunner, tmp_path: Path) -> None:
    assert run_sula("cache", "dir").snapshot() == """\
exit_code: 0
----- stdout -----
[CACHE]
----- stderr -----
"""
    # `--cache-dir` anywhere on the line wins over SULA_CACHE_DIR, and nothing is created.
    result = run_sula("cache", "dir", "--cache-dir", str(tmp_path / "elsewhere"))
    assert result.snapshot() == "exit_code: 0\n----- stdout -----\n[TEMP]/elsewhere\n----- stderr -----\n"
    assert not (tmp_path / "elsewhere").exists()


def test_cache_clean_everything(run_sula: SulaRunner, cache_dir: Path) -> None:
    assert run_sula("cache", "clean").snapshot() == """\
exit_code: 0
----- stdout -----
----- stderr -----
No cache found at: `[CACHE]`
"""
    _fill(cache_dir)
    assert run_sula("cache", "clean").snapshot() == """\
exit_code: 0
----- stdout -----
----- stderr -----
Clearing cache at: `[CACHE]`
Removed 6 files (3.3 KiB)
"""
    assert sorted(os.listdir(cache_dir)) == [".gitignore", ".lock", ".sizes", "CACHEDIR.TAG"]
    assert run_sula("cache", "clean", "-q").snapshot() == "exit_code: 0\n----- stdout -----\n----- stderr -----\n"


def test_cache_clean_packages(run_sula: SulaRunner, cache_dir: Path) -> None:
    cache = _fill(cache_dir)
    result = run_sula("cache", "clean", "Flask", "nothing-here", "FLASK")
    assert result.snapshot() == """\
exit_code: 0
----- stdout -----
----- stderr -----
Removed 3 files for `flask` (2.2 KiB)
No cache entries found for `nothing-here`
"""
    assert not cache.shard(CacheBucket.WHEELS, IDX, "flask").exists()
    assert cache.shard(CacheBucket.WHEELS, IDX, "jinja2", "jinja2-1.0-py3-none-any").is_dir()
    assert cache.shard(CacheBucket.SIMPLE, IDX, "jinja2.msgpack").is_file()


def test_cache_clean_bad_name(run_sula: SulaRunner, cache_dir: Path) -> None:
    _fill(cache_dir)
    assert run_sula("cache", "clean", "not/a name").snapshot() == """\
exit_code: 1
----- stdout -----
----- stderr -----
error: Invalid package name `not/a name`
"""


def test_cache_prune(run_sula: SulaRunner, cache_dir: Path) -> None:
    cache = _fill(cache_dir)
    _write(cache.temp_root / "wheel-crashed" / "f.py", "x" * 10, mtime=OLD)
    os.utime(cache.temp_root / "wheel-crashed", (OLD, OLD))
    _write(cache.temp_root / "wheel-running" / "f.py", "x")
    _write(cache_dir / "simple-v0" / "flask.json", "y" * 20)
    _write(cache.shard(CacheBucket.WHEELS, IDX, "flask", "flask-0.1-py3-none-any.lock"), "", OLD)
    _write(cache.shard(CacheBucket.WHEELS, IDX, "flask", "flask-0.2-py3-none-any.sha256"), "0", OLD)
    interp = cache.shard(CacheBucket.INTERPRETERS, cache_key("/gone/python") + ".marshal")
    interp.parent.mkdir(parents=True)
    interp.write_bytes(marshal.dumps({"executable": "/gone/python"}))

    assert run_sula("cache", "prune", "--dry-run").snapshot() == f"""\
exit_code: 0
----- stdout -----
simple-v0 (bucket of another cache version)
.tmp/wheel-crashed (temporary leftover)
wheels-v1/{IDX}/flask/flask-0.1-py3-none-any.lock (stale lock file)
wheels-v1/{IDX}/flask/flask-0.2-py3-none-any.sha256 (orphan sidecar)
interpreters-v2/{interp.name} (interpreter no longer exists)
----- stderr -----
Pruning cache at: `[CACHE]`
Would remove 5 entries (59 B)
"""
    assert (cache_dir / "simple-v0").exists()
    assert run_sula("cache", "prune").snapshot() == """\
exit_code: 0
----- stdout -----
----- stderr -----
Pruning cache at: `[CACHE]`
Removed 5 files (59 B)
"""
    assert (cache.temp_root / "wheel-running").exists()
    assert cache.shard(CacheBucket.WHEELS, IDX, "flask", "flask-1.0-py3-none-any").is_dir()
    assert run_sula("cache", "prune").snapshot() == """\
exit_code: 0
----- stdout -----
----- stderr -----
Pruning cache at: `[CACHE]`
No unused entries found
"""
    # --min-age 0: the running write's dir counts as a leftover too.
    result = run_sula("cache", "prune", "--min-age", "0").check()
    assert "Removed 1 file (1 B)" in result.stderr


_HOLDER = """
import sys, time
from sula.cache import Cache
cache = Cache(root=__import__("pathlib").Path(sys.argv[1]))
with cache.lock_shared():
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_clean_waits_for_a_process_using_the_cache(run_sula: SulaRunner, cache_dir: Path) -> None:
    _fill(cache_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(cache_dir), "5"], stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        start = time.monotonic()
        result = run_sula("cache", "clean", "flask").check()
        waited = time.monotonic() - start
    finally:
        holder.wait(10)
    assert holder.returncode == 0
    assert waited >= 0.8, waited
    assert result.snapshot() == """\
exit_code: 0
----- stdout -----
----- stderr -----
Waiting for another sula process to release the cache lock at `[CACHE]/.lock`…
Removed 3 files for `flask` (2.2 KiB)
"""


def test_cache_help_lists_subcommands(run_sula: SulaRunner) -> None:
    out = run_sula("cache", "--help").check().stdout
    assert "dir" in out and "clean" in out and "prune" in out
    assert "--dry-run" in run_sula("help", "cache", "prune").check().stdout
