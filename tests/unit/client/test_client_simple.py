"""Parsing of simple-API pages: PEP 691 JSON and PEP 503 HTML, every attribute form."""

from __future__ import annotations

import json

import pytest
from fixtures.timing import best_cpu_seconds

from sula.client.errors import InvalidIndexPageError
from sula.client.simple import is_json_content_type, parse_html_page, parse_json_page, parse_page
from sula.client.types import File, PackageFiles, parse_dist_files

BASE = "https://example.test/simple/pkg/"
H = "a" * 64


def test_html_every_attribute_form() -> None:
    body = f"""<!DOCTYPE html><html><body>
    <a href="https://files.test/p/pkg-1.0.tar.gz#sha256={H}">pkg-1.0.tar.gz</a>
    <a href="../../files/pkg-1.1-py3-none-any.whl#sha256={H}" data-requires-python="&gt;=3.8,&lt;4"
       data-yanked="" data-core-metadata="sha256={'b' * 64}">x</a>
    <A HREF='/abs/pkg-1.2-py3-none-any.whl' data-yanked="broken &amp; bad" data-dist-info-metadata="true">y</A>
    <a data-requires-python=" " href=pkg-1.3.zip>z</a>
    <a href="pkg-1.4.tar.gz" data-yanked data-core-metadata="false" data-requires-python="&gt;= 3.7 ">w</a>
    <a href="pkg-1.5.tar.gz#md5=abc&amp;sha256={H}">v</a>
    <a name="no-href">nothing</a>
    </body></html>""".encode()
    files = parse_html_page(body, BASE)
    by_name = {f.filename: f for f in files}
    assert list(by_name) == [
        "pkg-1.0.tar.gz", "pkg-1.1-py3-none-any.whl", "pkg-1.2-py3-none-any.whl",
        "pkg-1.3.zip", "pkg-1.4.tar.gz", "pkg-1.5.tar.gz",
    ]
    f0 = by_name["pkg-1.0.tar.gz"]
    assert f0.url == "https://files.test/p/pkg-1.0.tar.gz"
    assert f0.hashes == {"sha256": H}
    assert (f0.yanked, f0.yanked_reason, f0.requires_python, f0.core_metadata) == (
        False, None, None, None,
    )
    f1 = by_name["pkg-1.1-py3-none-any.whl"]
    assert f1.url == "https://example.test/files/pkg-1.1-py3-none-any.whl"
    assert f1.requires_python == ">=3.8,<4"
    assert (f1.yanked, f1.yanked_reason) == (True, None)
    assert f1.core_metadata == {"sha256": "b" * 64}
    assert f1.metadata_url == "https://example.test/files/pkg-1.1-py3-none-any.whl.metadata"
    f2 = by_name["pkg-1.2-py3-none-any.whl"]
    assert f2.url == "https://example.test/abs/pkg-1.2-py3-none-any.whl"
    assert (f2.yanked, f2.yanked_reason) == (True, "broken & bad")
    assert f2.core_metadata == {}
    f3 = by_name["pkg-1.3.zip"]
    assert f3.url == "https://example.test/simple/pkg/pkg-1.3.zip"
    assert f3.requires_python is None
    f4 = by_name["pkg-1.4.tar.gz"]
    assert (f4.yanked, f4.yanked_reason, f4.core_metadata) == (True, None, None)
    assert f4.requires_python == ">= 3.7"
    assert by_name["pkg-1.5.tar.gz"].hashes == {"md5": "abc", "sha256": H}
    assert by_name["pkg-1.5.tar.gz"].best_hash() == ("sha256", H)


def test_html_base_tag_changes_relative_urls() -> None:
    body = b'<html><head><base href="https://mirror.test/x/"></head><a href="pkg-1.0.tar.gz">a</a>'
    (f,) = parse_html_page(body, BASE)
    assert f.url == "https://mirror.test/x/pkg-1.0.tar.gz"


