"""read_build_system: PEP 517/518 defaults, the legacy fallback, and malformed tables by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from sula.builder import (
    BuildSystem,
    InvalidBuildSystemError,
    NotAPythonProjectError,
    read_build_system,
)

LEGACY = BuildSystem(requires=("setuptools>=40.8.0",), backend="setuptools.build_meta:__legacy__")


def _tree(tmp_path: Path, pyproject: str | None, setup_py: bool = False) -> Path:
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    if setup_py:
        (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    return tmp_path


def test_setup_py_only_is_legacy_setuptools(tmp_path: Path) -> None:
    assert read_build_system(_tree(tmp_path, None, setup_py=True)) == LEGACY


def test_pyproject_without_build_system_is_legacy_setuptools(tmp_path: Path) -> None:
    tree = _tree(tmp_path, '[project]\nname = "x"\nversion = "1"\n', setup_py=True)
    assert read_build_system(tree) == LEGACY


def test_requires_without_backend_uses_legacy_backend(tmp_path: Path) -> None:
    tree = _tree(tmp_path, '[build-system]\nrequires = ["setuptools>=60", "cython<3"]\n')
    assert read_build_system(tree) == BuildSystem(
        requires=("setuptools>=60", "cython<3"), backend="setuptools.build_meta:__legacy__"
    )


def test_full_table(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path,
        '[build-system]\nrequires = []\nbuild-backend = "be.api:Backend"\n'
        'backend-path = ["_build", "."]\n',
    )
    assert read_build_system(tree) == BuildSystem(
        requires=(), backend="be.api:Backend", backend_path=("_build", ".")
    )


def test_neither_file(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("hi")
    with pytest.raises(NotAPythonProjectError) as exc:
        read_build_system(tmp_path)
    assert str(exc.value) == (
        f"`{tmp_path}` does not appear to be a Python project: no `pyproject.toml` or `setup.py`"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[build-system\nrequires = []\n", "not valid TOML"),
        ('build-system = "setuptools"\n', "`build-system` must be a table"),
        ('[build-system]\nbuild-backend = "x"\n', "`build-system.requires` is missing"),
        ('[build-system]\nrequires = "setuptools"\n', "`build-system.requires` must be a list of strings"),
        ("[build-system]\nrequires = [1]\n", "`build-system.requires` must be a list of strings"),
        ('[build-system]\nrequires = ["setuptools >= >= 1"]\n', "`setuptools >= >= 1` in `build-system.requires` is not a valid requirement"),
        ("[build-system]\nrequires = []\nbuild-backend = 3\n", "`build-system.build-backend` must be a string"),
        ('[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = "."\n', "`build-system.backend-path` must be a list of strings"),
        ('[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["../elsewhere"]\n', "`build-system.backend-path`: `../elsewhere` is outside the source tree"),
        ('[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["/abs"]\n', "`build-system.backend-path`: `/abs` is outside the source tree"),
    ],
    ids=["toml", "not-table", "no-requires", "requires-str", "requires-int", "bad-req",
         "backend-int", "backend-path-str", "backend-path-up", "backend-path-abs"],
)
def test_invalid_build_system_names_the_file(tmp_path: Path, text: str, reason: str) -> None:
    tree = _tree(tmp_path, text, setup_py=True)
    with pytest.raises(InvalidBuildSystemError) as exc:
        read_build_system(tree)
    assert exc.value.path == tree / "pyproject.toml"
    assert str(exc.value).startswith(f"Invalid `[build-system]` in `{tree / 'pyproject.toml'}`: {reason}")
