"""Parse simple-API project pages: PEP 691 JSON and PEP 503 HTML (also flat find-links pages).

HTML is read with two regular expressions over ``<a ...>`` and ``<base ...>`` tags rather
than ``html.parser``: on a page with thousands of files it is several times faster, and the
simple API's HTML is machine-written anchors.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urljoin, urlsplit

import msgspec

from sula.client.errors import InvalidIndexPageError
from sula.client.types import HASH_ALGORITHMS, File

__all__ = [
    "ACCEPT",
    "is_json_content_type",
    "parse_html_page",
    "parse_json_page",
    "parse_page",
]

#: PEP 691 content negotiation: JSON first, the HTML flavours as fallbacks.
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)


class _JsonFile(msgspec.Struct):
    filename: str
    url: str
    hashes: dict[str, str] = {}
    requires_python: str | None = msgspec.field(name="requires-python", default=None)
    yanked: bool | str = False
    size: int | None = None
    upload_time: str | None = msgspec.field(name="upload-time", default=None)
    core_metadata: bool | dict[str, str] | None = msgspec.field(name="core-metadata", default=None)
    dist_info_metadata: bool | dict[str, str] | None = msgspec.field(
        name="dist-info-metadata", default=None
    )


class _JsonProject(msgspec.Struct):
    files: list[_JsonFile]
    name: str | None = None


_json_decoder = msgspec.json.Decoder(_JsonProject)


def is_json_content_type(content_type: str) -> bool:
    ct = content_type.split(";", 1)[0].strip().lower()
    return ct == "application/vnd.pypi.simple.v1+json" or ct.endswith("/json")


class _Joiner:
    """``urljoin(base, href)`` for the hrefs index pages use (absolute, ``/path``, ``../x``),
    without urllib's generic parsing: urljoin was 60% of parsing a large HTML page."""

    def __init__(self, base: str) -> None:
        self.base = base
        parts = urlsplit(base)
        self.scheme = parts.scheme
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.dirs = parts.path.split("/")[1:-1]  # "/simple/pkg/" → ["simple", "pkg"]
        self.simple = bool(parts.scheme and parts.netloc) and not parts.query

    def join(self, href: str) -> str:
        if href.startswith(("https://", "http://")):
            return href
        if not self.simple or "?" in href or "\\" in href or ":" in href.split("/", 1)[0]:
            return urljoin(self.base, href)
        if href.startswith("//"):
            return f"{self.scheme}:{href}"
        if href.startswith("/"):
            return self.origin + href
        dirs = list(self.dirs)
        segments = href.split("/")
        i = 0
        while i < len(segments) - 1 and segments[i] in ("..", "."):
            if segments[i] == ".." and dirs:
                dirs.pop()
            i += 1
        rest = "/".join(segments[i:])
        if rest in ("..", ".") or "/./" in rest or "/../" in rest:
            return urljoin(self.base, href)
        prefix = "/".join(dirs)
        return f"{self.origin}/{prefix}/{rest}" if prefix else f"{self.origin}/{rest}"


def _metadata_field(value: bool | dict[str, str] | None) -> dict[str, str] | None:
    if value is None or value is False:
        return None
    if value is True:
        return {}
    return {k.lower(): v for k, v in value.items() if v}


