"""What is installed in an environment: ``.dist-info``, ``.egg-info`` and ``.egg-link`` distributions."""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sula._record import dataclass, field
from sula.distribution.egg_info import parse_requires_txt
from sula.distribution.names import NormalizedName, canonicalize_name
from sula.installer.layout import Layout

if TYPE_CHECKING:
    from email.message import Message

__all__ = ["InstalledDist", "InstalledKind", "SitePackages", "read_metadata"]


class InstalledKind(enum.Enum):
    """How a distribution was installed, which decides how it is uninstalled."""

    DIST_INFO = "dist-info"
    EGG_INFO = "egg-info"
    EGG_LINK = "egg-link"


def read_metadata(path: Path) -> Message:
    """The headers of a METADATA / PKG-INFO file (the body, a long description, is skipped)."""
    from email.parser import HeaderParser  # email costs ~10 ms: only commands that read metadata

    with open(path, encoding="utf-8", errors="replace") as f:
        lines: list[str] = []
        for line in f:
            if line in ("\n", "\r\n"):
                break
            lines.append(line)
    return HeaderParser().parsestr("".join(lines))


@dataclass(frozen=True, slots=True, kw_only=True)
class InstalledDist:
    """One installed distribution; ``path`` is its metadata directory (or ``.egg-info`` file)."""

    name: NormalizedName
    display_name: str
    version: str
    kind: InstalledKind
    path: Path
    site: Path
    direct_url: dict[str, object] | None = None
    egg_link: Path | None = None
    _meta: list[Message] = field(default_factory=list, compare=False, repr=False)

    @property
    def editable(self) -> bool:
        if self.kind is InstalledKind.EGG_LINK:
            return True
        info = self.direct_url.get("dir_info") if self.direct_url else None
        return isinstance(info, dict) and bool(info.get("editable"))

    @property
    def url(self) -> str | None:
        url = self.direct_url.get("url") if self.direct_url else None
        return url if isinstance(url, str) else None

    def metadata_file(self) -> Path:
        if self.kind is InstalledKind.DIST_INFO:
            return self.path / "METADATA"
        return self.path / "PKG-INFO" if self.path.is_dir() else self.path

    def metadata(self) -> Message:
        if not self._meta:
            self._meta.append(read_metadata(self.metadata_file()))
        return self._meta[0]

    def requires(self) -> list[str]:
        """``Requires-Dist`` lines (egg-info: ``requires.txt`` translated to markers)."""
        reqs = self.metadata().get_all("Requires-Dist") or []
        if reqs or self.kind is InstalledKind.DIST_INFO or not self.path.is_dir():
            return [str(r) for r in reqs]
        return _egg_requires(self.path / "requires.txt")

    def installer(self) -> str | None:
        if self.kind is not InstalledKind.DIST_INFO:
            return None
        try:
            return (self.path / "INSTALLER").read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def requested(self) -> bool:
        return self.kind is InstalledKind.DIST_INFO and (self.path / "REQUESTED").exists()

    def location(self) -> Path:
        """Where the code lives: the site dir, or the project dir of a legacy editable."""
        if self.kind is InstalledKind.EGG_LINK:
            return self.path.parent
        return self.site

    def files(self) -> list[str]:
        """The installed files as listed (RECORD or installed-files.txt), relative to ``location()``."""
        from sula.database.record import parse_record

        if self.kind is InstalledKind.DIST_INFO:
            try:
                text = (self.path / "RECORD").read_text(encoding="utf-8")
            except OSError:
                return []
            return [e.path for e in parse_record(text)]
        listing = self.path / "installed-files.txt"
        try:
            lines = listing.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []
        rel = os.path.relpath(self.path, self.site).replace(os.sep, "/")
        return [os.path.normpath(f"{rel}/{line.strip()}").replace(os.sep, "/") for line in lines if line.strip()]


def _egg_requires(path: Path) -> list[str]:
    try:
        return parse_requires_txt(path.read_text(encoding="utf-8"))
    except OSError:
        return []


def _split_name_version(stem: str) -> tuple[str, str]:
    name, _, version = stem.partition("-")
    version = version.split("-py", 1)[0] if version else ""
    return name, version


