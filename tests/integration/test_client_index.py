"""The index client against the real local index server (tests/fixtures/index.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fixtures.index import IndexServer, write_find_links_dir, write_find_links_html

from sula.cache import Cache
from sula.client import (
    ClientSettings,
    HashMismatchError,
    HttpStatusError,
    IndexSettings,
    IndexStrategy,
    NetworkError,
    OfflineError,
    PackageFiles,
    RegistryClient,
)
from sula.distribution.metadata import Metadata

T = TypeVar("T")
FAST = {"retry_backoff": 0.01, "timeout": 5.0}
_ACTIVE: list[Any] = []


@pytest.fixture(autouse=True)
def _track_servers(index_server: Any) -> Any:
    """Let ``run`` wait until every server of this test has logged what it answered."""
    _ACTIVE.append(index_server)
    yield
    _ACTIVE.remove(index_server)


def _settle() -> None:
    for servers in _ACTIVE:
        for srv in servers.started:
            if srv._httpd is not None:
                srv.wait_idle()


def run(
    cache_dir: Path,
    fn: Callable[[RegistryClient], Awaitable[T]],
    *,
    settings: ClientSettings | None = None,
    **index: Any,
) -> tuple[T, RegistryClient]:
    async def main() -> tuple[T, RegistryClient]:
        client = RegistryClient(
            cache=Cache(cache_dir).init(),
            index=IndexSettings(**index),
            settings=settings or ClientSettings(**FAST),  # type: ignore[arg-type]
        )
        async with client:
            return await fn(client), client

    try:
        return asyncio.run(main())
    finally:
        _settle()


async def all_metadata(client: RegistryClient, name: str) -> tuple[PackageFiles, list[Metadata]]:
    pkg = await client.files(name)
    metas = await asyncio.gather(
        *(client.wheel_metadata(df) for df in pkg.files if df.file.filename.endswith(".whl"))
    )
    return pkg, list(metas)


@pytest.fixture
def three_versions(wheel_factory: Any, sdist_factory: Any) -> list[Path]:
    return [
        wheel_factory("Foo.Bar", "1.0", requires=["six>=1.0"], requires_python=">=3.8"),
        wheel_factory("foo-bar", "2.0", requires=["attrs"], extras={"x": ["idna"]}),
        sdist_factory("foo_bar", "2.0"),
    ]


# -- formats, URLs, redirects -----------------------------------------------------------------


@pytest.mark.parametrize("formats", ["json", "html"])
@pytest.mark.parametrize("relative", [False, True])
@pytest.mark.parametrize("metadata_files", [True, False])
def test_files_and_metadata(
    index_server: Any, three_versions: list[Path], cache_dir: Path, formats: str, relative: bool,
    metadata_files: bool,
) -> None:
    srv: IndexServer = index_server(
        formats=formats, relative_urls=relative, metadata_files=metadata_files
    )
    for p in three_versions:
        srv.add(p)
    (pkg, metas), _ = run(cache_dir, lambda c: all_metadata(c, "FOO_bar"), index_url=srv.url)
    assert pkg.name == "foo-bar"
    assert sorted(df.file.filename for df in pkg.files) == [
        "foo_bar-1.0-py3-none-any.whl", "foo_bar-2.0-py3-none-any.whl", "foo_bar-2.0.tar.gz",
    ]
    for df in pkg.files:
        assert df.file.url == srv.file_url(df.file.filename)
        assert df.file.hashes["sha256"] == next(
            f.sha256 for f in srv.files() if f.filename == df.file.filename
        )
        assert df.index == srv.url
        if df.file.filename.endswith(".whl"):
            assert (df.file.core_metadata is not None) == metadata_files
    assert sorted((m.version, tuple(m.requires_dist)) for m in metas) == [
        ("1.0", ("six>=1.0",)),
        ("2.0", ("attrs", 'idna; extra == "x"')),
    ]
    assert metas[0].requires_python in (">=3.8", None)
    # Metadata came from the .metadata file, or from ranges: never a whole wheel.
    if metadata_files:
        assert srv.count("/files/*.whl") == 0
        assert srv.count("/files/*.metadata") == 2
    else:
        assert srv.count("/files/*.metadata") == 0
        assert all(r.status == 206 for r in srv.requests_to("/files/*.whl"))


def test_redirect_to_other_server_resolves_relative_urls_there(
    index_server: Any, three_versions: list[Path], cache_dir: Path
) -> None:
    mirror: IndexServer = index_server(relative_urls=True, formats="html")
    for p in three_versions:
        mirror.add(p)
    front: IndexServer = index_server()
    front.redirect("/simple/foo-bar/", mirror.url + "foo-bar/", status=302)
    pkg, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=front.url)
    assert len(pkg.files) == 3
    assert all(df.file.url.startswith(mirror.base_url + "/files/") for df in pkg.files)


def test_unnormalized_name_is_requested_normalized(
    index_server: Any, three_versions: list[Path], cache_dir: Path
) -> None:
    srv: IndexServer = index_server()
    srv.add(three_versions[0])
    run(cache_dir, lambda c: c.files("Foo.BAR"), index_url=srv.url)
    assert [r.path for r in srv.requests] == ["/simple/foo-bar/"]


def test_missing_package_is_empty(index_server: Any, cache_dir: Path) -> None:
    srv: IndexServer = index_server()
    pkg, _ = run(cache_dir, lambda c: c.files("nothing-here"), index_url=srv.url)
    assert pkg.files == [] and pkg.indexes == ()


# -- yanked and requires-python forms -----------------------------------------------------------


@pytest.mark.parametrize("formats", ["json", "html"])
def test_yanked_and_requires_python_forms(
    index_server: Any, wheel_factory: Any, cache_dir: Path, formats: str
) -> None:
    srv: IndexServer = index_server(formats=formats)
    cases: list[tuple[str, bool | str, str | None]] = [
        ("1.0", False, None),
        ("1.1", True, ">=3.8"),
        ("1.2", "Broken <build> & more", "<4,>=3.6"),
        ("1.3", "", ""),
        ("1.4", False, ">= 3.7, != 3.7.1 "),
    ]
    for version, yanked, rp in cases:
        srv.add(wheel_factory("pkg", version), yanked=yanked, requires_python=rp)
    pkg, _ = run(cache_dir, lambda c: c.files("pkg"), index_url=srv.url)
    got = {df.filename.version_str: df.file for df in pkg.files}
    assert (got["1.0"].yanked, got["1.0"].yanked_reason, got["1.0"].requires_python) == (
        False, None, None,
    )
    assert (got["1.1"].yanked, got["1.1"].yanked_reason, got["1.1"].requires_python) == (
        True, None, ">=3.8",
    )
    assert (got["1.2"].yanked, got["1.2"].yanked_reason, got["1.2"].requires_python) == (
        True, "Broken <build> & more", "<4,>=3.6",
    )
    # An empty reason is still yanked; an empty requires-python means none.
    assert (got["1.3"].yanked, got["1.3"].yanked_reason, got["1.3"].requires_python) == (
        True, None, None,
    )
    assert got["1.4"].requires_python == ">= 3.7, != 3.7.1"
    spec = got["1.4"].requires_python_specifier()
    assert spec is not None and "3.7.1" not in spec and "3.8" in spec


# -- range reads -------------------------------------------------------------------------------


def test_metadata_of_100mb_wheel_transfers_under_1mb(
    index_server: Any, wheel_factory: Any, cache_dir: Path
) -> None:
    big = wheel_factory("huge", "1.0", requires=["numpy"], size_padding=100 * 1024 * 1024)
    srv: IndexServer = index_server(metadata_files=False)
    srv.add(big)
    (_pkg, metas), _ = run(cache_dir, lambda c: all_metadata(c, "huge"), index_url=srv.url)
    assert metas[0].requires_dist == ["numpy"]
    sent = srv.bytes_sent("/files/*")
    assert sent < 1024 * 1024, sent
    assert srv.count("/files/*", "GET") <= 3


def test_no_range_support_falls_back_to_full_download(
    index_server: Any, wheel_factory: Any, cache_dir: Path
) -> None:
    w = wheel_factory("pkg", "1.0", requires=["a"], size_padding=200_000)
    srv: IndexServer = index_server(metadata_files=False, range_requests=False)
    srv.add(w)
    (_, metas), _ = run(cache_dir, lambda c: all_metadata(c, "pkg"), index_url=srv.url)
    assert metas[0].requires_dist == ["a"]
    assert srv.count("/files/*") == 1
    assert srv.bytes_sent("/files/*") == w.stat().st_size


def test_bad_metadata_file_hash_is_an_error(
    index_server: Any, wheel_factory: Any, cache_dir: Path
) -> None:
    w = wheel_factory("pkg", "1.0")
    srv: IndexServer = index_server()
    entry = srv.add(w)
    good = entry.metadata_sha256

    async def go(c: RegistryClient) -> None:
        pkg = await c.files("pkg")
        assert pkg.files[0].file.core_metadata == {"sha256": good}
        assert entry.metadata is not None
        entry.metadata = entry.metadata + b"Requires-Dist: evil\n"  # served body changes
        await c.wheel_metadata(pkg.files[0])

    with pytest.raises(HashMismatchError, match=r"Hash mismatch for `.*\.whl\.metadata`"):
        run(cache_dir, go, index_url=srv.url)


# -- HTTP cache ----------------------------------------------------------------------------------


def test_fresh_page_needs_no_request_and_metadata_is_immutable(
    index_server: Any, three_versions: list[Path], cache_dir: Path
) -> None:
    srv: IndexServer = index_server(cache_control="max-age=600")
    for p in three_versions:
        srv.add(p)
    run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    srv.clear_log()
    (_, metas), client = run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    assert srv.requests == []
    assert client.http.stats.requests == 0
    assert len(metas) == 2


def test_304_revalidation(index_server: Any, three_versions: list[Path], cache_dir: Path) -> None:
    srv: IndexServer = index_server(cache_control=None, etags=True)
    for p in three_versions:
        srv.add(p)
    first, _ = run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    srv.clear_log()
    second, _ = run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    assert [(r.path, r.status) for r in srv.requests] == [("/simple/foo-bar/", 304)]
    assert "if-none-match" in srv.requests[0].headers
    assert [df.file for df in first[0].files] == [df.file for df in second[0].files]
    # The page changes: a new ETag, a 200 and the new file.
    srv.add(three_versions[0].parent / three_versions[0].name.replace("1.0", "1.0"))
    w3 = three_versions[1].parent
    from fixtures.dists import build_wheel

    srv.add(build_wheel(w3, "foo-bar", "3.0"))
    srv.clear_log()
    third, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    assert [(r.path, r.status) for r in srv.requests] == [("/simple/foo-bar/", 200)]
    assert len(third.files) == 4


def test_unchanged_page_without_validators_is_not_parsed_again(
    index_server: Any, three_versions: list[Path], cache_dir: Path,
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An index that sends no caching headers is asked again on every run; when the body is
    byte-identical to the one the cache entry was parsed from, the entry's rows are used."""
    import sula.client.simple as simple  # the registry imports its parser when a page comes

    srv: IndexServer = index_server(cache_control=None, etags=False)
    for p in three_versions:
        srv.add(p)
    first, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    parsed: list[str] = []
    real_parse = simple.parse_page

    def counting_parse(body: bytes, url: str, content_type: str) -> list[Any]:
        parsed.append(url)
        return real_parse(body, url, content_type)

    monkeypatch.setattr(simple, "parse_page", counting_parse)
    srv.clear_log()
    with caplog.at_level(logging.DEBUG, logger="sula.client"):
        second, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    assert [(r.path, r.status) for r in srv.requests] == [("/simple/foo-bar/", 200)]
    assert "if-none-match" not in srv.requests[0].headers
    assert parsed == []
    assert "is unchanged; using its parsed cache entry" in caplog.text
    assert second.files == first.files
    import gc

    assert gc.get_freeze_count() == 0  # the client unfroze the heap it froze when it closed
    # A new file changes the body: parsed again, and the entry is replaced.
    from fixtures.dists import build_wheel

    srv.add(build_wheel(three_versions[0].parent, "foo-bar", "3.0"))
    third, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    assert len(parsed) == 1 and len(third.files) == 4
    fourth, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    assert len(parsed) == 1 and fourth.files == third.files
    # The same package served as HTML instead of JSON: another body, parsed again.
    srv.formats = "html"
    fifth, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    assert len(parsed) == 2
    assert [df.file.filename for df in fifth.files] == [df.file.filename for df in third.files]


