"""What the index client returns: files of a package, as listed by an index or a flat index."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec
from packaging.utils import NormalizedName

from sula.dist.filename import DistFilename, FilenameError, WheelFilename, parse_dist_filename

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

__all__ = ["DistFile", "File", "PackageFiles", "parse_dist_files"]

_log = logging.getLogger(__name__)

HASH_ALGORITHMS = ("sha256", "sha384", "sha512", "sha224", "sha1", "md5")


class File(msgspec.Struct, frozen=True):
    """One file of a project page (PEP 503/691) or of a find-links listing.

    ``url`` is absolute and carries no credentials (the client keeps them per host).
    ``core_metadata`` is ``None`` when no PEP 658 ``.metadata`` file is offered, ``{}`` when
    one is offered without a hash, else that file's hashes.
    """

    filename: str
    url: str
    hashes: dict[str, str] = {}
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    size: int | None = None
    upload_time: str | None = None
    core_metadata: dict[str, str] | None = None

    def requires_python_specifier(self) -> SpecifierSet | None:
        """The parsed ``Requires-Python``; ``None`` when absent or invalid (logged)."""
        if not self.requires_python:
            return None
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            return SpecifierSet(self.requires_python)
        except InvalidSpecifier:
            _log.debug("Ignoring invalid requires-python `%s` of `%s`", self.requires_python,
                       self.filename)
            return None

    def best_hash(self) -> tuple[str, str] | None:
        """The strongest ``(algorithm, hex digest)`` the index gave, if any."""
        for algo in HASH_ALGORITHMS:
            value = self.hashes.get(algo)
            if value:
                return algo, value
        return None

    @property
    def metadata_url(self) -> str:
        """The PEP 658 ``.metadata`` URL (meaningful only when ``core_metadata`` is not None)."""
        base, _, _frag = self.url.partition("#")
        return base + ".metadata"


@dataclass(frozen=True, slots=True)
class DistFile:
    """A file whose name parsed as a wheel or an sdist, and the index it came from.

    ``index`` is the index or find-links location (no credentials); it keys the cache.
    """

    filename: DistFilename
    file: File
    index: str


@dataclass(frozen=True, slots=True)
class PackageFiles:
    """Every usable file of one package, after the index strategy, find-links and
    ``--exclude-newer`` are applied. Empty when no index has the package."""

    name: NormalizedName
    files: list[DistFile]
    indexes: tuple[str, ...] = ()

    def by_version(self) -> dict[Version, list[DistFile]]:
        """Files grouped by version; each distinct version string is parsed once, invalid
        versions are skipped with a debug log."""
        from packaging.version import InvalidVersion, Version

        parsed: dict[str, Version | None] = {}
        out: dict[Version, list[DistFile]] = {}
        for df in self.files:
            text = df.filename.version_str
            if text not in parsed:
                try:
                    parsed[text] = Version(text)
                except InvalidVersion:
                    _log.debug("Skipping `%s`: invalid version `%s`", df.file.filename, text)
                    parsed[text] = None
            v = parsed[text]
            if v is not None:
                out.setdefault(v, []).append(df)
        return out


def _fast_wheel(filename: str, names: dict[str, NormalizedName]) -> WheelFilename | None:
    """Split a well-formed wheel name without the general regex; ``None`` → use the parser.

    A big project page lists thousands of wheels of one project: splitting on ``-`` and
    canonicalizing each distinct spelling of the name once is several times faster."""
    parts = filename[:-4].split("-")
    if len(parts) == 5:
        name, version, py, abi, plat = parts
        build = None
    elif len(parts) == 6:
        name, version, build, py, abi, plat = parts
        if not build[:1].isdigit():
            return None
    else:
        return None
    if not (name and version and py and abi and plat) or " " in filename:
        return None
    canonical = names.get(name)
    if canonical is None:
        from packaging.utils import canonicalize_name

        canonical = names[name] = canonicalize_name(name)
    return WheelFilename(
        filename=filename,
        name=canonical,
        version_str=version,
        build_tag=build,
        python_tags=tuple(py.split(".")),
        abi_tags=tuple(abi.split(".")),
        platform_tags=tuple(plat.split(".")),
    )


def parse_dist_files(package: str, files: list[File], index: str) -> list[DistFile]:
    """Keep the files whose names parse as a wheel or sdist of ``package``."""
    from packaging.utils import canonicalize_name

    want = canonicalize_name(package)
    names: dict[str, NormalizedName] = {}
    out: list[DistFile] = []
    for f in files:
        fn = f.filename
        name: DistFilename | None = None
        if fn.endswith(".whl"):
            name = _fast_wheel(fn, names)
        try:
            if name is None:
                name = parse_dist_filename(fn, package)
        except FilenameError as err:
            _log.debug("Skipping `%s` from `%s`: %s", f.filename, index, err.reason)
            continue
        if name.name != want:
            _log.debug("Skipping `%s` from `%s`: not a file of `%s`", f.filename, index, want)
            continue
        out.append(DistFile(name, f, index))
    return out
