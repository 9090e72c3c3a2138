"""Cache policy, credentials, settings and core-metadata parsing of the index client."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sula.client.auth import AuthStore, Credentials, split_credentials
from sula.client.cache_policy import CachePolicy
from sula.client.settings import (
    ClientSettings,
    IndexSettings,
    IndexStrategy,
    InvalidSettingError,
    add_index_arguments,
    parse_exclude_newer,
    settings_from_args,
)
from sula.distribution.metadata import InvalidMetadataError, parse_metadata

# -- cache policy ---------------------------------------------------------------------------


def test_no_headers_means_stale() -> None:
    policy = CachePolicy.from_headers({}, now=1000)
    assert not policy.is_fresh(now=1000)
    assert policy.revalidation_headers() == {}


def test_max_age_and_age() -> None:
    policy = CachePolicy.from_headers({"Cache-Control": "public, max-age=600", "Age": "100"}, now=0)
    assert policy.is_fresh(now=499)
    assert not policy.is_fresh(now=501)


def test_s_maxage_smaller_wins_and_bad_values_ignored() -> None:
    policy = CachePolicy.from_headers({"Cache-Control": "max-age=600, s-maxage=60, max-age=x"}, 0)
    assert policy.max_age == 60


@pytest.mark.parametrize("cc", ["no-cache", "max-age=600, no-cache", "no-store, max-age=9"])
def test_no_cache_and_no_store_are_never_fresh(cc: str) -> None:
    policy = CachePolicy.from_headers({"Cache-Control": cc}, now=0)
    assert not policy.is_fresh(now=0)
    assert policy.no_store == ("no-store" in cc)


def test_immutable_is_fresh_forever() -> None:
    policy = CachePolicy.from_headers({"Cache-Control": "immutable"}, now=0)
    assert policy.is_fresh(now=10**12)


def test_expires_header() -> None:
    headers = {"Date": "Wed, 01 Jan 2025 00:00:00 GMT", "Expires": "Wed, 01 Jan 2025 00:01:00 GMT"}
    policy = CachePolicy.from_headers(headers, now=0)
    assert policy.max_age == 60


def test_revalidation_and_304_keep_validators() -> None:
    policy = CachePolicy.from_headers(
        {"ETag": '"abc"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"}, now=0
    )
    assert policy.revalidation_headers() == {
        "If-None-Match": '"abc"',
        "If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT",
    }
    after = policy.after_not_modified({"Cache-Control": "max-age=10"}, now=5)
    assert (after.etag, after.stored_at, after.is_fresh(now=14)) == ('"abc"', 5, True)


# -- credentials ----------------------------------------------------------------------------


def test_split_credentials_and_repr_hides_password() -> None:
    clean, creds = split_credentials("https://us%40er:p%3Ass@host.test:8443/simple/")
    assert clean == "https://host.test:8443/simple/"
    assert creds == Credentials("us@er", "p:ss")
    assert "p:ss" not in repr(creds)


def test_credentials_reused_for_same_host_only(tmp_path: Path) -> None:
    store = AuthStore(netrc_path=str(tmp_path / "missing"))
    assert store.remember("https://u:tok@idx.test/simple/") == "https://idx.test/simple/"
    assert store.for_url("https://idx.test/files/a.whl")[1] == Credentials("u", "tok")
    assert store.for_url("https://idx.test:443/files/a.whl")[1] == Credentials("u", "tok")
    assert store.for_url("https://other.test/files/a.whl")[1] is None
    assert store.for_url("http://idx.test/files/a.whl")[1] is None


def test_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine idx.test login alice password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    store = AuthStore()
    assert store.for_url("https://idx.test/simple/") == (
        "https://idx.test/simple/", Credentials("alice", "s3cret"),
    )
    # Userinfo in the URL wins over netrc.
    assert store.for_url("https://bob:pw@idx.test/x")[1] == Credentials("bob", "pw")


def test_broken_netrc_is_ignored(tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine\n")
    assert AuthStore(netrc_path=str(netrc)).for_url("https://idx.test/")[1] is None


# -- settings -------------------------------------------------------------------------------


def _parse(argv: list[str]) -> tuple[IndexSettings, ClientSettings]:
    parser = argparse.ArgumentParser()
    add_index_arguments(parser)
    return settings_from_args(parser.parse_args(argv), offline=True)


def test_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SULA_CONCURRENT_DOWNLOADS", "7")
    monkeypatch.setenv("SULA_HTTP_TIMEOUT", "2.5")
    index, client = _parse([
        "-i", "https://a.test/simple", "--extra-index-url", "https://b.test/simple",
        "--extra-index-url", "https://c.test/simple/", "-f", "dir", "--index-strategy",
        "unsafe-best-match", "--exclude-newer", "2024-03-01", "--refresh-package", "Foo_Bar",
    ])
    assert [i.url for i in index.indexes()] == [
        "https://b.test/simple/", "https://c.test/simple/", "https://a.test/simple/",
    ]
    assert index.find_links == ("dir",)
    assert index.index_strategy is IndexStrategy.UNSAFE_BEST_MATCH
    assert index.exclude_newer == datetime(2024, 3, 1, tzinfo=timezone.utc)
    assert (client.offline, client.concurrency, client.timeout) == (True, 7, 2.5)
    assert client.must_refresh("foo-bar") and not client.must_refresh("other")


def test_env_and_no_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SULA_EXTRA_INDEX_URL", "https://x.test/ https://y.test/")
    monkeypatch.setenv("SULA_INDEX_URL", "https://main.test/simple/")
    index, _ = _parse([])
    assert [i.url for i in index.indexes()] == [
        "https://x.test/", "https://y.test/", "https://main.test/simple/",
    ]
    index, _ = _parse(["--no-index"])
    assert index.indexes() == []


def test_bad_env_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SULA_HTTP_TIMEOUT", "soon")
    with pytest.raises(InvalidSettingError, match="`SULA_HTTP_TIMEOUT`"):
        ClientSettings.from_env()


def test_retries_and_min_speed_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = ClientSettings.from_env()
    assert (defaults.retries, defaults.min_speed) == (3, 1024)
    monkeypatch.setenv("SULA_HTTP_RETRIES", "0")
    monkeypatch.setenv("SULA_HTTP_MIN_SPEED", "0")
    assert (ClientSettings.from_env().retries, ClientSettings.from_env().min_speed) == (0, 0)
    for name, bad, why in [("SULA_HTTP_RETRIES", "-1", "0 or more"),
                           ("SULA_HTTP_RETRIES", "2.5", "a number"),
                           ("SULA_HTTP_MIN_SPEED", "fast", "a number"),
                           ("SULA_HTTP_TIMEOUT", "0", "positive"),
                           ("SULA_HTTP_TIMEOUT", "nan", "positive")]:
        monkeypatch.setenv(name, bad)
        with pytest.raises(InvalidSettingError, match=f"`{bad}` for `{name}`: .*{why}"):
            ClientSettings.from_env()
        monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", datetime(2024, 1, 31, tzinfo=timezone.utc)),
        ("2024-01-31T10:00:00Z", datetime(2024, 1, 31, 10, tzinfo=timezone.utc)),
        ("2024-01-31T12:00:00+02:00", datetime(2024, 1, 31, 10, tzinfo=timezone.utc)),
        ("2024-01-31 10:00:00", datetime(2024, 1, 31, 10, tzinfo=timezone.utc)),
    ],
)
def test_exclude_newer_forms(text: str, expected: datetime) -> None:
    assert parse_exclude_newer(text) == expected


def test_exclude_newer_invalid() -> None:
    with pytest.raises(InvalidSettingError, match="`--exclude-newer` value `yesterday`"):
        parse_exclude_newer("yesterday")


# -- core metadata --------------------------------------------------------------------------


def test_parse_metadata_fields() -> None:
    text = (
        "Metadata-Version: 2.3\n"
        "Name: Foo.Bar\n"
        "Version: 1.0\n"
        "Summary: a\n"
        "  continued\n"
        "Requires-Python: >=3.8\n"
        "Requires-Dist: six>=1\n"
        "Requires-Dist: pytest; extra == 'test'\n"
        "Provides-Extra: test\n"
        "Dynamic: Requires-Dist\n"
        "\n"
        "Requires-Dist: not-a-header (this is the description body)\n"
    )
    m = parse_metadata(text.encode())
    assert (m.name, m.version, m.requires_python, m.metadata_version) == (
        "Foo.Bar", "1.0", ">=3.8", "2.3",
    )
    assert m.requires_dist == ["six>=1", "pytest; extra == 'test'"]
    assert m.provides_extra == ["test"]
    assert m.dynamic == ["Requires-Dist"]
    assert m.summary == "a\ncontinued"


def test_parse_metadata_missing_version() -> None:
    with pytest.raises(InvalidMetadataError, match="`Version`"):
        parse_metadata(b"Metadata-Version: 2.1\nName: x\n\n")


def test_parse_metadata_crlf_and_bad_utf8() -> None:
    m = parse_metadata(b"Name: x\r\nVersion: 1\r\nSummary: caf\xe9\r\n\r\n")
    assert (m.name, m.version) == ("x", "1")


# -- TLS ------------------------------------------------------------------------------------


def test_ssl_contexts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    import truststore

    from sula.client.http import make_ssl_context

    native = make_ssl_context(True)
    assert isinstance(native, truststore.SSLContext)
    ctx = make_ssl_context(False)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    # SSL_CERT_FILE names the CA bundle to trust.
    certifi = pytest.importorskip("certifi")
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    with_bundle = make_ssl_context(False)
    assert with_bundle.cert_store_stats()["x509_ca"] > 0


def test_tls_context_is_made_once_per_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    import truststore

    from sula.client import http

    monkeypatch.setattr(http, "_TLS", {})
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    http.prepare_tls(False)  # in a worker thread
    ctx = http.tls_context(False)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] > 0  # the system's CA certificates, loaded
    assert http.tls_context(False) is ctx  # every session of the process shares it
    assert isinstance(http.tls_context(True), truststore.SSLContext)
    certifi = pytest.importorskip("certifi")
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert http.tls_context(False) is not ctx  # other settings, another context


def test_tls_context_worker_failure_is_raised_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl

    from sula.client import http

    monkeypatch.setattr(http, "_TLS", {})
    bad = tmp_path / "bundle.pem"
    bad.write_text("not a certificate\n")
    monkeypatch.setattr(http, "_extra_cafile", lambda: str(bad))
    http.prepare_tls(False)
    with pytest.raises(ssl.SSLError):
        http.tls_context(False)


def test_aiohttp_is_imported_without_loading_ca_certificates() -> None:
    """aiohttp's import makes two default TLS contexts, each loading the CA certificates
    (30-60 ms each here); sula's import of it skips both, and leaves ssl as it was."""
    import subprocess
    import sys

    code = """if True:
        import ssl, threading
        loads = []
        real = ssl.SSLContext.set_default_verify_paths
        def counting(self):
            loads.append(threading.get_ident())
            real(self)
        from sula.client import http
        ssl.SSLContext.set_default_verify_paths = counting
        http.load_aiohttp()
        assert ssl.SSLContext.set_default_verify_paths is counting  # someone's override stays
        del ssl.SSLContext.set_default_verify_paths
        import aiohttp.connector
        assert loads == [threading.get_ident()] * 2, loads  # the override made it import plainly
        print("ok")
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    code = """if True:
        import ssl, threading
        from sula.client import http
        http.prepare_tls(False)
        http.load_aiohttp()
        import aiohttp.connector
        assert "set_default_verify_paths" not in ssl.SSLContext.__dict__
        assert aiohttp.connector._SSL_CONTEXT_VERIFIED.cert_store_stats()["x509_ca"] == 0
        assert http.tls_context(False).cert_store_stats()["x509_ca"] > 0
        assert ssl.create_default_context().cert_store_stats()["x509_ca"] > 0
        print("ok")
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# -- GC ------------------------------------------------------------------------------------


