"""Cache keys and paths: same digests as hashlib, the bucket-name rule, str and Path views."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from sula.cache import Cache, CacheBucket, cache_key, is_bucket_dir_name, sha256_hex


@pytest.mark.parametrize("data", [b"", b"abc", b"https://example.invalid/simple/", bytes(range(256)) * 64])
def test_sha256_hex_is_sha256(data: bytes) -> None:
    assert sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_cache_key_is_a_short_sha256() -> None:
    assert cache_key("/usr/bin/python3") == hashlib.sha256(b"/usr/bin/python3").hexdigest()[:16]


@pytest.mark.parametrize("name", [
    "simple-v1", "wheels-v0", "built-wheels-v12", "interpreters-v2", "a-v1-v2", "x9-v3",
    "simple", "simple-v", "-v1", "Simple-v1", "simple-v1a", "simple-v١", "1simple-v1", "simple_x-v1",
    ".tmp", "", "simple-v1/", "git-v1 ",
])
def test_is_bucket_dir_name_follows_the_pattern(name: str) -> None:
    assert is_bucket_dir_name(name) == bool(re.fullmatch(r"[a-z][a-z0-9-]*-v[0-9]+", name, re.ASCII))


def test_cache_paths_as_str_and_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cache = Cache.from_settings("rel/cache", no_cache=False)
    assert cache.root == (tmp_path / "rel" / "cache") == Path(cache.root_dir)
    assert cache.shard_str(CacheBucket.INTERPRETERS, "k.marshal") == os.fspath(
        cache.shard(CacheBucket.INTERPRETERS, "k.marshal"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Cache.from_settings("~/c", no_cache=False).root == tmp_path / "home" / "c"
    assert Cache(root=tmp_path) == Cache(root=str(tmp_path)) and Cache(root=tmp_path).root == tmp_path
    cache.init()
    assert (cache.root / "CACHEDIR.TAG").is_file() and (cache.root / ".gitignore").is_file()
    with cache.lock_shared():
        assert cache.lock_path.exists()


@pytest.mark.parametrize(("xdg", "home"), [
    (None, "/home/u"), ("", "/home/u"), ("/xdg/cache", "/home/u"), ("/xdg/cache", None),
    ("relative/cache", "/home/u"), ("  ", "/home/u"), (None, "relative-home"),
])
def test_default_cache_dir_is_platformdirs(
    xdg: str | None, home: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from platformdirs import user_cache_dir

    from sula.cache.core import _user_cache_dir

    for var, value in (("XDG_CACHE_HOME", xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)
    assert _user_cache_dir() == user_cache_dir("sula", appauthor=False)
