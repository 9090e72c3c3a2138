"""Property: PEP 503 HTML and PEP 691 JSON index pages, however broken, give files or a
sula error; the rows built from them too."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st

from sula.client.simple import parse_html_page, parse_json_page, parse_page
from sula.client.types import parse_dist_rows
from sula.errors import SulaError

from ._strategies import NAMES, VERSIONS, batches, examples, token_text

URL = "https://example.invalid/simple/foo/"
HTML_TOKENS = ["<a ", "<A ", "</a>", ">", "<", "href=", 'href="', "'", '"', " ", "=",
               "data-requires-python=", "data-yanked", "data-dist-info-metadata=", "data-core-metadata=",
               "data-gpg-sig=", "&gt;", "&lt;", "&#", "&#x", ";", "&amp;", "&quot;", "#sha256=",
               "#md5=", "#", "foo-1.0-py3-none-any.whl", "foo-1.0.tar.gz", "../", "/", "//h/",
               "https://", "file:///", "?x=1", "%", "sha256=abc", "true", ">=3.8", "<html>",
               "<base href=", "<!--", "-->", "\n", "\x00", "\u00e9", *NAMES, *VERSIONS]


def _rows(files: list[object]) -> None:
    for package in ("foo", None):
        with contextlib.suppress(SulaError):
            parse_dist_rows(package, files, URL)  # type: ignore[arg-type]


@examples(2500)
@given(batches(token_text(HTML_TOKENS, max_size=30)))
def test_html_pages(bodies: list[str]) -> None:
    for body in bodies:
        for data in (body.encode("utf-8", "surrogatepass"), body.encode("latin-1", "replace")):
            try:
                files = parse_html_page(data, URL)
            except SulaError:
                continue
            _rows(files)


_JSON_TOKENS = ['{', '}', '{', '}', ',', ',', ': ', '[', ']', '"filename": ', '"url": ', '"hashes": ',
                '"requires-python": ', '"yanked": ', '"core-metadata": ', '"dist-info-metadata": ',
                '"data-dist-info-metadata": ', '"upload-time": ', '"size": ', '"gpg-sig": ',
                '"foo-1.0-py3-none-any.whl"', '"foo-1.0.tar.gz"', '"foo-1.0.zip"', '"../x.whl"',
                '"https://example.invalid/f.whl"', '"f.whl#sha256=00"', '">=3.8"', '">=3.8,<"',
                '"sha256"', '"md5"', '"00"', '"ZZ"', '{"sha256": "00"}', 'null', 'true', 'false',
                '0', '-1', '1e999', '1.5', '""', '"\\u0000"', '"\\ud800"', '"2020-01-01T00:00:00Z"',
                '"2020-13-45"', '[]', '{}', '"reason"', '"x"']
_JSON_HEADS = ['{"meta": {"api-version": "1.0"}, "name": "foo", "files": [',
               '{"meta": {"api-version": "2.0"}, "files": [', '{"files": [', '{"files": {', '[', '']
_JSON_BODIES = st.tuples(st.sampled_from(_JSON_HEADS), token_text(_JSON_TOKENS, max_size=30),
                         st.sampled_from([']}', ']', '}', ''])).map("".join)


@examples(2500)
@given(batches(_JSON_BODIES))
def test_json_pages(bodies: list[str]) -> None:
    for body in bodies:
        for data in (body.encode(), body.encode()[: len(body) // 2]):
            try:
                files = parse_json_page(data, URL)
            except SulaError:
                continue
            _rows(files)
            with contextlib.suppress(SulaError):
                parse_page(data, URL, "application/vnd.pypi.simple.v1+json")
