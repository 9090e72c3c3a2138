"""One requirement's text → a ``RegistryRequirement`` or a ``UrlRequirement`` (PEP 508, URL, path)."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from sula._record import dataclass
from sula.distribution.filename import SDIST_EXTENSIONS, FilenameError, SdistFilename, WheelFilename
from sula.requirements.errors import RequirementSyntaxError
from sula.requirements.types import (
    RegistryRequirement,
    Requirement,
    UrlKind,
    UrlRequirement,
    VerbatimUrl,
    specifier_text,
)

if TYPE_CHECKING:
    from packaging.markers import Marker

    from sula.distribution.names import NormalizedName

# pip's `is_url`: a scheme it can fetch, or a VCS scheme.
_VCS = ("git", "hg", "svn", "bzr")
_URL_RE = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):")
_FETCH_SCHEMES = frozenset({"http", "https", "file", "ftp"})
# ASCII letters spelled out: with re.IGNORECASE the compile took ~0.7 ms of each start (and
# let the Kelvin sign and the long s through as letters).
_NAME_RE = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
# `name[extras] @` at the start: a PEP 508 URL requirement, not a path (pip's `@` check).
_NAMED_URL_RE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
# A trailing `[extra, other]` on a path or URL.
_EXTRAS_RE = re.compile(r"\[([^\[\]]*)\]\s*$")
# After a URL a marker starts at a `;` with whitespace before or after it (pip splits at
# "; ", PEP 508 wants whitespace before), so `…/x;y` in a URL stays part of the URL.
_URL_MARKER_RE = re.compile(r"\s;|;\s|;$")
_DRIVE_RE = re.compile(r"^[A-Za-z]:[\\/]")
_ARCHIVE_EXTENSIONS = (".whl", *SDIST_EXTENSIONS, ".tbz", ".txz", ".tlz", ".tar.lz", ".tar.lzma")
_HASH_NAMES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512"})


class LocatedError(Exception):
    """Internal: a failure at ``span`` of the text being parsed; the file parser adds the line."""

    def __init__(
        self, headline: str, span: tuple[int, int], cause: RequirementSyntaxError | None = None
    ) -> None:
        super().__init__(headline)
        self.headline = headline
        self.span = span
        self.cause = cause

    def shifted(self, offset: int) -> LocatedError:
        return LocatedError(
            self.headline, (self.span[0] + offset, self.span[1] + offset), self.cause
        )


@dataclass(frozen=True, slots=True)
class _Pieces:
    """A URL or path requirement split into its location, extras and marker texts."""

    location: str
    loc_start: int
    extras: str | None
    extras_start: int
    marker: str | None
    marker_start: int


def is_url(text: str) -> bool:
    """Whether ``text`` starts with a URL scheme pip would fetch (``https:``, ``git+ssh:``, …)."""
    m = _URL_RE.match(text)
    if m is None:
        return False
    scheme = m["scheme"].lower()
    if scheme in _FETCH_SCHEMES:
        return True
    vcs, _, _sub = scheme.partition("+")
    return vcs in _VCS


def _is_archive(path: str) -> bool:
    return path.lower().endswith(_ARCHIVE_EXTENSIONS)


def _looks_like_path(head: str) -> bool:
    if head.startswith((".", "/", "~", "\\")) or _DRIVE_RE.match(head):
        return True
    if _NAMED_URL_RE.match(head):
        return False
    if "/" in head or "\\" in head:
        return True
    return _is_archive(head) and not any(c in head for c in "=<>!~ ")


def _split(text: str, *, url: bool) -> _Pieces:
    """Split ``location[extras] ; marker`` for a bare URL or path."""
    if url:
        m = _URL_MARKER_RE.search(text)
        semi = -1 if m is None else m.start() + (1 if m.group(0)[0].isspace() else 0)
    else:
        semi = text.find(";")
    marker: str | None = None
    marker_start = len(text)
    head = text
    if semi >= 0:
        head = text[:semi]
        rest = text[semi + 1 :]
        marker_start = semi + 1 + (len(rest) - len(rest.lstrip()))
        marker = rest.strip() or None
    head = head.rstrip()
    extras: str | None = None
    extras_start = len(head)
    em = _EXTRAS_RE.search(head)
    if em is not None and (not url or _valid_extras_text(em.group(1))):
        extras = em.group(1)
        extras_start = em.start()
        head = head[: em.start()].rstrip()
    lead = len(head) - len(head.lstrip())
    return _Pieces(head.strip(), lead, extras, extras_start, marker, marker_start)


def _valid_extras_text(text: str) -> bool:
    return all(_NAME_RE.match(part.strip()) for part in text.split(",")) if text.strip() else True


def _parse_extras(text: str | None, start: int) -> frozenset[NormalizedName]:
    from sula.distribution.names import canonicalize_name

    if text is None or not text.strip():
        return frozenset()
    names = [part.strip() for part in text.split(",")]
    for name in names:
        if not _NAME_RE.match(name):
            raise LocatedError(
                "Couldn't parse extras",
                (start, start + len(text) + 2),
                RequirementSyntaxError(f"`{name}` is not a valid extra name"),
            )
    return frozenset(canonicalize_name(n) for n in names)


def _parse_marker(text: str | None, start: int) -> Marker | None:
    if text is None:
        return None
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(text)
    except InvalidMarker as err:
        span = _syntax_span(err)
        raise LocatedError(
            "Couldn't parse marker",
            (start + span[0], start + span[1]),
            RequirementSyntaxError(_syntax_message(err)),
        ) from None


def _syntax_span(err: Exception) -> tuple[int, int]:
    """The offending position from packaging's ``ParserSyntaxError`` (its span ends there)."""
    cause = err.__cause__
    span = getattr(cause, "span", None)
    if isinstance(span, tuple) and len(span) == 2:
        end = int(span[1])
        source = str(getattr(cause, "source", ""))
        # Underline the word at the error position, or one column past the end.
        stop = end
        while stop < len(source) and not source[stop].isspace():
            stop += 1
        return end, max(stop, end + 1)
    return 0, 1


