"""Finding interpreters (--python path/version/name, pyenv, shims) and the default environment."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sula.cache import Cache
from sula.interpreter import (
    InterpreterError,
    InterpreterNotFoundError,
    NoEnvironmentError,
    PythonEnvironment,
    find_environment,
    find_interpreter,
    parse_request,
)
from sula.venv import create_venv

Require = Callable[[str], Path]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        monkeypatch.delenv(var, raising=False)


def _failing_shim(directory: Path, name: str) -> Path:
    """A pyenv-style shim for a version that is not selected: it exits 127."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / name
    shim.write_text(f"#!/bin/sh\necho 'pyenv: {name}: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    return shim


def test_parse_request_kinds() -> None:
    assert parse_request("3.12").version == (3, 12)
    assert parse_request("3.12.1").version == (3, 12, 1)
    assert parse_request("3").version == (3,)
    r = parse_request("cpython3.11")
    assert (r.version, r.implementation) == ((3, 11), "cpython")
    r = parse_request("pypy@3.10")
    assert (r.version, r.implementation) == ((3, 10), "pypy")
    assert parse_request("python3.12").name == "python3.12"
    # `pypy3` reads as "PyPy 3": the executables searched are `pypy3`, then `pypy`.
    r = parse_request("pypy3")
    assert (r.version, r.implementation) == ((3,), "pypy")
    assert parse_request("pypy").name == "pypy"
    assert parse_request("./env/bin/python").path == Path("env/bin/python")
    assert parse_request("/usr/bin/python3").path == Path("/usr/bin/python3")
    home = parse_request("~/x/python").path
    assert home is not None and "~" not in str(home)
    with pytest.raises(InterpreterError):
        parse_request("  ")


def test_find_by_path_to_executable_and_to_environment_dir(
    tmp_path: Path, cache: Cache, require_python: Require
) -> None:
    exe = require_python("3.10")
    i = find_interpreter(str(exe), cache=cache)
    assert i.python_version[:2] == (3, 10)
    venv = create_venv(tmp_path / "env", i)
    inside = find_interpreter(str(venv.root), cache=cache)
    assert inside.is_venv() and inside.prefix == str(venv.root)


def test_missing_path_is_an_error(tmp_path: Path, cache: Cache) -> None:
    with pytest.raises(InterpreterError, match="does not exist"):
        find_interpreter(str(tmp_path / "nope" / "python"), cache=cache)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InterpreterError, match="No Python executable found"):
        find_interpreter(str(tmp_path / "empty"), cache=cache)


@pytest.mark.parametrize("minor", ["3.8", "3.10", "3.12", "3.13"])
def test_find_by_version(minor: str, cache: Cache, require_python: Require) -> None:
    exe = require_python(minor)
    i = find_interpreter(minor, cache=cache)
    assert i.python_minor == minor
    full = exe.parent.parent.name  # pyenv's directory is named after the full version
    assert find_interpreter(full, cache=cache).python_full_version == full
    assert find_interpreter(f"cpython{minor}", cache=cache).python_minor == minor


def test_find_by_name(cache: Cache, require_python: Require) -> None:
    require_python("3.10")
    assert find_interpreter("python3.10", cache=cache).python_minor == "3.10"


def test_not_found_has_a_hint(cache: Cache) -> None:
    with pytest.raises(InterpreterNotFoundError) as info:
        find_interpreter("3.99", cache=cache)
    assert "`3.99`" in str(info.value)
    assert "hint:" in str(info.value)
    with pytest.raises(InterpreterNotFoundError):
        find_interpreter("definitely-not-a-python", cache=cache)


