"""``Dist``: one distribution to resolve, fetch, build or install, as one union of small frozen
classes (no I/O here).

================  ===============  ====================================================
kind              built (a wheel)  source (an sdist archive, or a tree to build)
================  ===============  ====================================================
registry          ``RegistryWheel``  ``RegistrySdist``
direct URL        ``UrlWheel``       ``UrlSdist``
path              ``PathWheel``      ``PathSdist``, ``TreeSource`` (a project directory)
git               (none)           ``GitSource`` (a reference), ``TreeSource`` with a
                                   ``GitPin`` (its checkout at a commit)
================  ===============  ====================================================

Editable is a flag of a local tree (``TreeSource.editable``). ``CachedDist`` is a wheel
unpacked in the cache, ready to link. Code that depends on the kind matches on the union and
closes the match with ``typing.assert_never`` (``assert_never`` here, also on Python 3.10), so a new kind is a type error wherever it is
not handled.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, NoReturn, Protocol

from sula._record import dataclass, field
from sula.distribution.filename import SdistFilename, WheelFilename

if sys.version_info >= (3, 11):
    from typing import assert_never
elif TYPE_CHECKING:
    from typing_extensions import assert_never
else:

    def assert_never(value: object) -> NoReturn:
        """``typing.assert_never`` of Python 3.11, for 3.10."""
        raise AssertionError(f"Unhandled kind of distribution: {value!r}")


if TYPE_CHECKING:
    from pathlib import Path

    from packaging.utils import NormalizedName


__all__ = [
    "BuiltDist",
    "CachedDist",
    "Dist",
    "GitPin",
    "GitSource",
    "Listed",
    "ListedFile",
    "PathSdist",
    "PathWheel",
    "RegistrySdist",
    "RegistryWheel",
    "Sdist",
    "SourceDist",
    "TreeSource",
    "UrlSdist",
    "UrlWheel",
    "assert_never",
    "dist_of",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryWheel:
    """A wheel listed by an index: ``hashes`` are the index's (``{"sha256": hex}``);
    ``core_metadata`` the hashes of its PEP 658 ``.metadata`` file (``{}``: offered without a
    hash; None: not offered)."""

    filename: WheelFilename
    url: str
    index: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    size: int | None = None
    core_metadata: Mapping[str, str] | None = None

    @property
    def name(self) -> NormalizedName:
        return self.filename.name

    def __str__(self) -> str:
        return self.filename.filename


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlWheel:
    """A wheel named by a direct URL (``name @ https://…/x.whl``)."""

    filename: WheelFilename
    url: str
    hashes: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> NormalizedName:
        return self.filename.name

    def __str__(self) -> str:
        return f"{self.filename.name} @ {self.url}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PathWheel:
    """A wheel file on disk; it is read in place, never moved or deleted."""

    filename: WheelFilename
    path: Path

    @property
    def name(self) -> NormalizedName:
        return self.filename.name

    def __str__(self) -> str:
        return f"{self.filename.name} @ {self.path.as_uri()}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrySdist:
    """A source distribution listed by an index (or a find-links location)."""

    filename: SdistFilename
    url: str
    index: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    size: int | None = None

    @property
    def name(self) -> NormalizedName:
        return self.filename.name

    def __str__(self) -> str:
        return f"{self.filename.name}=={self.filename.version_str}"


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlSdist:
    """A source archive named by a direct URL (``name @ https://…/name-1.0.tar.gz``)."""

    name: NormalizedName
    filename: str
    url: str
    hashes: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.name} @ {self.url}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PathSdist:
    """A source archive on disk (``name @ file:///…/name-1.0.tar.gz``); read in place."""

    name: NormalizedName
    path: Path

    @property
    def filename(self) -> str:
        return self.path.name

    def __str__(self) -> str:
        return f"{self.name} @ {self.path.as_uri()}"


@dataclass(frozen=True, slots=True, kw_only=True)
class GitPin:
    """Where a git tree came from: the repository, the full commit, the reference the user
    asked for (a branch, tag or commit; None: the default branch) and the subdirectory."""

    repository: str
    commit: str
    reference: str | None = None
    subdirectory: str | None = None

    @property
    def url(self) -> str:
        """The pinned requirement URL: ``git+<repository>@<commit>[#subdirectory=…]``, with
        a password or token left out."""
        from sula.distribution.git_url import pinned_url

        return pinned_url(self.repository, self.commit, subdirectory=self.subdirectory)

    @property
    def recorded_repository(self) -> str:
        """The repository as ``direct_url.json`` records it (no password or token)."""
        from sula.distribution.git_url import strip_credentials

        return strip_credentials(self.repository)

    def direct_url(self) -> dict[str, object]:
        """PEP 610 ``direct_url.json`` of an install from this commit."""
        from sula.distribution.git_url import direct_url_info

        return direct_url_info(self.repository, self.commit, requested_revision=self.reference,
                               subdirectory=self.subdirectory)