def _syntax_message(err: Exception) -> str:
    cause = err.__cause__
    message = getattr(cause, "message", None)
    if isinstance(message, str):
        return message
    return str(err).splitlines()[0] if str(err) else type(err).__name__


def parse_requirement(
    text: str,
    *,
    raw: str | None = None,
    working_dir: Path,
    editable: bool = False,
) -> Requirement:
    """Parse one requirement: PEP 508 (``name[extras] spec ; marker``, ``name @ url``), a bare
    URL or a path, with optional ``[extras]`` and ``; marker``.

    ``raw`` is the same text before ``${VAR}`` expansion, kept as the verbatim form; relative
    paths are resolved against ``working_dir`` (pip resolves them against the current
    directory, not the requirements file). Raises :class:`LocatedError` with a span in ``text``.
    """
    if is_url(text):
        return _bare(text, raw, working_dir, url=True, editable=editable)
    head = text.split(";", 1)[0].strip()
    if _looks_like_path(head):
        return _bare(text, raw, working_dir, url=False, editable=editable)
    if editable:
        # `-e name @ ./pkg` and plain names are not editable sources.
        raise LocatedError(
            "Editable requirement must be a local directory",
            (0, len(text)),
        )
    return _pep508(text, raw, working_dir)


def _bare(
    text: str, raw: str | None, working_dir: Path, *, url: bool, editable: bool
) -> Requirement:
    pieces = _split(text, url=url)
    given = pieces.location
    if raw is not None and raw != text:
        given = _split(raw, url=is_url(raw)).location or given
    extras = _parse_extras(pieces.extras, pieces.extras_start)
    marker = _parse_marker(pieces.marker, pieces.marker_start)
    span = (pieces.loc_start, pieces.loc_start + max(1, len(pieces.location)))
    if not pieces.location:
        raise LocatedError("Missing URL or path", span)
    req = _classify(
        pieces.location,
        given,
        name=None,
        extras=extras,
        marker=marker,
        working_dir=working_dir,
        span=span,
    )
    if editable and req.kind is not UrlKind.DIRECTORY:
        raise LocatedError("Editable requirement must be a local directory", span)
    return req