def test_page_entry_of_an_older_format_is_a_miss(
    index_server: Any, three_versions: list[Path], cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import msgspec

    srv: IndexServer = index_server()
    for p in three_versions:
        srv.add(p)
    first, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    (entry,) = cache_dir.rglob("foo-bar.msgpack")
    entry.write_bytes(msgspec.msgpack.encode({"policy": {"stored_at": 0.0}, "files": []}))
    srv.clear_log()
    with caplog.at_level(logging.DEBUG, logger="sula.client"):
        second, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    assert "corrupt cache entry" in caplog.text
    assert srv.count("/simple/*") == 1
    assert second.files == first.files


def test_page_entry_of_the_ungrouped_format_is_read_and_rewritten_grouped(
    index_server: Any, three_versions: list[Path], cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An entry written before pages were grouped by version (a plain list of rows) still
    serves an offline run, and is stored grouped after the next fetch, without a parse."""
    import sula.client.registry as registry
    import sula.client.simple as simple

    srv: IndexServer = index_server(cache_control=None, etags=False)
    for p in three_versions:
        srv.add(p)
    first, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    (entry,) = cache_dir.rglob("foo-bar.msgpack")
    page = registry._read_page(entry)
    assert page is not None and page.grouped
    stored = page.page()
    assert stored is not None
    entry.write_bytes(registry._page_bytes(page.head, registry._encoder.encode(stored.all_rows()),
                                           b"SPG2"))
    offline, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url,
                     settings=ClientSettings(offline=True))
    assert offline.files == first.files
    assert entry.read_bytes()[:4] == b"SPG2"

    def no_parse(*_args: Any) -> Any:
        raise AssertionError("parsed again")

    monkeypatch.setattr(simple, "parse_page", no_parse)
    again, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    assert again.files == first.files
    assert entry.read_bytes()[:4] == b"SPG3"
    assert srv.count("/simple/*") == 2


def test_a_second_client_in_one_process_reuses_what_the_first_decoded(
    index_server: Any, three_versions: list[Path], cache_dir: Path
) -> None:
    """Pages and metadata read from the cache are decoded once per process while their
    files are unchanged; a rewritten entry is read again."""
    srv: IndexServer = index_server(cache_control=None, etags=False)
    for p in three_versions:
        srv.add(p)
    run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    offline = ClientSettings(offline=True)
    (pkg1, metas1), _ = run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url,
                            settings=offline)
    (pkg2, metas2), _ = run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url,
                            settings=offline)
    assert pkg1.groups is not None and pkg2.groups is not None
    assert pkg2.groups[0]._page is pkg1.groups[0]._page
    assert all(a is b for a, b in zip(metas1, metas2, strict=True))
    # The index changes and an online run rewrites the entry: the next run sees the new file.
    from fixtures.dists import build_wheel

    srv.add(build_wheel(three_versions[0].parent, "foo-bar", "3.0"))
    run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    pkg3, _ = run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url, settings=offline)
    assert len(pkg3.files) == 4
    assert pkg3.groups is not None and pkg3.groups[0]._page is not pkg1.groups[0]._page


def test_refresh_forces_revalidation(
    index_server: Any, three_versions: list[Path], cache_dir: Path
) -> None:
    srv: IndexServer = index_server(cache_control="max-age=600")
    for p in three_versions:
        srv.add(p)
    run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    srv.clear_log()
    run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url,
        settings=ClientSettings(refresh_packages=frozenset({"foo-bar"})))  # type: ignore[arg-type]
    assert [(r.path, r.status) for r in srv.requests] == [("/simple/foo-bar/", 304)]
    srv.clear_log()
    run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url,
        settings=ClientSettings(refresh=True))
    assert srv.count("/simple/*") == 1 and srv.count("/files/*") == 2


def test_no_store_is_not_cached(index_server: Any, three_versions: list[Path], cache_dir: Path) -> None:
    srv: IndexServer = index_server(cache_control="no-store")
    srv.add(three_versions[0])
    run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    assert [r.status for r in srv.requests_to("/simple/*")] == [200, 200]
    assert "if-none-match" not in srv.requests[-1].headers


def test_corrupt_cache_entry_is_a_miss_and_replaced(
    index_server: Any, three_versions: list[Path], cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    srv: IndexServer = index_server(cache_control="max-age=600")
    for p in three_versions:
        srv.add(p)
    run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    entries = sorted(cache_dir.rglob("*.msgpack"))
    assert len(entries) == 3  # one page, two wheel metadata entries
    for e in entries:
        e.write_bytes(e.read_bytes()[: len(e.read_bytes()) // 2])
    srv.clear_log()
    with caplog.at_level(logging.DEBUG, logger="sula"):
        (_, metas), _ = run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    assert len(metas) == 2
    assert "corrupt cache entry" in caplog.text
    assert srv.count("/simple/*") == 1 and srv.count("/files/*") == 2
    srv.clear_log()
    run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    assert srv.requests == []


# -- offline -------------------------------------------------------------------------------------


def test_offline_hits_and_misses(
    index_server: Any, three_versions: list[Path], cache_dir: Path
) -> None:
    srv: IndexServer = index_server(cache_control=None)  # stale at once: offline still uses it
    for p in three_versions:
        srv.add(p)
    run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    srv.clear_log()
    offline = ClientSettings(offline=True)
    (pkg, metas), client = run(
        cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url, settings=offline
    )
    assert len(pkg.files) == 3 and len(metas) == 2
    assert srv.requests == [] and client.http.stats.requests == 0

    with pytest.raises(OfflineError) as info:
        run(cache_dir, lambda c: c.files("other-pkg"), index_url=srv.url, settings=offline)
    assert str(info.value) == (
        "Network access is disabled (`--offline`), and the index page of `other-pkg` is not "
        f"in the cache (`{srv.url}other-pkg/`)"
    )
    # A wheel whose metadata was never fetched.
    from fixtures.dists import build_wheel

    srv.add(build_wheel(three_versions[0].parent, "foo-bar", "3.0"))
    run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)

    async def new_meta(c: RegistryClient) -> Metadata:
        pkg = await c.files("foo-bar")
        df = next(d for d in pkg.files if d.filename.version_str == "3.0")
        return await c.wheel_metadata(df)

    srv.clear_log()
    with pytest.raises(OfflineError, match=r"the metadata of `foo_bar-3\.0-py3-none-any\.whl`"):
        run(cache_dir, new_meta, index_url=srv.url, settings=offline)
    assert srv.requests == []


# -- exclude-newer, find-links, index strategy ----------------------------------------------------


def test_exclude_newer(index_server: Any, wheel_factory: Any, cache_dir: Path) -> None:
    srv: IndexServer = index_server()
    srv.add(wheel_factory("pkg", "1.0"), upload_time=datetime(2023, 1, 1, tzinfo=timezone.utc))
    srv.add(wheel_factory("pkg", "1.1"), upload_time="2023-06-01T00:00:00Z")
    srv.add(wheel_factory("pkg", "1.2"), upload_time=datetime(2024, 1, 1))
    srv.add(wheel_factory("pkg", "1.3"))  # no upload time: excluded
    pkg, _ = run(cache_dir, lambda c: c.files("pkg"), index_url=srv.url,
                 exclude_newer=datetime(2023, 6, 1, tzinfo=timezone.utc))
    assert sorted(df.filename.version_str for df in pkg.files) == ["1.0", "1.1"]


def test_find_links_take_precedence(
    index_server: Any, wheel_factory: Any, tmp_path: Path, cache_dir: Path
) -> None:
    srv: IndexServer = index_server()
    srv.add(wheel_factory("pkg", "1.0"))
    srv.add(wheel_factory("pkg", "2.0"))
    local = wheel_factory("pkg", "1.0.0", dest_dir=tmp_path / "local", requires=["from-links"])
    links = write_find_links_dir(tmp_path / "links", [local, wheel_factory("other", "1.0")])

    for location in (str(links), links.as_uri(),
                     write_find_links_html(tmp_path / "page.html", [local]).as_uri()):
        (pkg, metas), _ = run(
            cache_dir / location[-8:], lambda c: all_metadata(c, "pkg"), index_url=srv.url,
            find_links=(location,),
        )
        files = [(df.filename.version_str, df.file.url.split(":", 1)[0]) for df in pkg.files]
        assert files == [("1.0.0", "file"), ("2.0", "http")], location
        assert metas[0].requires_dist == ["from-links"]

    # An http(s) flat page; with --no-index only the links are used.
    links_srv: IndexServer = index_server()
    links_srv.add(local)
    (pkg, metas), _ = run(cache_dir, lambda c: all_metadata(c, "pkg"), no_index=True,
                          find_links=(links_srv.find_links_url,))
    assert [df.file.url for df in pkg.files] == [links_srv.file_url(local.name)]
    assert metas[0].requires_dist == ["from-links"]


def test_missing_find_links_dir_is_an_error(tmp_path: Path, cache_dir: Path) -> None:
    from sula.client import ClientError

    with pytest.raises(ClientError, match="does not exist"):
        run(cache_dir, lambda c: c.files("pkg"), no_index=True,
            find_links=(str(tmp_path / "nope"),))


def test_first_index_strategy(index_server: Any, wheel_factory: Any, cache_dir: Path) -> None:
    primary: IndexServer = index_server()
    extra: IndexServer = index_server()
    primary.add(wheel_factory("shared", "2.0"))
    primary.add(wheel_factory("only-primary", "1.0"))
    extra.add(wheel_factory("shared", "1.0", dest_dir=cache_dir.parent / "x"))

    async def both(c: RegistryClient) -> tuple[PackageFiles, PackageFiles]:
        return await c.files("shared"), await c.files("only-primary")

    (shared, only), _ = run(cache_dir, both, index_url=primary.url,
                            extra_index_urls=(extra.url,))
    # The extra index has `shared`: the primary is never asked for it (no dependency confusion).
    assert [df.filename.version_str for df in shared.files] == ["1.0"]
    assert shared.indexes == (extra.url,)
    assert primary.count("/simple/shared/") == 0
    assert [df.index for df in only.files] == [primary.url]

    (shared, _), _ = run(cache_dir / "b", both, index_url=primary.url,
                         extra_index_urls=(extra.url,),
                         index_strategy=IndexStrategy.UNSAFE_BEST_MATCH)
    assert sorted(df.filename.version_str for df in shared.files) == ["1.0", "2.0"]


# -- auth and redaction ----------------------------------------------------------------------------


def _all_text(cache_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in cache_dir.rglob("*") if p.is_file())


def test_auth_from_url_reused_for_files_and_redacted(
    index_server: Any, three_versions: list[Path], cache_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    srv: IndexServer = index_server(auth=("alice", "s3cret-pw"), metadata_files=False,
                                    relative_urls=False)
    for p in three_versions:
        srv.add(p)
    with caplog.at_level(logging.DEBUG):
        (pkg, metas), _ = run(cache_dir, lambda c: all_metadata(c, "foo-bar"),
                              index_url=srv.url_with_auth)
    assert len(metas) == 2
    assert all("@" not in df.file.url for df in pkg.files)
    assert all(r.status in (200, 206) for r in srv.requests)
    assert b"s3cret-pw" not in _all_text(cache_dir)

    # Errors name the URL with the password hidden, in every line of the chain.
    from sula.errors import format_chain

    srv.fault("/simple/*", "503", times=None)
    with caplog.at_level(logging.DEBUG), pytest.raises(HttpStatusError) as info:
        run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url_with_auth,
            settings=ClientSettings(refresh=True, **FAST))  # type: ignore[arg-type]
    text = "\n".join(format_chain(info.value))
    assert "alice:****@127.0.0.1" in text and "503" in text
    assert "s3cret-pw" not in text
    assert "s3cret-pw" not in caplog.text


def test_auth_from_netrc(
    index_server: Any, three_versions: list[Path], cache_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    srv: IndexServer = index_server(auth=("bob", "n3trc-pw"), metadata_files=False)
    for p in three_versions:
        srv.add(p)
    with pytest.raises(HttpStatusError, match="401"):
        run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1\n  login bob\n  password n3trc-pw\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    (_, metas), _ = run(cache_dir, lambda c: all_metadata(c, "foo-bar"), index_url=srv.url)
    assert len(metas) == 2


def test_wrong_password_error_is_redacted(index_server: Any, cache_dir: Path) -> None:
    srv: IndexServer = index_server(auth=("alice", "right"))
    bad = srv.url_with_auth.replace("right", "wrong-secret")
    with pytest.raises(HttpStatusError) as info:
        run(cache_dir, lambda c: c.files("foo-bar"), index_url=bad)
    assert info.value.status == 401
    assert "wrong-secret" not in str(info.value)
    assert "alice:****@" in str(info.value)


# -- faults: retry, then a clear error ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "503", "drop", "truncate", "slow"])
def test_fault_is_retried(
    index_server: Any, three_versions: list[Path], cache_dir: Path, kind: str
) -> None:
    srv: IndexServer = index_server(metadata_files=True)
    for p in three_versions:
        srv.add(p)
    srv.fault("/simple/*", kind, times=1, delay=1.5)
    srv.fault("/files/*.metadata", kind, times=1, delay=1.5)
    settings = ClientSettings(retry_backoff=0.01, timeout=0.5)
    (pkg, metas), _client = run(cache_dir, lambda c: all_metadata(c, "foo-bar"),
                               index_url=srv.url, settings=settings)
    assert len(pkg.files) == 3 and len(metas) == 2
    _wait_for(lambda: srv.count("/simple/*") == 2 and srv.count("/files/*.metadata") == 3)


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        ("500", HttpStatusError, "failed with HTTP status 500"),
        ("drop", NetworkError, "after 3 attempts"),
        ("truncate", NetworkError, "after 3 attempts"),
        ("slow", NetworkError, "after 3 attempts"),
    ],
)
def test_persistent_fault_is_a_clear_error(
    index_server: Any, three_versions: list[Path], cache_dir: Path, kind: str,
    error: type[Exception], message: str,
) -> None:
    srv: IndexServer = index_server()
    srv.add(three_versions[0])
    srv.fault("/simple/*", kind, times=None, delay=1.0)
    settings = ClientSettings(retry_backoff=0.01, timeout=0.3, retries=2)
    with pytest.raises(error) as info:
        run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url, settings=settings)
    assert message in str(info.value)
    assert f"`{srv.url}foo-bar/`" in str(info.value)
    # aiohttp itself retries a dropped keep-alive request once, so at least our 3 attempts.
    _wait_for(lambda: srv.count("/simple/*") >= 3)


def _wait_for(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    """The server logs a request when its handler ends (a slow one, after the client gave up)."""
    import time

    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_connection_refused_is_a_network_error(cache_dir: Path) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(NetworkError, match=f"127.0.0.1:{port}") as info:
        run(cache_dir, lambda c: c.files("pkg"), index_url=f"http://127.0.0.1:{port}/simple/",
            settings=ClientSettings(retries=1, retry_backoff=0.01))
    from sula.errors import format_chain

    lines = format_chain(info.value)
    assert lines[0] == (
        f"error: Failed to fetch the index page `http://127.0.0.1:{port}/simple/pkg/` "
        "after 2 attempts"
    )
    assert lines[1].startswith("  Caused by: ") and "127.0.0.1" in lines[1]


def test_fault_on_range_request_is_retried(
    index_server: Any, wheel_factory: Any, cache_dir: Path
) -> None:
    srv: IndexServer = index_server(metadata_files=False)
    srv.add(wheel_factory("pkg", "1.0", size_padding=300_000))
    srv.fault("/files/*.whl", "500", times=2)
    (_, metas), _ = run(cache_dir, lambda c: all_metadata(c, "pkg"), index_url=srv.url)
    assert metas[0].name == "pkg"


# -- downloads -------------------------------------------------------------------------------------


def test_stream_and_download_verify_hashes(
    index_server: Any, three_versions: list[Path], cache_dir: Path, tmp_path: Path
) -> None:
    import msgspec

    srv: IndexServer = index_server()
    for p in three_versions:
        srv.add(p)

    async def go(c: RegistryClient) -> tuple[bytes, dict[str, str]]:
        pkg = await c.files("foo-bar")
        f = pkg.files[0].file
        data = b"".join([chunk async for chunk in c.stream(f)])
        hashes = await c.download(f, tmp_path / "out" / f.filename)
        bad = msgspec.structs.replace(f, hashes={"sha256": "0" * 64})
        with pytest.raises(HashMismatchError):
            await c.download(bad, tmp_path / "bad" / f.filename)
        assert not list((tmp_path / "bad").iterdir())  # nothing partial left behind
        return data, hashes

    (data, hashes), _ = run(cache_dir, go, index_url=srv.url)
    assert data == three_versions[0].read_bytes()
    assert (tmp_path / "out" / three_versions[0].name).read_bytes() == data
    assert hashes["sha256"] == srv.files()[0].sha256


def test_offline_download_is_refused(
    index_server: Any, three_versions: list[Path], cache_dir: Path
) -> None:
    srv: IndexServer = index_server()
    srv.add(three_versions[0])
    run(cache_dir, lambda c: c.files("foo-bar"), index_url=srv.url)

    async def go(c: RegistryClient) -> None:
        pkg = await c.files("foo-bar")
        async for _ in c.stream(pkg.files[0].file):
            pass

    with pytest.raises(OfflineError, match=r"foo_bar-1\.0-py3-none-any\.whl"):
        run(cache_dir, go, index_url=srv.url, settings=ClientSettings(offline=True))


# -- proxies -----------------------------------------------------------------------------------


def test_http_proxy_from_env_and_no_proxy(
    index_server: Any, three_versions: list[Path], cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The fixture answers absolute-form requests (`GET http://host/path`) by path, so it can
    # stand in for a forward proxy: a host that does not exist is reached through it.
    proxy: IndexServer = index_server()
    proxy.add(three_versions[0])
    monkeypatch.setenv("HTTP_PROXY", proxy.base_url)
    monkeypatch.setenv("NO_PROXY", "")
    pkg, _ = run(cache_dir, lambda c: c.files("foo-bar"),
                 index_url="http://index.invalid/simple/")
    assert len(pkg.files) == 1
    assert proxy.count("/simple/foo-bar/") == 1
    monkeypatch.setenv("NO_PROXY", "index.invalid")
    with pytest.raises(NetworkError, match=r"index\.invalid"):
        run(cache_dir / "2", lambda c: c.files("foo-bar"),
            index_url="http://index.invalid/simple/",
            settings=ClientSettings(retries=0))
