"""Metadata of a source distribution *without building it*, where the sdist states it reliably.

In order, as the specs allow and as uv reads them:

1. ``PKG-INFO`` with ``Metadata-Version`` >= 2.2 whose ``Requires-Dist`` is not ``Dynamic``
   (PEP 643: such values are exactly what a build would produce);
2. ``pyproject.toml`` with a ``[project]`` table whose ``dependencies`` and
   ``optional-dependencies`` are not dynamic (PEP 621).

Anything else (a ``setup.py`` project with older metadata) needs a PEP 517 build:
:func:`static_metadata` returns ``None`` and the database builds it.
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
import zipfile

from sula._log import getLogger
from sula.distribution.egg_info import and_marker
from sula.distribution.metadata import InvalidMetadataError, Metadata, parse_metadata

__all__ = ["metadata_from_sdist_bytes", "static_metadata", "static_tree_metadata"]

_log = getLogger(__name__)
_MAX_MEMBER = 8 * 1024 * 1024


def static_metadata(archive: str | os.PathLike[str], filename: str) -> Metadata | None:
    """Static metadata of the sdist file ``archive`` (named ``filename``), or ``None``."""
    with open(archive, "rb") as f:
        return metadata_from_sdist_bytes(f.read(), filename)


def _members(data: bytes, filename: str) -> dict[str, bytes]:
    """The files that can hold static metadata: the top-level PKG-INFO and pyproject.toml."""
    wanted: dict[str, bytes] = {}

    def keep(name: str) -> bool:
        parts = name.strip("/").split("/")
        return len(parts) == 2 and parts[1] in ("PKG-INFO", "pyproject.toml")

    lower = filename.lower()
    if lower.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if keep(info.filename) and info.file_size <= _MAX_MEMBER:
                    wanted[info.filename.strip("/")] = zf.read(info)
        return wanted
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
        for member in tf:
            if member.isfile() and keep(member.name) and member.size <= _MAX_MEMBER:
                f = tf.extractfile(member)
                if f is not None:
                    wanted[member.name.strip("/").removeprefix("./")] = f.read()
    return wanted


def _version_tuple(text: str | None) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in (text or "0").split("."))
    except ValueError:
        return (0,)


def metadata_from_sdist_bytes(data: bytes, filename: str) -> Metadata | None:
    """Static metadata of the sdist archive ``data``, or ``None`` when only a build can tell."""
    try:
        files = _members(data, filename)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as err:
        _log.debug("Cannot read sdist `%s`: %s", filename, err)
        return None
    top = {k.split("/", 1)[1]: v for k, v in files.items() if k.count("/") == 1}
    pkg_info: Metadata | None = None
    if "PKG-INFO" in top:
        try:
            pkg_info = parse_metadata(top["PKG-INFO"])
        except InvalidMetadataError:
            pkg_info = None
    dynamic = {d.lower() for d in (pkg_info.dynamic if pkg_info else [])}
    if pkg_info is not None and _version_tuple(pkg_info.metadata_version) >= (2, 2) and (
        "requires-dist" not in dynamic
    ):
        return pkg_info
    if "pyproject.toml" in top:
        meta = _from_pyproject(top["pyproject.toml"], pkg_info)
        if meta is not None:
            return meta
    return None


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _from_pyproject(data: bytes, pkg_info: Metadata | None) -> Metadata | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    project = doc.get("project")
    if not isinstance(project, dict):
        return None
    # A table of the wrong shape is no static metadata: the backend builds and judges it.
    dynamic_list = project.get("dynamic", [])
    dependencies = project.get("dependencies", [])
    optional = project.get("optional-dependencies") or {}
    if not _strings(dynamic_list) or not _strings(dependencies) or not isinstance(optional, dict):
        return None
    if not all(_strings(reqs) for reqs in optional.values()):
        return None
    dynamic = {str(d).lower() for d in dynamic_list}
    if "dependencies" in dynamic or "optional-dependencies" in dynamic:
        return None
    name = project.get("name")
    version = project.get("version") or (pkg_info.version if pkg_info else None)
    if not isinstance(name, str) or not isinstance(version, str):
        return None
    requires = [str(r) for r in dependencies]
    extras: list[str] = []
    for extra, reqs in optional.items():
        extras.append(str(extra))
        requires.extend(and_marker(str(r), f'extra == "{extra}"') for r in reqs)
    rp = project.get("requires-python")
    return Metadata(name=name, version=version, requires_dist=requires,
                    requires_python=rp if isinstance(rp, str) else None, provides_extra=extras,
                    metadata_version="2.2")


def static_tree_metadata(project_dir: str | os.PathLike[str]) -> Metadata | None:
    """The metadata a project directory states statically in its ``pyproject.toml`` (PEP 621
    name, version and dependencies, none dynamic), or ``None`` when only its backend can tell."""
    try:
        with open(os.path.join(project_dir, "pyproject.toml"), "rb") as f:
            data = f.read()
    except OSError:
        return None
    return _from_pyproject(data, None)