def _simple_pin(text: str, raw: str | None) -> RegistryRequirement | None:
    """``name==version`` (a lock file's line: no extras, marker or URL, a version in normal
    form) read without packaging, whose import is most of a no-op ``pip sync``'s start-up;
    None for anything else, which packaging parses."""
    name, sep, version = text.partition("==")
    if not sep:
        return None
    name, version = name.strip(), version.strip()
    if not (_NAME_RE.match(name) and _normal_version(version)):
        return None
    from sula.distribution.names import canonicalize_name

    return RegistryRequirement(name=canonicalize_name(name), extras=frozenset(),
                               specifier_text=f"=={version}", marker=None,
                               given=raw if raw is not None else text)


def _normal_version(text: str) -> bool:
    """A PEP 440 public version in normal form: ``N(.N)*[{a|b|rc}N][.postN][.devN]``."""
    from sula.distribution.version import normal_version_pattern

    return normal_version_pattern().fullmatch(text) is not None


def _simple_requirement(text: str, raw: str | None) -> RegistryRequirement | None:
    """``name[extras] specifiers ; marker`` without a URL, read without packaging's parser
    (its import, with the marker parser, tokenizer and ``packaging.tags``, is ~15 ms of an
    offline compile) when the marker is of the common shapes; None for anything else,
    which packaging parses (and refuses with its message when invalid)."""
    from sula.distribution.simple_marker import parse_simple_marker, split_simple_requirement

    split = split_simple_requirement(text)
    if split is None:
        return None
    name, extras, spec, marker_text = split
    marker = parse_simple_marker(marker_text) if marker_text is not None else None
    if marker_text is not None and marker is None:
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from sula.distribution.names import canonicalize_name

    try:
        specifier = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    return RegistryRequirement(
        name=canonicalize_name(name),
        extras=frozenset(canonicalize_name(e.strip()) for e in extras.split(",")) if extras
        else frozenset(),
        specifier_text=specifier_text(specifier),
        marker=marker,
        given=raw if raw is not None else text,
    )


def _pep508(text: str, raw: str | None, working_dir: Path) -> Requirement:
    if ";" not in text and "[" not in text and "@" not in text:
        pin = _simple_pin(text, raw)
        if pin is not None:
            return pin
    if "@" not in text:
        simple = _simple_requirement(text, raw)
        if simple is not None:
            return simple
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    from sula.distribution.names import canonicalize_name

    try:
        req = Pep508(text)
    except InvalidRequirement as err:
        raise LocatedError(
            "Couldn't parse requirement",
            _syntax_span(err),
            RequirementSyntaxError(_syntax_message(err)),
        ) from None
    name = canonicalize_name(req.name)
    extras = frozenset(canonicalize_name(e) for e in req.extras)
    if req.url is None:
        return RegistryRequirement(
            name=name,
            extras=extras,
            specifier_text=specifier_text(req.specifier),
            marker=req.marker,
            given=raw if raw is not None else text,
        )
    given = req.url
    if raw is not None and raw != text:
        with contextlib.suppress(InvalidRequirement):
            given = Pep508(raw).url or given
    start = text.find(req.url)
    return _classify(
        req.url,
        given,
        name=name,
        extras=extras,
        marker=req.marker,
        working_dir=working_dir,
        span=(start, start + len(req.url)),
    )


