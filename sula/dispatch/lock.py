"""Install from a PEP 751 lock file: choose, per package, the file for the target interpreter.

The lock is evaluated, not resolved: its ``environments`` and ``requires-python`` must admit
the target; each package whose ``marker`` holds (with the chosen ``extras`` and
``dependency_groups``, PEP 751's lock-file marker variables) is wanted, once per name; of its
wheels the one with the best tag for the interpreter is fetched from the URL or path the lock
names and checked against the lock's hashes. A package without a fitting wheel but with an
sdist has that sdist fetched the same way and built, as a registry sdist is; archives and
directories take the paths of direct URL and path requirements.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sula.installer.errors import InstallError
from sula.installer.plan import Wanted

if TYPE_CHECKING:
    from sula.distribution.dist import BuiltDist, Sdist
    from sula.interpreter import Interpreter
    from sula.requirements.pylock import LockedFile, LockedPackage, LockSelection, Pylock

__all__ = ["LockInstallError", "wanted_from_lock"]


class LockInstallError(InstallError):
    """A lock file that does not fit the target, or asks for what it does not define."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"Cannot install from `{path}`: {reason}")
        self.path = path
        self.reason = reason


def _evaluate(marker: str, env: dict[str, object]) -> bool:
    from packaging.markers import Marker

    try:
        return Marker(marker).evaluate(env, context="lock_file")  # type: ignore[arg-type]
    except TypeError:  # packaging < 25: no lock-file variables
        return Marker(marker).evaluate({k: v for k, v in env.items() if isinstance(v, str)})


def _hashes(f: LockedFile) -> tuple[str, ...]:
    return tuple(f"{algo}:{digest}" for algo, digest in sorted(f.hashes.items()))


def _location(lock: Pylock, f: LockedFile) -> tuple[str | None, Path | None]:
    """The URL of a locked file, or its local path (``file://`` URLs and ``path`` keys, the
    latter relative to the lock file's directory)."""
    from urllib.parse import unquote, urlsplit

    if f.url is not None:
        parts = urlsplit(f.url)
        if parts.scheme == "file":
            return None, Path(unquote(parts.path))
        if f.path is None:
            return f.url, None
    assert f.path is not None
    base = lock.path.parent if lock.path is not None else Path.cwd()
    return None, base / f.path


def _wheel_source(lock: Pylock, pkg: LockedPackage, f: LockedFile) -> BuiltDist:
    from sula.distribution import WheelFilename
    from sula.distribution.dist import PathWheel, RegistryWheel, UrlWheel

    filename = WheelFilename.parse(f.filename or "")
    url, path = _location(lock, f)
    if path is not None:
        return PathWheel(filename=filename, path=path)
    assert url is not None
    if pkg.index:
        # Cached beside the index's own wheels, so that a later install from the index
        # (or from the lock) finds it.
        return RegistryWheel(filename=filename, url=url, index=pkg.index,
                             hashes=dict(f.hashes), size=f.size)
    return UrlWheel(filename=filename, url=url, hashes=dict(f.hashes))


def _sdist_source(lock: Pylock, pkg: LockedPackage, f: LockedFile) -> Sdist:
    from sula.distribution import FilenameError, SdistFilename
    from sula.distribution.dist import PathSdist, RegistrySdist, UrlSdist

    url, path = _location(lock, f)
    if path is not None:
        return PathSdist(name=pkg.name, path=path)
    assert url is not None
    filename = f.filename or ""
    if pkg.index:
        try:
            return RegistrySdist(filename=SdistFilename.parse(filename, pkg.name), url=url,
                                 index=pkg.index, hashes=dict(f.hashes), size=f.size)
        except FilenameError:
            pass
    return UrlSdist(name=pkg.name, filename=filename, url=url, hashes=dict(f.hashes))


def _best_wheel(pkg: LockedPackage, interp: Interpreter) -> LockedFile | None:
    from sula.database.select import tag_string
    from sula.distribution import FilenameError, WheelFilename

    best: tuple[int, LockedFile] | None = None
    for f in pkg.wheels:
        try:
            fn = WheelFilename.parse(f.filename or "")
        except FilenameError:
            continue
        rank = interp.wheel_priority(tag_string(fn))
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, f)
    return best[1] if best is not None else None


def _check_names(display: str, what: str, asked: tuple[str, ...], known: tuple[str, ...]) -> None:
    from sula.distribution.names import canonicalize_name

    have = {canonicalize_name(k) for k in known}
    for name in asked:
        if canonicalize_name(name) not in have:
            listed = ", ".join(f"`{k}`" for k in known) or "none"
            raise LockInstallError(display, f"it defines no {what} `{name}` (defined: {listed})")