def _name_version(path: Path) -> tuple[str | None, str | None]:
    """``Name`` and ``Version`` of a METADATA file, scanned from its first lines: the
    email parser (``metadata()``) runs only for commands that read more than these."""
    name = version = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line in ("\n", "\r\n") or (name is not None and version is not None):
                break
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key = key.lower()
            if key == "name" and name is None:
                name = value.strip()
            elif key == "version" and version is None:
                version = value.strip()
    return name, version


def _read_dist_info(site: Path, entry: str) -> InstalledDist | None:
    path = site / entry
    meta_path = path / "METADATA"
    name, version = _split_name_version(entry[: -len(".dist-info")])
    try:
        found = _name_version(meta_path)
        name = found[0] or name
        version = found[1] or version
    except OSError:
        if not path.is_dir():
            return None
        # A broken install: listed from its directory name (as uv does) and reported.
        from sula._warnings import warn_user

        warn_user(f"`{path}` has no METADATA file; `{name}` is listed from the directory's name "
                  "(reinstall it to repair it)")
    direct_url: dict[str, object] | None = None
    try:
        text = (path / "direct_url.json").read_text(encoding="utf-8")
    except OSError:
        text = None
    if text is not None:  # most installs from an index have none: json is imported for the rest
        import json

        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            direct_url = loaded
    return InstalledDist(
        name=canonicalize_name(name),
        display_name=str(name),
        version=str(version),
        kind=InstalledKind.DIST_INFO,
        path=path,
        site=site,
        direct_url=direct_url,
    )


def _read_egg_info(site: Path, path: Path, egg_link: Path | None = None) -> InstalledDist | None:
    meta_path = path / "PKG-INFO" if path.is_dir() else path
    name, version = _split_name_version(path.name[: -len(".egg-info")])
    meta = None
    try:
        meta = read_metadata(meta_path)
        name = meta.get("Name") or name
        version = meta.get("Version") or version
    except OSError:
        pass
    if not name:
        return None
    return InstalledDist(
        name=canonicalize_name(name),
        display_name=str(name),
        version=str(version),
        kind=InstalledKind.EGG_LINK if egg_link is not None else InstalledKind.EGG_INFO,
        path=egg_link if egg_link is not None else path,
        site=site,
        egg_link=path if egg_link is not None else None,
        _meta=[meta] if meta is not None else [],
    )


def _read_egg_link(site: Path, entry: str) -> InstalledDist | None:
    link = site / entry
    try:
        target = link.read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError):
        return None
    project = (site / target).resolve() if target else None
    if project is None or not project.is_dir():
        return None
    want = canonicalize_name(entry[: -len(".egg-link")])
    candidates = [project, *(p for p in project.iterdir() if p.is_dir() and not p.name.startswith("."))]
    for base in candidates:
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for n in names:
            if n.endswith(".egg-info") and canonicalize_name(_split_name_version(n[:-9])[0]) == want:
                dist = _read_egg_info(site, base / n, egg_link=link)
                if dist is not None:
                    return dist
    return None


class SitePackages:
    """An index of the distributions installed in a layout's library directories."""

    def __init__(self, dists: list[InstalledDist]) -> None:
        self._by_name: dict[NormalizedName, list[InstalledDist]] = {}
        for dist in dists:
            self._by_name.setdefault(dist.name, []).append(dist)

    @classmethod
    def from_layout(cls, layout: Layout) -> SitePackages:
        return cls.from_dirs(layout.site_dirs())

    @classmethod
    def from_dirs(cls, dirs: list[Path]) -> SitePackages:
        dists: list[InstalledDist] = []
        for site in dirs:
            try:
                names = sorted(os.listdir(site))
            except OSError:
                continue
            for entry in names:
                if entry.startswith("."):
                    continue
                dist: InstalledDist | None = None
                if entry.endswith(".dist-info"):
                    dist = _read_dist_info(site, entry)
                elif entry.endswith(".egg-info"):
                    dist = _read_egg_info(site, site / entry)
                elif entry.endswith(".egg-link"):
                    dist = _read_egg_link(site, entry)
                if dist is not None:
                    dists.append(dist)
        return cls(dists)

    def get(self, name: str) -> list[InstalledDist]:
        return self._by_name.get(canonicalize_name(name), [])

    def __iter__(self) -> Iterator[InstalledDist]:
        for name in sorted(self._by_name):
            yield from self._by_name[name]

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_name.values())

    def names(self) -> list[NormalizedName]:
        return sorted(self._by_name)