def test_failing_shims_are_skipped_for_real_pyenv_pythons(
    tmp_path: Path, cache: Cache, require_python: Require, monkeypatch: pytest.MonkeyPatch
) -> None:
    exe = require_python("3.13")
    shims = tmp_path / "shims"
    _failing_shim(shims, "python3.13")
    _failing_shim(shims, "python3")
    monkeypatch.setenv("PATH", f"{shims}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv("PYENV_ROOT", str(exe.parent.parent.parent.parent))
    assert find_interpreter("3.13", cache=cache).python_minor == "3.13"
    assert find_interpreter("python3.13", cache=cache).python_minor == "3.13"


def test_shims_on_path_find_pyenv_without_pyenv_root(
    tmp_path: Path, cache: Cache, require_python: Require, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A temporary HOME (as in the CLI tests) must not hide pyenv: its shims dir leads to it."""
    exe = require_python("3.12")
    pyenv_root = exe.parent.parent.parent.parent
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", f"{pyenv_root / 'shims'}{os.pathsep}/usr/bin")
    assert find_interpreter("3.12", cache=cache).python_minor == "3.12"


def test_default_request_is_first_python3_on_path(
    tmp_path: Path, cache: Cache, require_python: Require, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    (first / "python3").symlink_to(require_python("3.10"))
    _failing_shim(tmp_path / "shims", "python3")
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "shims"), str(first), "/usr/bin"]))
    assert find_interpreter(None, cache=cache).python_minor == "3.10"


# --- default target environment -------------------------------------------------------------


def test_virtual_env_wins_over_conda_prefix(
    tmp_path: Path, cache: Cache, require_python: Require, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = find_interpreter(str(require_python("3.12")), cache=cache)
    venv = create_venv(tmp_path / "venv", base)
    conda = create_venv(tmp_path / "conda", base)
    monkeypatch.setenv("CONDA_PREFIX", str(conda.root))
    env = find_environment(None, system=False, cache=cache)
    assert env.root == conda.root
    monkeypatch.setenv("VIRTUAL_ENV", str(venv.root))
    env = find_environment(None, system=False, cache=cache)
    assert env.root == venv.root
    assert env.interpreter.is_venv()
    assert env.site_packages() == [venv.site_packages]
    assert env.scripts_dir == venv.scripts_dir


def test_dot_venv_in_a_parent_directory(
    tmp_path: Path, cache: Cache, require_python: Require, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = find_interpreter(str(require_python("3.12")), cache=cache)
    project = tmp_path / "project"
    venv = create_venv(project / ".venv", base)
    nested = project / "src" / "pkg"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    env = find_environment(None, system=False, cache=cache)
    assert env.root == venv.root
    assert env.is_venv()


def test_no_environment_is_an_error_with_a_hint(
    tmp_path: Path, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoEnvironmentError) as info:
        find_environment(None, system=False, cache=cache)
    text = str(info.value)
    assert text.startswith(f"No virtual environment found in `{tmp_path}`")
    assert "`sula venv`" in text and "`--system`" in text


def test_virtual_env_without_python_is_an_error(
    tmp_path: Path, cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path))
    with pytest.raises(InterpreterError, match="`VIRTUAL_ENV` points at"):
        find_environment(None, system=False, cache=cache)


def test_python_option_and_system_flag(
    tmp_path: Path, cache: Cache, require_python: Require, monkeypatch: pytest.MonkeyPatch
) -> None:
    exe = require_python("3.12")
    monkeypatch.chdir(tmp_path)
    # A version names no environment: without --system only a venv of that version is used.
    with pytest.raises(NoEnvironmentError, match=r"No virtual environment found for Python 3\.12"):
        find_environment("3.12", system=False, cache=cache)
    env = find_environment("3.12", system=True, cache=cache)
    assert env.interpreter.python_minor == "3.12"
    assert not env.interpreter.is_venv()
    # --system skips a venv that comes first on PATH.
    venv = create_venv(tmp_path / "venv", env.interpreter)
    system_dir = tmp_path / "system"
    system_dir.mkdir()
    (system_dir / "python3").symlink_to(exe)
    monkeypatch.setenv("PATH", os.pathsep.join([str(venv.scripts_dir), str(system_dir)]))
    monkeypatch.setenv("VIRTUAL_ENV", str(venv.root))
    system = find_environment(None, system=True, cache=cache)
    assert not system.interpreter.is_venv()
    assert system.interpreter.python_minor == "3.12"
    assert find_environment("3.12", system=False, cache=cache).root == venv.root


def test_python_option_names_an_environment_directory(
    tmp_path: Path, cache: Cache, require_python: Require, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = find_interpreter(str(require_python("3.12")), cache=cache)
    venv = create_venv(tmp_path / "v1", base)
    monkeypatch.chdir(tmp_path)
    # `--python v1`, without `./`: uv takes a directory of that name for an environment.
    assert find_environment("v1", system=False, cache=cache).root == venv.root


def test_target_and_prefix_environments(cache: Cache, require_python: Require, tmp_path: Path) -> None:
    i = find_interpreter(str(require_python("3.12")), cache=cache)
    target = PythonEnvironment.from_target_dir(i, tmp_path / "t")
    assert target.site_packages() == [tmp_path / "t"]
    assert target.scripts_dir == tmp_path / "t" / "bin"
    prefix = PythonEnvironment.from_prefix(i, tmp_path / "p")
    assert prefix.purelib == tmp_path / "p" / "lib" / "python3.12" / "site-packages"
    assert prefix.scripts_dir == tmp_path / "p" / "bin"
    assert prefix.interpreter is i
    own = PythonEnvironment.from_interpreter(i)
    assert own.root == Path(i.prefix)
    assert own.python == Path(i.sys_executable)


def test_pyenv_shims_are_resolved_like_pyenv_without_running_them(
    tmp_path: Path, cache: Cache, require_python: Require, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shim's choice follows PYENV_VERSION, then .python-version, then $PYENV_ROOT/version;
    resolving it ourselves lets the answer be cached under the real executable's path."""
    root = tmp_path / "pyenv"
    for version, minor in (("9.1", "3.12"), ("9.2", "3.10")):
        bin_dir = root / "versions" / version / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "python3").symlink_to(require_python(minor))
    _failing_shim(root / "shims", "python3")  # running it would fail: it must not be run
    (root / "version").write_text("9.1\n")
    monkeypatch.setenv("PATH", str(root / "shims"))
    monkeypatch.delenv("PYENV_VERSION", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    assert find_interpreter(None, cache=cache).python_minor == "3.12"
    (project / ".python-version").write_text("9.2  # a comment\n")
    assert find_interpreter(None, cache=cache).python_minor == "3.10"
    monkeypatch.setenv("PYENV_VERSION", "9.1")
    assert find_interpreter(None, cache=cache).python_minor == "3.12"
    monkeypatch.setenv("PYENV_VERSION", "8.0")  # selects a version without python3
    with pytest.raises(InterpreterNotFoundError):
        find_interpreter(None, cache=cache)
    monkeypatch.setenv("PYENV_VERSION", "system")  # pyenv would defer to PATH: the shim runs
    with pytest.raises(InterpreterNotFoundError):
        find_interpreter(None, cache=cache)


@pytest.mark.parametrize("text", ["./env/bin/python", "/a//b/./c/", "//x/y", "///x", "./", "a/../b",
                                  "~/x/python", "~//x"])
def test_path_requests_read_as_pathlib_would(text: str) -> None:
    """Paths are kept as strings (no pathlib import for `sula venv`), spelled as Path spells them."""
    r = parse_request(text)
    assert r.path == Path(text).expanduser() and r.path_str == str(Path(text).expanduser())