def _classify(
    location: str,
    given: str,
    *,
    name: NormalizedName | None,
    extras: frozenset[NormalizedName],
    marker: Marker | None,
    working_dir: Path,
    span: tuple[int, int],
) -> UrlRequirement:
    """Decide the kind of a URL or path and read what it says (name, ref, fragment)."""
    if "\x00" in location:
        # No path can hold one, and os.path raises ValueError on it.
        raise LocatedError("A path or URL cannot hold a NUL character", span)
    m = _URL_RE.match(location)
    scheme = m["scheme"].lower() if m is not None and not _DRIVE_RE.match(location) else ""
    base, _, fragment = location.partition("#") if scheme else (location, "", "")
    frag = _parse_fragment(fragment, span)
    if frag.egg is not None and name is None:
        name = frag.egg
    vcs, plus, _rest = scheme.partition("+")
    if vcs in _VCS and (plus or vcs == "git"):
        if vcs != "git":
            raise LocatedError(
                f"Unsupported version control system `{vcs}` (only `git+` URLs are supported)",
                span,
            )
        repository, reference = _split_git(base.removeprefix("git+") if plus else base, span)
        return UrlRequirement(
            name=name,
            extras=extras,
            marker=marker,
            kind=UrlKind.GIT,
            url=VerbatimUrl(url=location, given=given),
            repository=repository,
            reference=reference,
            subdirectory=frag.subdirectory,
            hash=frag.hash,
        )
    if scheme in ("http", "https", "ftp"):
        filename = unquote(urlsplit(base).path.rsplit("/", 1)[-1])
        if name is None:
            name = _name_from_filename(filename, span)
        return UrlRequirement(
            name=name,
            extras=extras,
            marker=marker,
            kind=UrlKind.URL,
            url=VerbatimUrl(url=location, given=given),
            subdirectory=frag.subdirectory,
            hash=frag.hash,
        )
    if scheme == "file":
        path = _path_from_file_url(base, working_dir)
    elif scheme == "":
        path = Path(os.path.normpath(working_dir / os.path.expanduser(location)))
    else:
        raise LocatedError(f"Unsupported URL scheme `{scheme}`", span)
    if _is_archive(path.name) and not path.is_dir():
        kind = UrlKind.PATH
        if name is None:
            name = _name_from_filename(path.name, span)
    else:
        kind = UrlKind.DIRECTORY
    url = path.as_uri() + (f"#{fragment}" if fragment else "")
    return UrlRequirement(
        name=name,
        extras=extras,
        marker=marker,
        kind=kind,
        url=VerbatimUrl(url=url, given=given),
        path=path,
        subdirectory=frag.subdirectory,
        hash=frag.hash,
    )


@dataclass(frozen=True, slots=True)
class _Fragment:
    egg: NormalizedName | None = None
    subdirectory: str | None = None
    hash: str | None = None


def _parse_fragment(fragment: str, span: tuple[int, int]) -> _Fragment:
    if not fragment:
        return _Fragment()
    from sula.distribution.names import canonicalize_name

    egg: NormalizedName | None = None
    subdirectory: str | None = None
    digest: str | None = None
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        value = unquote(value)
        if key == "egg":
            # `egg=name[extras]` was once allowed; the extras part is dropped here.
            egg_name = value.split("[", 1)[0]
            if not _NAME_RE.match(egg_name):
                raise LocatedError(f"Invalid `#egg={value}` fragment: not a project name", span)
            egg = canonicalize_name(egg_name)
        elif key == "subdirectory":
            subdirectory = value or None
        elif key in _HASH_NAMES:
            digest = f"{key}:{value}"
    return _Fragment(egg, subdirectory, digest)


def _split_git(url: str, span: tuple[int, int]) -> tuple[str, str | None]:
    """``https://host/repo.git@ref`` → (``https://host/repo.git``, ``ref``); userinfo ``@``s are
    in the authority, so only an ``@`` in the path is a reference."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise LocatedError("Git URL must have the form `git+<scheme>://<host>/<path>`", span)
    slash = rest.find("/")
    if slash < 0:
        return url, None
    authority, path = rest[:slash], rest[slash:]
    repo_path, at, reference = path.rpartition("@")
    if not at:
        return url, None
    if not reference:
        raise LocatedError("Git URL has an empty reference after `@`", span)
    return f"{scheme}://{authority}{repo_path}", reference


def _path_from_file_url(base: str, working_dir: Path) -> Path:
    from urllib.request import url2pathname

    if base.lower().startswith("file://"):
        parts = urlsplit(base)
        local = url2pathname(unquote(parts.path))
        if parts.netloc and parts.netloc != "localhost":
            local = f"//{parts.netloc}{local}"
    else:
        # `file:../pkg`: a relative path after the scheme, as pip accepts.
        local = url2pathname(unquote(base[len("file:") :]))
    return Path(os.path.normpath(working_dir / local))


def _name_from_filename(filename: str, span: tuple[int, int]) -> NormalizedName | None:
    lower = filename.lower()
    if lower.endswith(".whl"):
        try:
            return WheelFilename.parse(filename).name
        except FilenameError as err:
            raise LocatedError(
                f"Invalid wheel filename `{filename}`", span, RequirementSyntaxError(err.reason)
            ) from None
    if lower.endswith(SDIST_EXTENSIONS):
        try:
            sdist = SdistFilename.parse(filename)
        except FilenameError:
            return None
        # Only trust the split when the part after the last dash is a version.
        from packaging.version import InvalidVersion, Version

        try:
            Version(sdist.version_str)
        except InvalidVersion:
            return None
        return sdist.name
    return None