@dataclass(frozen=True, slots=True, kw_only=True)
class GitSource:
    """A git requirement before its checkout: ``git+<repository>@<reference>#subdirectory=…``."""

    repository: str
    reference: str | None = None
    subdirectory: str | None = None
    name: NormalizedName | None = None

    def __str__(self) -> str:
        ref = f"@{self.reference}" if self.reference else ""
        sub = f"#subdirectory={self.subdirectory}" if self.subdirectory else ""
        url = f"git+{self.repository}{ref}{sub}"
        return f"{self.name} @ {url}" if self.name else url


@dataclass(frozen=True, slots=True, kw_only=True)
class TreeSource:
    """A source tree to build in place: a local project directory, or (``git`` set) the
    project directory of a git checkout. ``name`` is None until the metadata tells it.
    ``editable``: PEP 660 builds (``build_editable``)."""

    path: Path
    name: NormalizedName | None = None
    editable: bool = False
    git: GitPin | None = None

    @property
    def url(self) -> str:
        """The URL a requirement on this tree is pinned to (and ``direct_url.json`` names)."""
        return self.git.url if self.git is not None else self.path.as_uri()

    def __str__(self) -> str:
        where = self.url
        if self.editable:
            return f"-e {where}"
        return where if self.name is None else f"{self.name} @ {where}"

    def direct_url(self) -> dict[str, object]:
        if self.git is not None:
            return self.git.direct_url()
        return {"url": self.path.as_uri(), "dir_info": {"editable": True} if self.editable else {}}


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedDist:
    """A wheel unpacked in the cache, ready to link; ``sha256`` is the archive's hex digest
    when known (for a wheel ``built`` from an sdist, the sdist's)."""

    filename: WheelFilename
    path: Path
    sha256: str | None
    built: bool = False


BuiltDist = RegistryWheel | UrlWheel | PathWheel
"""A wheel: its metadata and files are read, never built."""
Sdist = RegistrySdist | UrlSdist | PathSdist
"""A source archive: its metadata is read statically or built, its wheel built."""
SourceDist = RegistrySdist | UrlSdist | PathSdist | TreeSource | GitSource
"""What has to be built: a source archive or a source tree (a git one before its checkout)."""
Dist = RegistryWheel | UrlWheel | PathWheel | RegistrySdist | UrlSdist | PathSdist | TreeSource | GitSource
"""Any distribution: ``BuiltDist | SourceDist``."""


class ListedFile(Protocol):
    """A file as an index page or a find-links listing gives it (``sula.client.File``)."""

    @property
    def url(self) -> str: ...
    @property
    def hashes(self) -> Mapping[str, str]: ...
    @property
    def size(self) -> int | None: ...
    @property
    def core_metadata(self) -> Mapping[str, str] | None: ...


class Listed(Protocol):
    """A listed file with its parsed name and its index (``sula.client.DistFile``); the file
    of a direct URL requirement has the index ``"url"``."""

    @property
    def filename(self) -> WheelFilename | SdistFilename: ...
    @property
    def file(self) -> ListedFile: ...
    @property
    def index(self) -> str: ...


def dist_of(name: NormalizedName, listed: Listed) -> Dist:
    """The ``Dist`` of a listed file: an index's (or find-links location's) wheel or sdist, or
    the file of a direct URL requirement, on disk for a ``file:`` URL."""
    fn, file = listed.filename, listed.file
    if listed.index != "url":
        if isinstance(fn, WheelFilename):
            return RegistryWheel(filename=fn, url=file.url, index=listed.index, hashes=dict(file.hashes),
                                 size=file.size, core_metadata=file.core_metadata)
        return RegistrySdist(filename=fn, url=file.url, index=listed.index, hashes=dict(file.hashes),
                             size=file.size)
    if file.url.startswith("file:"):
        from pathlib import Path
        from urllib.parse import unquote, urlsplit

        path = Path(unquote(urlsplit(file.url).path))
        if isinstance(fn, WheelFilename):
            return PathWheel(filename=fn, path=path)
        return PathSdist(name=name, path=path)
    if isinstance(fn, WheelFilename):
        return UrlWheel(filename=fn, url=file.url, hashes=dict(file.hashes))
    return UrlSdist(name=name, filename=fn.filename, url=file.url, hashes=dict(file.hashes))
