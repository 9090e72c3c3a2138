"""PEP 751 lock files (``pylock.toml``): the data model, a validating reader and a writer.

The reader accepts any valid file (uv's, pip's, sula's): ``lock-version`` 1.x (a newer minor
version is read with a warning, another major version is an error), and every key the spec
defines is checked for its type, so a broken file is an error that names the key
(``packages[2].wheels[0].hashes``). Unknown keys and ``[tool]`` tables are ignored, as the
spec asks. The writer emits the keys in the spec's order, with inline tables for files:

    lock-version = "1.0"
    created-by = "sula"
    requires-python = ">=3.11"

    [[packages]]
    name = "idna"
    version = "3.10"
    index = "https://example.org/simple/"
    sdist = { url = "…/idna-3.10.tar.gz", upload-time = 2024-09-15T18:07:37Z, size = 190490, hashes = { sha256 = "…" } }
    wheels = [
        { url = "…/idna-3.10-py3-none-any.whl", upload-time = …, size = 70442, hashes = { sha256 = "…" } },
    ]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sula._record import dataclass, field
from sula.requirements._names import is_pylock
from sula.requirements.errors import RequirementsError

if TYPE_CHECKING:
    from sula.distribution.names import NormalizedName

__all__ = [
    "LockSelection",
    "LockedFile",
    "LockedPackage",
    "Pylock",
    "PylockError",
    "UnsupportedLockVersionError",
    "is_pylock",
    "read_pylock",
    "render_pylock",
]

_HASH_ALGORITHMS = ("sha256", "sha384", "sha512", "sha224", "sha1", "md5")


class PylockError(RequirementsError):
    """A lock file that breaks PEP 751; ``key`` is the dotted path of the offending key."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        super().__init__(f"Invalid lock file `{path}`: `{key}` {reason}")
        self.path = path
        self.key = key
        self.reason = reason


class UnsupportedLockVersionError(RequirementsError):
    """A ``lock-version`` whose major version sula does not read."""

    def __init__(self, path: str, version: str) -> None:
        super().__init__(
            f"Unsupported `lock-version` `{version}` in `{path}` (sula reads lock-version 1.x)"
        )
        self.path = path
        self.version = version


@dataclass(frozen=True, slots=True, kw_only=True)
class LockedFile:
    """An sdist, a wheel or an archive of a locked package: where it is, and its hashes."""

    name: str | None = None
    url: str | None = None
    path: str | None = None
    size: int | None = None
    upload_time: datetime | None = None
    hashes: Mapping[str, str] = field(default_factory=dict)
    subdirectory: str | None = None

    @property
    def filename(self) -> str | None:
        """``name``, else the last segment of the URL or path."""
        if self.name:
            return self.name
        from urllib.parse import unquote, urlsplit

        if self.url:
            return unquote(urlsplit(self.url).path.rsplit("/", 1)[-1]) or None
        if self.path:
            return Path(self.path).name or None
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class LockedPackage:
    """One ``[[packages]]`` entry; ``key`` (``packages[3]``) names it in messages."""

    name: NormalizedName
    version: str | None = None
    marker: str | None = None
    requires_python: str | None = None
    dependencies: tuple[Mapping[str, object], ...] = ()
    index: str | None = None
    vcs: Mapping[str, object] | None = None
    directory: Mapping[str, object] | None = None
    archive: LockedFile | None = None
    sdist: LockedFile | None = None
    wheels: tuple[LockedFile, ...] = ()
    key: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pylock:
    """A whole lock file; ``path`` (when read from disk) anchors relative ``path`` keys."""

    lock_version: str = "1.0"
    environments: tuple[str, ...] = ()
    requires_python: str | None = None
    extras: tuple[str, ...] = ()
    dependency_groups: tuple[str, ...] = ()
    default_groups: tuple[str, ...] = ()
    created_by: str = "sula"
    packages: tuple[LockedPackage, ...] = ()
    path: Path | None = None
    display: str = "pylock.toml"


@dataclass(frozen=True, slots=True, kw_only=True)
class LockSelection:
    """A lock file to install from, with the ``--extra`` and ``--group`` names chosen for it
    (``groups`` None: the lock's ``default-groups``)."""

    lock: Pylock
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] | None = None


# -- reading ----------------------------------------------------------------------------