@pytest.fixture
def clean_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start from an unfrozen heap and no open client: the freezer's state is per process, and
    an xdist worker may have run a test that left a client open (or froze the heap) before."""
    import gc

    from sula.client import _heap

    gc.unfreeze()
    monkeypatch.setattr(_heap, "_holders", 0)


@pytest.mark.usefixtures("clean_heap")
def test_heap_freezer_freezes_while_a_client_is_open() -> None:
    import gc

    from sula.client._heap import HeapFreezer

    assert gc.get_freeze_count() == 0
    first, second = HeapFreezer(), HeapFreezer()
    try:
        first.freeze()
        kept = [object() for _ in range(10)]  # noqa: F841 - tracked after the first freeze
        frozen = gc.get_freeze_count()
        assert frozen > 0
        second.freeze()
        assert gc.get_freeze_count() >= frozen
        first.release()
        assert gc.get_freeze_count() > 0  # the second client is still open
        first.release()  # twice is harmless
        assert gc.get_freeze_count() > 0
        first.freeze()  # a lookup that finishes after its client closed
        assert not first.active
    finally:
        second.release()
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("clean_heap")
def test_heap_freezer_leaves_a_frozen_or_disabled_collector_alone() -> None:
    import gc

    from sula.client._heap import HeapFreezer

    gc.freeze()  # the host program froze its own heap
    try:
        before = gc.get_freeze_count()
        client = HeapFreezer()
        client.freeze()
        client.release()
        assert not client.active and gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        client = HeapFreezer()
        client.freeze()
        assert not client.active and gc.get_freeze_count() == 0
    finally:
        gc.enable()


@pytest.mark.usefixtures("clean_heap")
def test_heap_freezer_freezes_over_the_sula_commands_own_freeze(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ``sula`` command froze its start-up when it resumed collecting (``sula._gc``):
    that is not a host program's freeze, and the client's pages are frozen on top of it."""
    import gc

    from sula import _gc
    from sula.client._heap import HeapFreezer

    monkeypatch.setattr(_gc, "_froze", True)
    gc.freeze()  # what resume_gc did
    client = HeapFreezer()
    try:
        client.freeze()
        assert client.active
    finally:
        client.release()
    assert gc.get_freeze_count() == 0  # the last client unfroze it all