def test_json_every_field_form() -> None:
    doc = {
        "meta": {"api-version": "1.1"},
        "name": "pkg",
        "files": [
            {"filename": "pkg-1.0.tar.gz", "url": "../../files/pkg-1.0.tar.gz",
             "hashes": {"sha256": H}, "requires-python": None, "yanked": False,
             "size": 2**40, "upload-time": "2023-01-01T00:00:00.000000Z"},
            {"filename": "pkg-1.1-py3-none-any.whl", "url": "https://f.test/pkg-1.1-py3-none-any.whl",
             "hashes": {}, "requires-python": ">=3.8", "yanked": True,
             "core-metadata": {"sha256": "c" * 64}},
            {"filename": "pkg-1.2-py3-none-any.whl", "url": "pkg-1.2-py3-none-any.whl",
             "hashes": {"sha256": H}, "requires-python": "", "yanked": "security hole",
             "dist-info-metadata": True},
            {"filename": "pkg-1.3-py3-none-any.whl", "url": "pkg-1.3-py3-none-any.whl",
             "hashes": {"sha256": H}, "core-metadata": False, "dist-info-metadata": True},
        ],
        "versions": ["1.0", "1.1", "1.2", "1.3"],
    }
    files = parse_json_page(json.dumps(doc).encode(), BASE)
    f0, f1, f2, f3 = files
    assert f0.url == "https://example.test/files/pkg-1.0.tar.gz"
    assert f0.size == 2**40
    assert f0.upload_time == "2023-01-01T00:00:00.000000Z"
    assert (f0.yanked, f0.requires_python, f0.core_metadata) == (False, None, None)
    assert (f1.yanked, f1.yanked_reason, f1.requires_python) == (True, None, ">=3.8")
    assert f1.core_metadata == {"sha256": "c" * 64}
    assert (f2.yanked, f2.yanked_reason, f2.requires_python) == (True, "security hole", None)
    assert f2.core_metadata == {}
    assert f2.url == "https://example.test/simple/pkg/pkg-1.2-py3-none-any.whl"
    # PEP 714: `core-metadata` wins over the old `dist-info-metadata` key.
    assert f3.core_metadata is None


def test_json_invalid_page_is_a_clear_error() -> None:
    with pytest.raises(InvalidIndexPageError, match="Invalid index page `https://u:\\*\\*\\*\\*@"):
        parse_json_page(b"{not json", "https://u:secret@example.test/simple/pkg/")


def test_content_type_dispatch() -> None:
    assert is_json_content_type("application/vnd.pypi.simple.v1+json")
    assert not is_json_content_type("text/html; charset=utf-8")
    assert parse_page(b'{"files": []}', BASE, "application/vnd.pypi.simple.v1+json") == []
    assert parse_page(b"<a href='pkg-1.0.tar.gz'>x</a>", BASE, "text/html")[0].filename == (
        "pkg-1.0.tar.gz"
    )


def test_unparseable_and_foreign_files_are_skipped() -> None:
    files = [
        File(filename="pkg-1.0.tar.gz", url="u1"),
        File(filename="pkg-1.0-py3-none-any.whl", url="u2"),
        File(filename="README.txt", url="u3"),
        File(filename="other-1.0-py3-none-any.whl", url="u4"),
        File(filename="pkg-notaversion-py3-none-any.whl", url="u5"),
        File(filename="Pkg-2.0.zip", url="u6"),
    ]
    dfs = parse_dist_files("PKG", files, "idx")
    assert [d.file.url for d in dfs] == ["u1", "u2", "u5", "u6"]
    versions = PackageFiles(name=dfs[0].filename.name, files=dfs).by_version()
    assert sorted(str(v) for v in versions) == ["1.0", "2.0"]  # invalid version dropped lazily
    assert [d.file.url for d in next(iter(versions.values()))] == ["u1", "u2"]


def test_requires_python_specifier_invalid_is_none() -> None:
    assert File(filename="a", url="b", requires_python=">=3.8").requires_python_specifier() is not None
    assert File(filename="a", url="b", requires_python=">=3.8.*").requires_python_specifier() is None
    assert File(filename="a", url="b").requires_python_specifier() is None


def test_big_html_page_parses_fast() -> None:
    """A botocore-sized page (5,000 files) parses in well under a second."""
    anchors = "\n".join(
        f'<a href="../../packages/ab/cd/pkg-1.{i}.0-py3-none-any.whl#sha256={H}" '
        f'data-requires-python="&gt;= 3.8" data-dist-info-metadata="sha256={H}" '
        f'data-core-metadata="sha256={H}">pkg-1.{i}.0-py3-none-any.whl</a><br />'
        for i in range(5000)
    )
    body = f"<html><body>{anchors}</body></html>".encode()
    files, elapsed = best_cpu_seconds(lambda: parse_html_page(body, BASE))
    assert len(files) == 5000
    assert files[-1].requires_python == ">= 3.8"
    assert elapsed < 1.0


@pytest.mark.parametrize(
    ("base", "href"),
    [
        ("https://e.test/simple/pkg/", "../../files/a.whl"),
        ("https://e.test/simple/pkg/", "./a.whl"),
        ("https://e.test/simple/pkg/", "a.whl"),
        ("https://e.test/simple/pkg/", "/abs/a.whl"),
        ("https://e.test/simple/pkg/", "//cdn.test/a.whl"),
        ("https://e.test/simple/pkg/", "../../../../../a.whl"),
        ("https://e.test/simple/pkg/", "x/../a.whl"),
        ("https://e.test/simple/pkg/", "a.whl?x=1"),
        ("https://e.test:8080/simple/pkg", "a.whl"),
        ("https://e.test/", "a.whl"),
        ("file:///tmp/links/index.html", "a.whl"),
        ("https://e.test/simple/pkg/", "file:///tmp/a.whl"),
    ],
)
def test_fast_join_matches_urljoin(base: str, href: str) -> None:
    from urllib.parse import urljoin

    from sula.client.simple import _Joiner

    assert _Joiner(base).join(href) == urljoin(base, href)