class _Reader:
    """Type checks that raise :class:`PylockError` naming the key."""

    def __init__(self, display: str) -> None:
        self.display = display

    def fail(self, key: str, reason: str) -> PylockError:
        return PylockError(self.display, key, reason)

    def string(self, table: Mapping[str, object], key: str, where: str, *,
               required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                raise self.fail(f"{where}{key}", "is required")
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", "must be a string")
        return value

    def strings(self, table: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}{key}", "must be an array of strings")
        return tuple(str(v) for v in value)

    def table(self, table: Mapping[str, object], key: str, where: str) -> dict[str, object] | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.fail(f"{where}{key}", "must be a table")
        return value

    def marker(self, table: Mapping[str, object], key: str, where: str) -> str | None:
        text = self.string(table, key, where)
        if text is not None:
            self.check_marker(text, f"{where}{key}")
        return text

    def check_marker(self, text: str, key: str) -> None:
        from packaging.markers import InvalidMarker, Marker

        try:
            Marker(text)
        except InvalidMarker as err:
            raise self.fail(key, f"is not a valid marker ({err})") from None

    def specifier(self, table: Mapping[str, object], key: str, where: str) -> str | None:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        text = self.string(table, key, where)
        if text is not None:
            try:
                SpecifierSet(text)
            except InvalidSpecifier:
                raise self.fail(f"{where}{key}", f"is not a version specifier: `{text}`") from None
        return text

    def file(self, value: object, where: str, *, hashes_required: bool = True) -> LockedFile:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        at = f"{where}."
        url = self.string(value, "url", at)
        path = self.string(value, "path", at)
        if url is None and path is None:
            raise self.fail(where, "needs a `url` or a `path`")
        size = value.get("size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise self.fail(f"{at}size", "must be a non-negative integer")
        upload = value.get("upload-time")
        if upload is not None and not isinstance(upload, datetime):
            raise self.fail(f"{at}upload-time", "must be a TOML datetime")
        hashes = value.get("hashes")
        if hashes is None and not hashes_required:
            hashes = {}
        if not isinstance(hashes, dict) or (hashes_required and not hashes) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in hashes.items()
        ):
            raise self.fail(f"{at}hashes", "must be a non-empty table of algorithm = hex digest")
        return LockedFile(
            name=self.string(value, "name", at), url=url, path=path, size=size,
            upload_time=upload, hashes={str(k): str(v) for k, v in hashes.items()},
            subdirectory=self.string(value, "subdirectory", at),
        )

    def package(self, value: object, index: int) -> LockedPackage:
        from packaging.version import InvalidVersion, Version

        from sula.distribution.names import canonicalize_name

        where = f"packages[{index}]"
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        at = f"{where}."
        name = self.string(value, "name", at, required=True)
        assert name is not None
        version = self.string(value, "version", at)
        if version is not None:
            try:
                Version(version)
            except InvalidVersion:
                raise self.fail(f"{at}version", f"is not a version: `{version}`") from None
        deps = value.get("dependencies", [])
        if not isinstance(deps, list) or not all(isinstance(d, dict) for d in deps):
            raise self.fail(f"{at}dependencies", "must be an array of tables")
        wheels_raw = value.get("wheels", [])
        if not isinstance(wheels_raw, list):
            raise self.fail(f"{at}wheels", "must be an array of tables")
        wheels = tuple(self.file(w, f"{at}wheels[{i}]") for i, w in enumerate(wheels_raw))
        sdist_raw = value.get("sdist")
        sdist = self.file(sdist_raw, f"{at}sdist") if sdist_raw is not None else None
        archive_raw = value.get("archive")
        archive = self.file(archive_raw, f"{at}archive") if archive_raw is not None else None
        vcs = self.table(value, "vcs", at)
        directory = self.table(value, "directory", at)
        if vcs is not None:
            self.string(vcs, "type", f"{at}vcs.", required=True)
            self.string(vcs, "commit-id", f"{at}vcs.", required=True)
            if vcs.get("url") is None and vcs.get("path") is None:
                raise self.fail(f"{at}vcs", "needs a `url` or a `path`")
        if directory is not None:
            self.string(directory, "path", f"{at}directory.", required=True)
        sources = [k for k, v in (("vcs", vcs), ("directory", directory), ("archive", archive))
                   if v is not None]
        if len(sources) > 1 or (sources and (sdist is not None or wheels)):
            given = sources + (["sdist"] if sdist is not None else []) + (
                ["wheels"] if wheels else [])
            raise self.fail(where, "may have only one of `vcs`, `directory`, `archive` or "
                            f"`sdist`/`wheels` (has {', '.join(f'`{g}`' for g in given)})")
        if not sources and sdist is None and not wheels:
            raise self.fail(where, "has no `vcs`, `directory`, `archive`, `sdist` or `wheels`")
        return LockedPackage(
            name=canonicalize_name(name), version=version,
            marker=self.marker(value, "marker", at),
            requires_python=self.specifier(value, "requires-python", at),
            dependencies=tuple(deps), index=self.string(value, "index", at),
            vcs=vcs, directory=directory, archive=archive, sdist=sdist, wheels=wheels,
            key=where,
        )


def read_pylock(path: Path, *, display: str) -> Pylock:
    """Read and validate a lock file (see the module docstring for what is checked)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    from sula.requirements.pyproject import read_input

    text = read_input(path, display)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PylockError(display, "(file)", f"is not valid TOML ({err})") from None
    r = _Reader(display)
    version = r.string(data, "lock-version", "", required=True)
    assert version is not None
    major, _, minor = version.partition(".")
    if major != "1":
        raise UnsupportedLockVersionError(display, version)
    if minor not in ("", "0"):
        from sula._warnings import warn_user

        warn_user(f"`{display}` has `lock-version` `{version}`; sula knows 1.0 and reads it as such")
    created_by = r.string(data, "created-by", "", required=True)
    assert created_by is not None
    environments = r.strings(data, "environments", "")
    for i, env in enumerate(environments):
        r.check_marker(env, f"environments[{i}]")
    packages_raw = data.get("packages")
    if not isinstance(packages_raw, list):
        raise r.fail("packages", "is required, an array of tables")
    return Pylock(
        lock_version=version,
        environments=environments,
        requires_python=r.specifier(data, "requires-python", ""),
        extras=r.strings(data, "extras", ""),
        dependency_groups=r.strings(data, "dependency-groups", ""),
        default_groups=r.strings(data, "default-groups", ""),
        created_by=created_by,
        packages=tuple(r.package(p, i) for i, p in enumerate(packages_raw)),
        path=path,
        display=display,
    )


# -- writing ----------------------------------------------------------------------------


def _string(text: str) -> str:
    import json

    # A JSON string is a TOML basic string (the same escapes, \uXXXX for controls).
    return json.dumps(text, ensure_ascii=False)


def _datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, Mapping):
        return _inline(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _string(key)


def _inline(table: Mapping[str, object]) -> str:
    items = [f"{_key(k)} = {_value(v)}" for k, v in table.items() if v is not None]
    return "{ " + ", ".join(items) + " }" if items else "{}"


def _file_table(f: LockedFile) -> dict[str, object]:
    return {
        "name": f.name, "url": f.url, "path": f.path,
        "upload-time": f.upload_time, "size": f.size,
        "hashes": dict(sorted(f.hashes.items(), key=lambda kv: _HASH_ALGORITHMS.index(kv[0])
                              if kv[0] in _HASH_ALGORITHMS else len(_HASH_ALGORITHMS))),
        "subdirectory": f.subdirectory,
    }


def render_pylock(lock: Pylock, *, header: tuple[str, ...] = ()) -> str:
    """The TOML text of ``lock``, after ``header`` comment lines (written without ``# ``)."""
    out = [f"# {line}" if line else "#" for line in header]
    top: list[tuple[str, object]] = [
        ("lock-version", lock.lock_version),
        ("environments", list(lock.environments) or None),
        ("requires-python", lock.requires_python),
        ("extras", list(lock.extras) or None),
        ("dependency-groups", list(lock.dependency_groups) or None),
        ("default-groups", list(lock.default_groups) or None),
        ("created-by", lock.created_by),
    ]
    out.extend(f"{k} = {_value(v)}" for k, v in top if v is not None)
    for pkg in lock.packages:
        out += ["", "[[packages]]"]
        fields: list[tuple[str, object]] = [
            ("name", str(pkg.name)), ("version", pkg.version), ("marker", pkg.marker),
            ("requires-python", pkg.requires_python),
            ("dependencies", list(pkg.dependencies) or None), ("index", pkg.index),
            ("vcs", pkg.vcs), ("directory", pkg.directory),
            ("archive", _file_table(pkg.archive) if pkg.archive else None),
            ("sdist", _file_table(pkg.sdist) if pkg.sdist else None),
        ]
        out.extend(f"{k} = {_value(v)}" for k, v in fields if v is not None)
        if pkg.wheels:
            out.append("wheels = [")
            out.extend(f"    {_inline(_file_table(w))}," for w in pkg.wheels)
            out.append("]")
    return "\n".join(out) + "\n"