# -- remote zip ------------------------------------------------------------------------------


def test_central_directory_keeps_only_top_level_metadata_entries() -> None:
    import io
    import struct
    import zipfile

    from sula.client.remote_zip import _parse_central_directory, find_metadata_name

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(300):
            zf.writestr(f"foo/sub/mod{i}.py", b"x = 1\n")
        zf.writestr("foo/vendored/bar-1.0.dist-info/METADATA", b"nested")
        zf.writestr(".dist-info/METADATA", b"no directory name")
        zf.writestr("bar-2.0.dist-info/METADATA", b"Name: bar\n")
        zf.writestr("foo-1.0.dist-info/METADATA", b"Name: foo\nVersion: 1.0\n")
        zf.writestr("foo-1.0.dist-info/RECORD", b"")
    data = buf.getvalue()
    eocd = data.rfind(b"PK\x05\x06")
    _, _, _, _, _, size, offset, _ = struct.unpack_from("<4sHHHHIIH", data, eocd)
    entries = _parse_central_directory(data[offset : offset + size], "foo.whl")
    assert [e.name for e in entries] == ["bar-2.0.dist-info/METADATA", "foo-1.0.dist-info/METADATA"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        everything = zf.namelist()
        (info,) = [i for i in zf.infolist() if i.filename == "foo-1.0.dist-info/METADATA"]
    # The same answer as looking through every name, and the entry's sizes and offset.
    assert find_metadata_name([e.name for e in entries], "foo") == find_metadata_name(
        everything, "foo"
    ) == "foo-1.0.dist-info/METADATA"
    foo = entries[1]
    assert (foo.offset, foo.csize, foo.usize, foo.crc) == (
        info.header_offset, info.compress_size, info.file_size, info.CRC,
    )


def test_decoded_cache_entries_are_kept_within_a_size(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """What a process keeps decoded of cache files is bounded by their sizes: the oldest
    go first, and a changed file is read again."""
    import msgspec

    from sula.client import registry

    monkeypatch.setattr(registry, "_DECODED", {})
    monkeypatch.setattr(registry, "_decoded_bytes", 0)
    monkeypatch.setattr(registry, "_DECODED_MAX", 250)
    decoder = msgspec.msgpack.Decoder(list[str])
    paths = []
    for i in range(3):
        path = tmp_path / f"e{i}.msgpack"
        path.write_bytes(msgspec.msgpack.encode(["x" * 90]))  # ~93 bytes each
        paths.append(path)
        assert registry._read_cached(path, decoder) == ["x" * 90]
    assert [Path(p) for p in registry._DECODED] == paths[1:]
    assert registry._decoded_bytes == sum(p.stat().st_size for p in paths[1:])
    kept = registry._read_cached(paths[2], decoder)
    assert kept is registry._read_cached(paths[2], decoder)  # decoded once
    paths[2].write_bytes(msgspec.msgpack.encode(["changed"]))
    assert registry._read_cached(paths[2], decoder) == ["changed"]


def test_a_big_page_entry_is_mapped_and_reads_as_one_read_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page entry of 64 KiB or more is mapped, not read whole (offline compiles read ~60 MB
    of pages to look at a few versions of each); its groups and rows decode as from bytes,
    and a replaced file is read anew while the old mapping still decodes the old rows."""
    import mmap

    from sula.cache import Cache
    from sula.client import registry
    from sula.client.cache_policy import CachePolicy
    from sula.client.types import File, parse_dist_rows

    monkeypatch.setattr(registry, "_DECODED", {})
    monkeypatch.setattr(registry, "_decoded_bytes", 0)
    cache = Cache(root=tmp_path / "c").init()
    path = tmp_path / "c" / "page.msgpack"
    head = registry.CachedPage(CachePolicy(stored_at=0.0), "http://index/simple/big/",
                               "application/vnd.pypi.simple.v1+json", b"0" * 32, 1)

    def rows(n: int, tag: str) -> list[registry.DistRow]:
        files = [File(f"big-1.{i}-py3-none-any.whl", f"http://index/f/{tag}/{i}",
                      {"sha256": f"{i:064x}"}, upload_time="2024-01-01T00:00:00Z")
                 for i in range(n)]
        return parse_dist_rows("big", files, "http://index/simple")

    old = rows(1500, "old")
    registry._store_page(cache, path, head, old)
    registry._forget(path)
    assert path.stat().st_size >= registry._MAP_MIN
    entry = registry._read_page(path)
    assert entry is not None and isinstance(entry.data, mmap.mmap)
    page = entry.page()
    assert page is not None
    assert [r.file for r in page.all_rows()] == [r.file for r in old]
    registry._store_page(cache, path, head, rows(1500, "new"))  # a rename over the file
    registry._forget(path)
    fresh = registry._read_page(path)
    assert fresh is not None and fresh is not entry
    new_page = fresh.page()
    assert new_page is not None and new_page.all_rows()[0].file.url == "http://index/f/new/0"
    assert entry.page() is page and page.all_rows()[-1].file.url == "http://index/f/old/1499"
    small = tmp_path / "c" / "small.msgpack"
    registry._store_page(cache, small, head, rows(3, "small"))
    registry._forget(small)
    read = registry._read_page(small)
    assert read is not None and isinstance(read.data, bytes)


def test_a_run_that_fails_early_exits_cleanly_while_the_tls_context_loads(tmp_path: Path) -> None:
    """Regression: the worker loading the CA certificates was a daemon thread, so a compile
    that failed before its first request (a bad `--group`) tore the interpreter down while the
    thread was inside OpenSSL: a segmentation fault in 2 of 5 runs here (a CI run, 0.1.0's
    test_group_errors_on_the_command_line). Now the exit waits for the thread."""
    import subprocess
    import sys

    argv = [sys.executable, "-m", "sula", "pip", "compile", "--group", "setup.cfg:x",
            "--index-url", "http://127.0.0.1:9/simple/", "--cache-dir", str(tmp_path / "c")]
    codes = [subprocess.run(argv, capture_output=True, check=False, cwd=tmp_path).returncode for _ in range(10)]
    assert codes == [1] * 10
