"""A resolution as a PEP 751 ``pylock.toml`` (``sula pip compile -o pylock.toml``), as uv writes it.

Each pin becomes a ``[[packages]]`` entry with its marker, the index it came from, its sdist and
its wheels (URL, upload time, size, hashes): for one target only the wheels whose tags fit it,
as uv does; for ``--universal`` every wheel, and ``environments`` says from which Python on the
lock holds. ``dependencies`` name each package's dependencies (by name, with the version where
a name is pinned more than once).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sula.resolver.errors import ResolveError

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.version import Version

    from sula.client.registry import RegistryClient
    from sula.client.types import DistFile
    from sula.distribution.names import NormalizedName
    from sula.requirements.pylock import LockedFile, LockedPackage, Pylock
    from sula.resolver.graph import ResolutionGraph, ResolvedDist
    from sula.resolver.python import PythonTarget

__all__ = ["UnlockableDistError", "lock_from_graph", "pylock_preferences"]


class UnlockableDistError(ResolveError):
    """A pin that a PEP 751 file cannot hold yet (a source tree or a git checkout)."""

    def __init__(self, dist: str) -> None:
        super().__init__(f"Cannot write `{dist}` to a `pylock.toml`: only index packages and "
                         "archive URLs can be locked")
        self.dist = dist


def _upload_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _locked_file(df: DistFile, hashes: Mapping[str, Mapping[str, str]]) -> LockedFile:
    from sula.requirements.pylock import LockedFile

    f = df.file
    return LockedFile(url=f.url, size=f.size, upload_time=_upload_time(f.upload_time),
                      hashes=dict(f.hashes or hashes.get(f.url, {})))


def locked_files(dist: ResolvedDist, *, python: PythonTarget, universal: bool
                 ) -> tuple[DistFile | None, list[DistFile]]:
    """The sdist and the wheels of a registry pin that its lock entry lists: for one target
    the wheels whose tags fit it (uv's choice), for ``--universal`` all of them."""
    from sula.distribution import WheelFilename

    sdist: DistFile | None = None
    wheels: list[DistFile] = []
    for df in dist.files:
        if isinstance(df.filename, WheelFilename):
            if universal or python.wheel_rank(df.filename) is not None:
                wheels.append(df)
        elif sdist is None:
            sdist = df
    return sdist, wheels


async def sha256_of(client: RegistryClient, url: str) -> str:
    """The hex sha256 of the file at ``url`` (streamed; ``file://`` read in place)."""
    import hashlib

    h = hashlib.sha256()
    async for chunk in client.stream_url(url):
        h.update(chunk)
    return h.hexdigest()


async def missing_hashes(graph: ResolutionGraph, client: RegistryClient, *,
                         python: PythonTarget, universal: bool) -> dict[str, dict[str, str]]:
    """sha256 of the files to lock that their index lists without a hash (``--find-links``
    directories, bare HTML pages), by URL: PEP 751 requires a hash for every file."""
    from sula import _aio

    urls: list[str] = []
    for dist in graph.all_sorted():
        if dist.url is not None:
            continue
        sdist, wheels = locked_files(dist, python=python, universal=universal)
        urls.extend(df.file.url for df in [*([sdist] if sdist else []), *wheels]
                    if not df.file.hashes)
    digests = await _aio.gather(*(sha256_of(client, url) for url in urls))
    return {url: {"sha256": digest} for url, digest in zip(urls, digests, strict=True)}


def _archive(dist: ResolvedDist) -> LockedFile:
    from sula.requirements.pylock import LockedFile

    url = dist.file_url or dist.url or ""
    if not dist.hashes or not (url.endswith((".whl", ".tar.gz", ".zip")) or dist.filename):
        raise UnlockableDistError(f"{dist.name} @ {dist.url}")
    algo, _, digest = dist.hashes[0].partition(":")
    return LockedFile(url=url.split("#", 1)[0], hashes={algo: digest})


def lock_from_graph(
    graph: ResolutionGraph,
    *,
    python: PythonTarget,
    universal: bool,
    indexes: Collection[str],
    hashes: Mapping[str, Mapping[str, str]],
) -> Pylock:
    """The lock of ``graph`` for ``python`` (its version is the lock's lower bound).

    ``indexes`` are the index URLs of the run: a file from one of them gets ``index``, one
    from ``--find-links`` only its URL. ``hashes`` are those :func:`missing_hashes` found.
    """
    from sula.requirements.pylock import LockedPackage, Pylock

    children: dict[str, set[str]] = {}
    for child, parents in graph.parents.items():
        for parent in parents:
            children.setdefault(parent, set()).add(child)
    packages: list[LockedPackage] = []
    for dist in graph.all_sorted():
        deps = tuple({"name": child} for child in sorted(children.get(dist.name, ())))
        marker = dist.marker or None
        if dist.url is not None:
            packages.append(LockedPackage(name=dist.name, marker=marker, dependencies=deps,
                                          archive=_archive(dist)))
            continue
        sdist, wheels = locked_files(dist, python=python, universal=universal)
        index = next((df.index for df in dist.files if df.index.rstrip("/") in indexes), None)
        packages.append(LockedPackage(
            name=dist.name, version=str(dist.version), marker=marker, dependencies=deps,
            index=index, sdist=_locked_file(sdist, hashes) if sdist else None,
            wheels=tuple(_locked_file(w, hashes) for w in wheels),
        ))
    floor = f">={python.version}"
    return Pylock(
        created_by="sula",
        requires_python=floor,
        environments=(f"python_full_version >= '{python.version}'",) if universal else (),
        packages=tuple(packages),
    )


def pylock_preferences(path: Path) -> dict[NormalizedName, Version]:
    """Pins of an existing lock file (names pinned once), kept on re-lock like an output
    requirements file's."""
    from packaging.version import Version

    from sula.requirements import RequirementsError
    from sula.requirements.pylock import read_pylock

    if not path.is_file():
        return {}
    try:
        lock = read_pylock(path, display=str(path))
    except RequirementsError as err:
        from sula._warnings import warn_user

        warn_user(f"Ignoring the pins of the existing output file: {err}")
        return {}
    seen: dict[NormalizedName, list[str]] = {}
    for pkg in lock.packages:
        if pkg.version is not None:
            seen.setdefault(pkg.name, []).append(pkg.version)
    return {name: Version(vs[0]) for name, vs in seen.items() if len(vs) == 1}
