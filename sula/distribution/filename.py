"""Distribution filenames: wheels (PEP 427/491), sdists (PEP 625 and legacy archives)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sula._record import dataclass
from sula.distribution.names import NormalizedName, canonicalize_name
from sula.errors import SulaError

if TYPE_CHECKING:
    from packaging.tags import Tag
    from packaging.version import Version

__all__ = [
    "SDIST_EXTENSIONS",
    "DistFilename",
    "FilenameError",
    "SdistFilename",
    "WheelFilename",
    "parse_dist_filename",
]

SDIST_EXTENSIONS = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")

# Compiled on first use (re's own cache keeps it): the files of an index page and of a lock
# are split by sula.client.types._fast_wheel, which leaves this regex to the odd spelling.
_WHEEL_PATTERN = (
    r"^(?P<name>[^\s-]+?)-(?P<version>[^\s-]+?)(?:-(?P<build>\d[^-]*))?"
    r"-(?P<py>[^\s-]+?)-(?P<abi>[^\s-]+?)-(?P<plat>[^\s-]+?)\.whl$"
)


class FilenameError(SulaError):
    """A filename that is not a valid wheel or sdist name."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"Invalid distribution filename `{filename}`: {reason}")
        self.filename = filename
        self.reason = reason


@dataclass(frozen=True, slots=True)
class WheelFilename:
    """A parsed wheel filename; versions and tags are parsed only when asked for."""

    filename: str
    name: NormalizedName
    version_str: str
    build_tag: str | None
    python_tags: tuple[str, ...]
    abi_tags: tuple[str, ...]
    platform_tags: tuple[str, ...]

    @classmethod
    def parse(cls, filename: str) -> WheelFilename:
        m = re.match(_WHEEL_PATTERN, filename, re.IGNORECASE)
        if m is None:
            raise FilenameError(filename, "expected `name-version(-build)?-python-abi-platform.whl`")
        return cls(
            filename=filename,
            name=canonicalize_name(m["name"]),
            version_str=m["version"],
            build_tag=m["build"],
            python_tags=tuple(m["py"].split(".")),
            abi_tags=tuple(m["abi"].split(".")),
            platform_tags=tuple(m["plat"].split(".")),
        )

    @property
    def version(self) -> Version:
        return _parse_version(self.version_str, self.filename)

    @property
    def stem(self) -> str:
        return self.filename[: -len(".whl")]

    @property
    def tags(self) -> frozenset[Tag]:
        from packaging.tags import Tag

        return frozenset(
            Tag(py, abi, plat)
            for py in self.python_tags
            for abi in self.abi_tags
            for plat in self.platform_tags
        )

    def tag_strings(self) -> list[str]:
        """Every ``py-abi-plat`` triple this wheel is compatible with, as strings."""
        return [
            f"{py}-{abi}-{plat}"
            for py in self.python_tags
            for abi in self.abi_tags
            for plat in self.platform_tags
        ]

    def is_pure(self) -> bool:
        return self.abi_tags == ("none",) and self.platform_tags == ("any",)


@dataclass(frozen=True, slots=True)
class SdistFilename:
    """A parsed source distribution filename: ``name-version.tar.gz`` (PEP 625) or a legacy archive."""

    filename: str
    name: NormalizedName
    version_str: str
    extension: str

    @classmethod
    def parse(cls, filename: str, package: str | None = None) -> SdistFilename:
        """Parse ``filename``; ``package`` (the project being listed) disambiguates legacy
        names with dashes, such as ``python-dateutil-2.8.tar.gz``."""
        lower = filename.lower()
        ext = next((e for e in SDIST_EXTENSIONS if lower.endswith(e)), None)
        if ext is None:
            raise FilenameError(filename, "not a source archive extension")
        stem = filename[: -len(ext)]
        if package is not None:
            want = canonicalize_name(package)
            # Try every dash as the name/version split; pick the one whose name matches.
            for i, ch in enumerate(stem):
                if ch == "-" and canonicalize_name(stem[:i]) == want:
                    version = stem[i + 1 :]
                    if version:
                        return cls(filename, want, version, ext)
            raise FilenameError(filename, f"name does not match package `{package}`")
        name, sep, version = stem.rpartition("-")
        if not sep or not name or not version:
            raise FilenameError(filename, "expected `name-version` before the extension")
        return cls(filename, canonicalize_name(name), version, ext)

    @property
    def version(self) -> Version:
        return _parse_version(self.version_str, self.filename)


DistFilename = WheelFilename | SdistFilename


def parse_dist_filename(filename: str, package: str | None = None) -> DistFilename:
    """Parse a wheel or sdist filename, raising :class:`FilenameError` for anything else."""
    if filename.lower().endswith(".whl"):
        return WheelFilename.parse(filename)
    return SdistFilename.parse(filename, package)


def _parse_version(text: str, filename: str) -> Version:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion as err:
        raise FilenameError(filename, f"invalid version `{text}`") from err
