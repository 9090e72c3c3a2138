"""Which file a pin installs: the index's file for a registry pin, the archive a URL names,
and the best wheel of a pin the cache already holds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sula.client.types import DistFile
    from sula.database import DistributionDatabase
    from sula.distribution.dist import BuiltDist, CachedDist, Dist, Sdist
    from sula.distribution.names import NormalizedName
    from sula.installer.plan import Wanted
    from sula.interpreter import Interpreter

__all__ = ["BinaryChoice", "allowed_files", "cached_candidate", "choose_file", "direct_source"]


class BinaryChoice(Protocol):
    """``--only-binary``/``--no-binary``/``--no-build``: whether a package may be installed
    from a wheel, and from an sdist (the resolver's ``BinaryPolicy`` is one)."""

    def allows_wheel(self, name: NormalizedName) -> bool: ...

    def allows_sdist(self, name: NormalizedName) -> bool: ...


def allowed_files(files: Sequence[DistFile], hashes: Sequence[str]) -> list[DistFile]:
    """pip's filter of an index's files by a requirement's hashes: those whose listed digest is
    allowed and those listed without one; all of them when none is allowed (the download then
    fails naming the mismatch). A line with only the sdist's hash installs the sdist."""
    if not hashes:
        return list(files)
    from sula.database import parse_hashes

    allowed = parse_hashes(hashes)
    kept: list[DistFile] = []
    matched = False
    for df in files:
        listed = {a.lower(): v.lower() for a, v in df.file.hashes.items()}
        if not any(a in listed for a in allowed):
            kept.append(df)  # no digest to compare: the download is checked
        elif any(listed.get(a) in values for a, values in allowed.items()):
            kept.append(df)
            matched = True
    return kept if matched else list(files)


def choose_file(
    files: Sequence[DistFile], want: Wanted, interp: Interpreter, policy: BinaryChoice,
) -> Dist:
    """The one file of registry pin ``want`` to install for ``interp``, among the index's
    ``files`` that its hashes allow: the most specific compatible wheel of the pinned version
    when the binary policy allows one, else the version's sdist (to build)."""
    from sula.database.select import select_wheel
    from sula.distribution import SdistFilename
    from sula.distribution.dist import dist_of
    from sula.installer.errors import NoMatchingDistributionError
    from sula.installer.plan import same_version

    assert want.version is not None
    listed = allowed_files(files, want.hashes)  # the files one of its hashes allows
    picked = None
    if policy.allows_wheel(want.name):
        picked = select_wheel(listed, want.version, interp.wheel_priority)
    if picked is not None:
        return dist_of(want.name, picked)
    of_version = [f for f in listed if same_version(f.filename.version_str, want.version)]
    if not files:
        raise NoMatchingDistributionError(str(want), "the package is not on the index")
    if not of_version:
        raise NoMatchingDistributionError(str(want), "the index has no file of that version")
    sdists = [f for f in of_version if isinstance(f.filename, SdistFilename)]
    if not sdists:
        raise NoMatchingDistributionError(
            str(want), f"no wheel is compatible with the target Python {interp.python_full_version}")
    if not policy.allows_sdist(want.name):
        from sula.errors import option

        raise NoMatchingDistributionError(
            str(want), "it has no compatible wheel, and building from source is turned off "
            f"({option('--no-build')} or {option('--only-binary')})")
    # `.tar.gz` (the standard's format) before legacy `.zip` archives.
    sdists.sort(key=lambda f: not f.filename.filename.lower().endswith(".tar.gz"))
    return dist_of(want.name, sdists[0])


def direct_source(want: Wanted) -> BuiltDist | Sdist:
    """The database source of a URL or path requirement: a wheel, or a source archive."""
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    from sula.distribution import FilenameError, SdistFilename, WheelFilename
    from sula.distribution.dist import PathSdist, PathWheel, UrlSdist, UrlWheel
    from sula.installer.errors import SourceBuildRequiredError

    assert want.url is not None
    if want.editable:
        raise SourceBuildRequiredError(f"-e {want.url}")
    parts = urlsplit(want.url)
    filename = unquote(parts.path.rsplit("/", 1)[-1])
    hashes: dict[str, str] = {}
    for piece in parts.fragment.split("&"):
        algo, sep, value = piece.partition("=")
        if sep and algo in ("sha256", "sha384", "sha512", "md5", "sha1", "sha224"):
            hashes[algo] = value
    url = want.url.split("#", 1)[0]
    if not filename.endswith(".whl"):
        try:
            SdistFilename.parse(filename, want.name)
        except FilenameError as err:
            # A directory, a git URL or an archive of another kind: not a source archive.
            raise SourceBuildRequiredError(str(want)) from err
        if parts.scheme == "file":
            return PathSdist(name=want.name, path=Path(unquote(parts.path)))
        return UrlSdist(name=want.name, filename=filename, url=url, hashes=hashes)
    try:
        fn = WheelFilename.parse(filename)
    except FilenameError as err:
        raise SourceBuildRequiredError(str(want)) from err
    if parts.scheme == "file":
        return PathWheel(filename=fn, path=Path(unquote(parts.path)))
    return UrlWheel(filename=fn, url=url, hashes=hashes)


def cached_candidate(
    db: DistributionDatabase, keys: list[str], want: Wanted, interp: Interpreter, *,
    wheels: bool = True,
) -> CachedDist | None:
    """The best cached wheel of ``want`` for ``interp``: a downloaded one (unless ``wheels``
    is false: ``--no-binary``) or, after those, one built from the version's sdist."""
    from sula.database import parse_hashes
    from sula.database.select import tag_string
    from sula.installer.plan import same_version

    assert want.version is not None
    version = want.version
    allowed = parse_hashes(want.hashes).get("sha256", set()) if want.hashes else None

    def best_of(found: Iterable[CachedDist]) -> CachedDist | None:
        best: tuple[int, CachedDist] | None = None
        for cw in found:
            if not same_version(cw.filename.version_str, version):
                continue
            rank = interp.wheel_priority(tag_string(cw.filename))
            if rank is None:
                continue
            if allowed is not None and cw.sha256 not in allowed:
                continue
            if best is None or rank < best[0]:
                best = (rank, cw)
        return best[1] if best is not None else None

    # Built wheels only when no downloaded one fits (a warm install lists no sdist builds).
    hit = best_of(cw for key in keys for cw in db.registry_entries(key, want.name)) if wheels else None
    if hit is None:
        hit = best_of(cw for key in keys for cw in db.built_registry_entries(key, want.name, version))
    return hit
