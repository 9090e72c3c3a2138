"""``[build-system]`` of a source tree (PEP 517/518), with the legacy setuptools default."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sula._record import dataclass
from sula.builder.errors import InvalidBuildSystemError, NotAPythonProjectError

__all__ = ["LEGACY_BACKEND", "LEGACY_REQUIRES", "BuildSystem", "read_build_system"]

# What pip and uv assume for a tree without ``[build-system]`` (PEP 517's fallback).
LEGACY_REQUIRES: tuple[str, ...] = ("setuptools>=40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildSystem:
    """``requires``, ``build-backend`` and ``backend-path`` as a frontend uses them."""

    requires: tuple[str, ...]
    backend: str
    backend_path: tuple[str, ...] = ()


def read_build_system(source_tree: Path) -> BuildSystem:
    """Read ``source_tree/pyproject.toml``'s ``[build-system]``.

    No table (or no pyproject.toml but a setup.py): setuptools' legacy backend with
    ``setuptools>=40.8.0``. ``requires`` without ``build-backend``: the legacy backend with those
    requirements. Neither file: :class:`NotAPythonProjectError`.
    """
    pyproject = source_tree / "pyproject.toml"
    try:
        raw = pyproject.read_bytes()
    except FileNotFoundError:
        if (source_tree / "setup.py").is_file():
            return BuildSystem(requires=LEGACY_REQUIRES, backend=LEGACY_BACKEND)
        raise NotAPythonProjectError(source_tree) from None
    except OSError as err:
        raise InvalidBuildSystemError(pyproject, f"cannot be read ({err.strerror})") from err
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise InvalidBuildSystemError(pyproject, f"not valid TOML ({err})") from None
    if "build-system" not in data:
        return BuildSystem(requires=LEGACY_REQUIRES, backend=LEGACY_BACKEND)
    table = data["build-system"]
    if not isinstance(table, dict):
        raise InvalidBuildSystemError(pyproject, "`build-system` must be a table")
    if "requires" not in table:
        # PEP 518 makes `requires` mandatory once the table exists; pip refuses such a file too.
        raise InvalidBuildSystemError(pyproject, "`build-system.requires` is missing")
    requires = _strings(table["requires"], "build-system.requires", pyproject)
    _check_requirements(requires, pyproject)
    backend = table.get("build-backend", LEGACY_BACKEND)
    if not isinstance(backend, str) or not backend.strip():
        raise InvalidBuildSystemError(pyproject, "`build-system.build-backend` must be a string")
    backend_path = _strings(table.get("backend-path", []), "build-system.backend-path", pyproject)
    for entry in backend_path:
        # PEP 517: relative to the tree and inside it (pyproject-hooks checks the same again).
        root = os.path.abspath(source_tree)
        full = os.path.normpath(os.path.join(root, entry))
        if os.path.isabs(entry) or os.path.commonpath([root, full]) != root:
            raise InvalidBuildSystemError(
                pyproject, f"`build-system.backend-path`: `{entry}` is outside the source tree"
            )
    return BuildSystem(
        requires=tuple(requires), backend=backend.strip(), backend_path=tuple(backend_path)
    )


def _strings(value: object, key: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidBuildSystemError(path, f"`{key}` must be a list of strings")
    return [str(v) for v in value]


def _check_requirements(requires: list[str], path: Path) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    for text in requires:
        try:
            Requirement(text)
        except InvalidRequirement as err:
            raise InvalidBuildSystemError(
                path, f"`{text}` in `build-system.requires` is not a valid requirement"
            ) from err