@pytest.mark.parametrize(
    "filename",
    [
        "Foo.Bar-1.0-py3-none-any.whl",
        "foo_bar-1.0-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "foo_bar-1.0-py2.py3-none-any.whl",
        "foo_bar-1.0-x1-py3-none-any.whl",  # build tag must start with a digit: parser decides
        "foo_bar-1.0-py3-none.whl",
    ],
)
def test_fast_wheel_split_agrees_with_parser(filename: str) -> None:
    from sula.client.types import _fast_wheel
    from sula.distribution.filename import FilenameError, WheelFilename

    fast = _fast_wheel(filename, {})
    try:
        slow: WheelFilename | None = WheelFilename.parse(filename)
    except FilenameError:
        slow = None
    if fast is not None:
        assert fast == slow
    else:
        dfs = parse_dist_files("foo-bar", [File(filename=filename, url="u")], "i")
        assert [d.filename for d in dfs] == ([slow] if slow is not None else [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-06-01T00:00:00Z", 1685577600_000000),
        ("2023-06-01T00:00:00.000001z", 1685577600_000001),
        ("2023-06-01T02:00:00.500000+02:00", 1685577600_500000),
        ("2023-06-01T00:00:00", 1685577600_000000),  # naive: UTC
        (" 2023-06-01 ", 1685577600_000000),
        ("June 1st", None),
        ("", None),
    ],
)
def test_upload_micros(text: str, expected: int | None) -> None:
    from sula.client.types import upload_micros

    assert upload_micros(text) == expected


def test_dist_rows_keep_parsed_names_and_filter_by_upload_time() -> None:
    import msgspec

    from sula.client.types import DistRow, dist_files, parse_dist_rows
    from sula.distribution.filename import SdistFilename, WheelFilename

    files = [
        File(filename="pkg-1.0-1-py2.py3-none-any.whl", url="u1", upload_time="2023-01-01T00:00:00Z"),
        File(filename="pkg-1.1.tar.gz", url="u2", upload_time="2023-06-01T00:00:00.000001Z"),
        File(filename="other-1.0.tar.gz", url="u3", upload_time="2023-01-01T00:00:00Z"),
        File(filename="pkg-1.2.tar.gz", url="u4"),
    ]
    rows = parse_dist_rows("pkg", files, "idx")
    assert [r.file.url for r in rows] == ["u1", "u2", "u4"]
    assert rows[0].filename == WheelFilename.parse("pkg-1.0-1-py2.py3-none-any.whl")
    assert isinstance(rows[1].filename, SdistFilename) and rows[1].wheel is None
    # What the cache stores decodes back to equal rows (filename dataclasses included).
    again = msgspec.msgpack.decode(msgspec.msgpack.encode(rows), type=list[DistRow])
    assert again == rows
    assert again[0].filename.python_tags == ("py2", "py3")  # type: ignore[union-attr]
    cut = 1685577600_000000  # 2023-06-01T00:00:00Z: the 1.1 sdist is a microsecond later
    assert [d.file.url for d in dist_files(again, "idx", uploaded_before=cut)] == ["u1"]
    assert [d.file.url for d in dist_files(again, "idx", uploaded_before=cut + 1)] == ["u1", "u2"]
    assert [d.index for d in dist_files(again, "idx")] == ["idx"] * 3
    # A flat listing keeps every project's files.
    assert [r.filename.name for r in parse_dist_rows(None, files, "flat")] == [
        "pkg", "pkg", "other", "pkg",
    ]


@pytest.mark.parametrize(
    ("package", "filename"),
    [
        ("python-dateutil", "python-dateutil-2.8.2.tar.gz"),
        ("python-dateutil", "python_dateutil-2.9.0.post0.tar.gz"),
        ("pkg", "pkg-1.0-beta.tar.gz"),  # a dash in the version: the parser decides
        ("pkg", "Pkg-2.0.zip"),
        ("pkg", "pkg-1.0.TAR.GZ"),
        ("pkg", "pkg-.tar.gz"),
        ("pkg", "other-1.0.tar.gz"),
        ("a-b", "a-b-1.0.tgz"),
    ],
)
def test_fast_sdist_split_agrees_with_parser(package: str, filename: str) -> None:
    from packaging.utils import canonicalize_name

    from sula.client.types import _fast_sdist
    from sula.distribution.filename import FilenameError, SdistFilename

    try:
        slow: SdistFilename | None = SdistFilename.parse(filename, package)
    except FilenameError:
        slow = None
    fast = _fast_sdist(filename, canonicalize_name(package), {})
    if fast is not None:
        assert fast == slow
    dfs = parse_dist_files(package, [File(filename=filename, url="u")], "i")
    assert [d.filename for d in dfs] == ([slow] if slow is not None else [])