def wanted_from_lock(selection: LockSelection, interp: Interpreter) -> list[Wanted]:
    """What the environment must hold to match the lock for ``interp``."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    lock = selection.lock
    display = lock.display
    env: dict[str, object] = dict(interp.marker_environment())
    python = Version(interp.python_full_version)
    if lock.environments and not any(_evaluate(m, env) for m in lock.environments):
        raise LockInstallError(display, "none of its `environments` fits the target (Python "
                               f"{python}, {env.get('sys_platform')})")
    if lock.requires_python and not SpecifierSet(lock.requires_python).contains(
            python, prereleases=True):
        raise LockInstallError(display, f"it requires Python `{lock.requires_python}`, "
                               f"the target is {python}")
    _check_names(display, "extra", selection.extras, lock.extras)
    groups = selection.groups if selection.groups is not None else lock.default_groups
    _check_names(display, "dependency group", groups, lock.dependency_groups)
    env["extras"] = frozenset(selection.extras)
    env["dependency_groups"] = frozenset(groups)

    out: dict[str, Wanted] = {}
    for pkg in lock.packages:
        if pkg.marker is not None and not _evaluate(pkg.marker, env):
            continue
        if pkg.requires_python and not SpecifierSet(pkg.requires_python).contains(
                python, prereleases=True):
            raise LockInstallError(display, f"`{pkg.key}` ({pkg.name}) requires Python "
                                   f"`{pkg.requires_python}`, the target is {python}")
        if pkg.name in out:
            raise LockInstallError(display, f"`{pkg.name}` is locked more than once for the "
                                   f"target (`{pkg.key}` and an earlier entry)")
        out[pkg.name] = _wanted(lock, pkg, interp, display)
    return list(out.values())


def _wanted(lock: Pylock, pkg: LockedPackage, interp: Interpreter, display: str) -> Wanted:
    if pkg.wheels or pkg.sdist is not None:
        wheel = _best_wheel(pkg, interp)
        if wheel is not None:
            version = pkg.version or _wheel_version(wheel)
            return Wanted(name=pkg.name, version=version, hashes=_hashes(wheel),
                          source=_wheel_source(lock, pkg, wheel))
        if pkg.sdist is None or pkg.version is None:
            raise LockInstallError(display, f"`{pkg.key}` ({pkg.name}) has no wheel for the "
                                   f"target (Python {interp.python_full_version}, "
                                   f"{interp.markers.get('sys_platform')}) and no sdist "
                                   "with a version")
        # Fetched from where the lock says and built, as a registry sdist is.
        return Wanted(name=pkg.name, version=pkg.version, hashes=_hashes(pkg.sdist),
                      source=_sdist_source(lock, pkg, pkg.sdist))
    if pkg.archive is not None:
        url, path = _location(lock, pkg.archive)
        return Wanted(name=pkg.name, url=url or (path.as_uri() if path else None),
                      hashes=_hashes(pkg.archive))
    if pkg.directory is not None:
        from sula.database.tree import fresh_after
        from sula.distribution.dist import TreeSource

        base = lock.path.parent if lock.path is not None else Path.cwd()
        target = (base / str(pkg.directory["path"])).resolve()
        subdirectory = pkg.directory.get("subdirectory")
        if isinstance(subdirectory, str) and subdirectory:
            target = target / subdirectory
        tree = TreeSource(path=target, name=pkg.name, editable=bool(pkg.directory.get("editable", False)))
        return Wanted(name=pkg.name, url=tree.url, editable=tree.editable, source=tree,
                      fresh_after=fresh_after(tree))
    assert pkg.vcs is not None
    from sula.distribution.dist import GitSource
    from sula.installer.errors import InstallError

    vcs = pkg.vcs
    repository, commit = vcs.get("url"), vcs.get("commit-id")
    if vcs.get("type") != "git" or not isinstance(repository, str) or not isinstance(commit, str):
        raise InstallError(f"`{pkg.name}` in the lock is a `{vcs.get('type')}` source without a url and "
                           "commit-id; only git sources with both can be installed")
    subdirectory = vcs.get("subdirectory")
    source = GitSource(repository=repository, reference=commit, name=pkg.name,
                       subdirectory=subdirectory if isinstance(subdirectory, str) else None)
    return Wanted(name=pkg.name, url=str(source).split(" @ ", 1)[-1], source=source)


def _wheel_version(f: LockedFile) -> str:
    from sula.distribution import WheelFilename

    return WheelFilename.parse(f.filename or "").version_str