def _clean_requires_python(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def parse_json_page(body: bytes, url: str) -> list[File]:
    """Parse a PEP 691 JSON project page; relative file URLs are joined to ``url``."""
    try:
        project = _json_decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as err:
        raise InvalidIndexPageError(url, f"bad JSON: {err}") from None
    join = _Joiner(url).join
    out: list[File] = []
    append = out.append
    absolute = ("https://", "http://")
    # Positional File(...) and inlined field clean-up: this loop runs once per listed file
    # (100,000+ in a big resolution).
    for f in project.files:
        file_url = f.url
        if not file_url.startswith(absolute):
            file_url = join(file_url)
        rp = f.requires_python
        if rp is not None:
            rp = rp.strip() or None
        yanked = f.yanked
        reason: str | None = None
        if isinstance(yanked, str):  # yanked, with the reason when one is given
            reason = yanked or None
            yanked = True
        meta = f.core_metadata if f.core_metadata is not None else f.dist_info_metadata
        append(File(f.filename, file_url, f.hashes, rp, yanked, reason, f.size, f.upload_time,
                    None if meta is None or meta is False else _metadata_field(meta)))
    return out


# Compiled on the first HTML page (``re`` keeps them): a JSON index or an offline run needs none.
_BASE_RE = rb"<base\s[^>]*?href\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))"
_ANCHOR_RE = rb"<a\s([^>]*)>"
_ATTR_RE = rb"([^\s=/>\"']+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?"


def _unescape(value: bytes) -> str:
    text = value.decode("utf-8", "replace")
    if "&" in text:
        import html

        text = html.unescape(text)
    return text


def _hash_value(spec: str) -> dict[str, str]:
    """``sha256=abc`` → ``{"sha256": "abc"}``; ``true`` / ``""`` → ``{}``."""
    algo, sep, value = spec.partition("=")
    algo = algo.strip().lower()
    if sep and algo in HASH_ALGORITHMS and value:
        return {algo: value.strip()}
    return {}


def parse_html_page(body: bytes, url: str) -> list[File]:
    """Parse PEP 503 anchors (or any page of links, for find-links).

    Attributes: ``data-requires-python`` (HTML-unescaped), ``data-yanked`` (present = yanked,
    the value is the reason), ``data-core-metadata`` / ``data-dist-info-metadata``
    (``true`` or ``<algo>=<hex>``), hashes in the ``#<algo>=<hex>`` fragment. The file name
    is the URL's last path segment; links whose name is not a file are dropped later.
    """
    base = url
    m = re.search(_BASE_RE, body, re.I)
    if m is not None:
        base = urljoin(url, _unescape(m[1] or m[2] or m[3] or b""))
    joiner = _Joiner(base)
    out: list[File] = []
    attr_re = re.compile(_ATTR_RE)
    for anchor in re.finditer(_ANCHOR_RE, body, re.I):
        attrs: dict[bytes, bytes] = {}
        for a in attr_re.finditer(anchor[1]):
            key = a[1].lower()
            if key not in attrs:
                val = a[2] if a[2] is not None else a[3] if a[3] is not None else a[4]
                attrs[key] = val if val is not None else b""
        href_raw = attrs.get(b"href")
        if not href_raw:
            continue
        href = _unescape(href_raw).strip()
        link, _, fragment = href.partition("#")
        absolute = joiner.join(link)
        filename = absolute.partition("?")[0].rsplit("/", 1)[-1]
        if "%" in filename:
            filename = unquote(filename)
        if not filename:
            continue
        hashes: dict[str, str] = {}
        for part in fragment.split("&"):
            hashes.update(_hash_value(part))
        meta_raw = attrs.get(b"data-core-metadata")
        if meta_raw is None:
            meta_raw = attrs.get(b"data-dist-info-metadata")
        core_metadata: dict[str, str] | None = None
        if meta_raw is not None:
            meta_text = _unescape(meta_raw).strip()
            if meta_text.lower() != "false":
                core_metadata = _hash_value(meta_text)
        yanked_raw = attrs.get(b"data-yanked")
        rp = attrs.get(b"data-requires-python")
        out.append(
            File(
                filename=filename,
                url=absolute,
                hashes=hashes,
                requires_python=_clean_requires_python(_unescape(rp)) if rp is not None else None,
                yanked=yanked_raw is not None,
                yanked_reason=(_unescape(yanked_raw).strip() or None) if yanked_raw else None,
                core_metadata=core_metadata,
            )
        )
    return out


def parse_page(body: bytes, url: str, content_type: str) -> list[File]:
    """Dispatch on the response's ``Content-Type``."""
    if is_json_content_type(content_type):
        return parse_json_page(body, url)
    return parse_html_page(body, url)
