"""Find the Python a command should use: ``--python`` requests, ``--system``, and the default
target environment (``VIRTUAL_ENV``, then ``CONDA_PREFIX``, then ``.venv`` here or above).

``--python`` accepts a path (to an executable or to an environment's directory), a version
(``3.12``, ``3.12.1``, ``cpython3.12``, ``pypy@3.10``) or an executable name (``python3.12``,
``pypy3``). Names and versions are searched on ``PATH`` and in pyenv's
``$PYENV_ROOT/versions/*/bin`` (default ``~/.pyenv``). Version-manager shims (files in a
``shims`` directory) are tried last: a pyenv shim for a version that is not selected exits
with an error, and it is then skipped. A shim's answer depends on the selected version, so
it is never cached by the shim's path.
"""

from __future__ import annotations

import os

from sula._log import getLogger
from sula.interpreter.errors import (
    InterpreterError,
    InterpreterNotFoundError,
    InterpreterQueryError,
    NoEnvironmentError,
)
from sula.interpreter.model import Interpreter

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Final

    from sula.cache import Cache
    from sula.interpreter.environment import PythonEnvironment

__all__ = [
    "PythonRequest",
    "find_environment",
    "find_interpreter",
    "find_python_in_dir",
    "parse_request",
]

_log = getLogger(__name__)

_WINDOWS = os.name == "nt"
_EXE = ".exe" if _WINDOWS else ""
# Implementation prefixes of a version request, longest first: ``cpython3.12``, ``pp310``.
_IMPLEMENTATIONS = {"cpython": "cpython", "pypy": "pypy", "cp": "cpython", "pp": "pypy"}


class PythonRequest:
    """A parsed ``--python`` value: exactly one of ``path``, ``version`` or ``name`` is set."""

    __slots__ = ("implementation", "name", "path_str", "raw", "version")

    def __init__(
        self,
        raw: str,
        path: str | os.PathLike[str] | None = None,
        version: tuple[int, ...] | None = None,
        implementation: str | None = None,  # "cpython" / "pypy" when the request named one
        name: str | None = None,
    ) -> None:
        self.raw: Final = raw
        self.path_str: Final = None if path is None else os.fspath(path)
        self.version: Final = version
        self.implementation: Final = implementation
        self.name: Final = name

    @property
    def path(self) -> Path | None:
        """The path of a path request (made on use: ``sula venv --python /x/python`` does not
        import pathlib; :attr:`path_str` is the same path as a string)."""
        if self.path_str is None:
            return None
        from pathlib import Path

        return Path(self.path_str)

    def _astuple(self) -> tuple[object, ...]:
        return (self.raw, self.path_str, self.version, self.implementation, self.name)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PythonRequest):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        fields = zip(("raw", "path", "version", "implementation", "name"), self._astuple(), strict=True)
        return "PythonRequest(" + ", ".join(f"{k}={v!r}" for k, v in fields) + ")"

    def matches(self, interpreter: Interpreter) -> bool:
        """Does ``interpreter`` satisfy a version request (always true for the other kinds)?"""
        if self.implementation and interpreter.implementation_name != self.implementation:
            return False
        if self.version is None:
            return True
        return tuple(interpreter.python_version[: len(self.version)]) == self.version


def parse_request(request: str) -> PythonRequest:
    """Tell a path, a version and an executable name apart."""
    text = request.strip()
    if not text:
        from sula.errors import option

        raise InterpreterError(f"An empty {option('--python')} request was given")
    parsed = _parse_version(text)
    if parsed is not None:
        version, impl = parsed
        return PythonRequest(raw=text, version=version, implementation=impl)
    seps = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    if any(s in text for s in seps) or text.startswith((".", "~")):
        return PythonRequest(raw=text, path=_as_path_str(os.path.expanduser(text)))
    return PythonRequest(raw=text, name=text)


def _as_path_str(text: str) -> str:
    """``str(Path(text))`` without importing pathlib: no empty or ``.`` components, no
    trailing separator (messages show the path as they always did)."""
    if os.sep != "/" or os.altsep:  # pragma: no cover - Windows
        from pathlib import Path

        return str(Path(text))
    root = "//" if text.startswith("//") and not text.startswith("///") else "/" * text.startswith("/")
    return (root + "/".join(p for p in text.split("/") if p not in ("", "."))) or "."


def _parse_version(text: str) -> tuple[tuple[int, ...], str | None] | None:
    """``[cpython|cp|pypy|pp][@|-]MAJOR[.MINOR[.MICRO]]`` (any case) → (version, implementation),
    or None when ``text`` is not a version request. Written out rather than as a regular
    expression: compiling one is a measurable part of ``sula venv --python 3.12``."""
    rest = text.lower()
    impl = None
    for prefix, name in _IMPLEMENTATIONS.items():
        if rest.startswith(prefix):
            impl, rest = name, rest[len(prefix):]
            if rest[:1] in ("@", "-"):
                rest = rest[1:]
            break
    parts = rest.split(".")
    if len(parts) > 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts), impl


def _numbers(name: str) -> tuple[int, ...]:
    """The first three runs of ASCII digits in ``name``: ``3.12.1`` → (3, 12, 1)."""
    nums: list[int] = []
    digits = ""
    for ch in name + " ":
        if "0" <= ch <= "9":
            digits += ch
        elif digits:
            nums.append(int(digits))
            digits = ""
    return tuple(nums[:3])


def _name(path: str) -> str:
    """The last component of ``path`` (``Path(path).name``; trailing separators ignored)."""
    return os.path.basename(os.path.normpath(path))


def _is_shim(path: str) -> bool:
    return _name(os.path.dirname(path)) == "shims"


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _python_in_dir(root: str) -> str | None:
    for rel in ("bin/python3", "bin/python", "Scripts/python.exe", "python.exe"):
        candidate = os.path.join(root, rel)
        if _is_executable(candidate):
            return candidate
    return None


def find_python_in_dir(root: Path) -> Path | None:
    """The interpreter of an environment directory (``bin/python3``, ``bin/python``,
    ``Scripts/python.exe``), or None."""
    from pathlib import Path

    found = _python_in_dir(os.fspath(root))
    return None if found is None else Path(found)


# Discovery works on str paths, not pathlib: `sula venv --python 3.12` must not pay for
# importing pathlib (with re and urllib.parse), which is most of its remaining start-up.


def _pyenv_roots() -> list[str]:
    """``$PYENV_ROOT``, ``~/.pyenv``, and the parent of any ``shims`` directory on PATH that has a
    ``versions`` directory beside it (so a changed HOME still finds pyenv's Pythons)."""
    roots: list[str] = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(os.path.normpath(os.environ["PYENV_ROOT"]))
    roots.append(os.path.join(os.path.expanduser("~"), ".pyenv"))
    for p in os.environ.get("PATH", "").split(os.pathsep):
        if p and _name(p) == "shims":
            parent = os.path.dirname(os.path.normpath(p))
            if os.path.isdir(os.path.join(parent, "versions")):
                roots.append(parent)
    unique: list[str] = []
    for r in roots:
        if r not in unique:
            unique.append(r)
    return unique


def _pyenv_bins(version: tuple[int, ...] | None) -> list[str]:
    """``$PYENV_ROOT/versions/*/bin``, those whose name matches ``version`` first, newest first."""
    entries: list[tuple[str, str]] = []  # (name, path)
    for root in _pyenv_roots():
        versions = os.path.join(root, "versions")
        try:
            names = os.listdir(versions)
        except OSError:
            continue
        entries += [(n, os.path.join(versions, n)) for n in names
                    if os.path.isdir(os.path.join(versions, n, "bin"))]

    def sort_key(entry: tuple[str, str]) -> tuple[int, tuple[int, ...], str]:
        nums = _numbers(entry[0])
        wanted = version is not None and nums[: len(version)] == version
        return (0 if wanted else 1, tuple(-n for n in nums), entry[0])

    return [os.path.join(path, "bin") for _, path in sorted(entries, key=sort_key)]


def _search_dirs(version: tuple[int, ...] | None) -> Iterator[tuple[str, bool]]:
    """(directory, is shim dir): PATH without shims, then pyenv versions, then shims."""
    path_dirs = [os.path.normpath(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    shims = [d for d in path_dirs if _name(d) == "shims"]
    for d in path_dirs:
        if _name(d) != "shims":
            yield d, False
    for d in _pyenv_bins(version):
        yield d, False
    for d in shims:
        yield d, True


def _pyenv_selected_versions(pyenv_root: str) -> list[str]:
    """The versions pyenv would select here: ``PYENV_VERSION``, else the nearest
    ``.python-version``, else ``$PYENV_ROOT/version`` (each may list several)."""
    text = os.environ.get("PYENV_VERSION")
    if not text:
        candidates = []
        directory = os.getcwd()
        while True:
            candidates.append(os.path.join(directory, ".python-version"))
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
        candidates.append(os.path.join(pyenv_root, "version"))
        for candidate in candidates:
            try:
                with open(candidate) as f:
                    text = f.read()
            except OSError:
                continue
            break
    if not text:
        return []
    versions = []
    for line in text.replace(":", "\n").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            versions.append(word)
    return versions


_SHIM_FAILS = "\0"  # sentinel (no path has a NUL): pyenv would answer "command not found"


def _resolve_pyenv_shim(shim: str) -> str | None:
    """The executable a pyenv shim would run, found the way pyenv finds it, so that it can be
    cached by its own path; None when this is not pyenv's shim or the answer is the system
    Python (then the shim is run); ``_SHIM_FAILS`` when pyenv would fail."""
    root = os.path.dirname(os.path.dirname(shim))
    if not os.path.isdir(os.path.join(root, "versions")):
        return None
    selected = _pyenv_selected_versions(root)
    if not selected or "system" in selected:
        return None
    for version in selected:
        version_dir = os.path.join(root, "versions", version)
        if not os.path.isdir(version_dir):
            return None  # a prefix such as "3.12" that pyenv resolves itself: run the shim
        exe = os.path.join(version_dir, "bin", os.path.basename(shim))
        if _is_executable(exe):
            return exe
    return _SHIM_FAILS


def _query(exe: str, cache: Cache | None) -> Interpreter:
    from sula.interpreter.query import query_interpreter, run_probe

    if _is_shim(exe):
        real = _resolve_pyenv_shim(exe)
        if real == _SHIM_FAILS:
            name = os.path.basename(exe)
            raise InterpreterQueryError(exe, f"the pyenv shim selects no version providing `{name}`")
        if real is None:
            return run_probe(exe)  # what a shim runs can change at any time: never cached
        exe = real
    return query_interpreter(exe, cache=cache)


def _candidates(names: list[str], version: tuple[int, ...] | None) -> Iterator[str]:
    seen: set[str] = set()
    for directory, _ in _search_dirs(version):
        for name in names:
            candidate = os.path.join(directory, name + _EXE)
            key = os.path.abspath(candidate)
            if key in seen or not _is_executable(candidate):
                continue
            seen.add(key)
            yield candidate


def _names_for(request: PythonRequest) -> list[str]:
    if request.name is not None:
        return [request.name]
    assert request.version is not None
    stem = "pypy" if request.implementation == "pypy" else "python"
    v = request.version
    names = []
    if len(v) >= 2:
        names.append(f"{stem}{v[0]}.{v[1]}")
    names += [f"{stem}{v[0]}", stem]
    return names


def find_interpreter(request: str | None, *, cache: Cache | None) -> Interpreter:
    """The interpreter for a ``--python`` value; None means the first working ``python3`` (or
    ``python``) on PATH.

    Raises :class:`InterpreterNotFoundError` when nothing matches, and
    :class:`InterpreterQueryError` when an explicitly given path cannot be run.
    """
    if request is None:
        parsed = PythonRequest(raw="python3", name="python3")
        names = ["python3", "python"]
        dirs_first_path = True
    else:
        parsed = parse_request(request)
        if parsed.path_str is not None:
            return _query(_resolve_path(parsed.path_str), cache)
        if parsed.name is not None and _python_in_dir(parsed.name) is not None:
            # `--python v1`: an environment's directory named without `./`, as uv accepts it.
            return _query(_resolve_path(parsed.name), cache)
        names = _names_for(parsed)
        dirs_first_path = False
    tried: list[str] = []
    candidates = _path_order_candidates(names) if dirs_first_path else _candidates(names, parsed.version)
    for exe in candidates:
        tried.append(exe)
        try:
            interpreter = _query(exe, cache)
        except InterpreterQueryError as err:
            _log.debug("skipping %s: %s", exe, err.detail)
            continue
        if parsed.matches(interpreter):
            return interpreter
        _log.debug("skipping %s: Python %s does not match `%s`", exe, interpreter.python_full_version, parsed.raw)
    raise InterpreterNotFoundError(parsed.raw, tried=tried)


def _path_order_candidates(names: list[str]) -> Iterator[str]:
    """Executables named ``names`` in PATH order, shims included where they stand."""
    seen: set[str] = set()
    for p in os.environ.get("PATH", "").split(os.pathsep):
        if not p:
            continue
        for name in names:
            candidate = os.path.join(os.path.normpath(p), name + _EXE)
            key = os.path.abspath(candidate)
            if key not in seen and _is_executable(candidate):
                seen.add(key)
                yield candidate


def _resolve_path(path: str) -> str:
    if os.path.isdir(path):
        found = _python_in_dir(path)
        if found is None:
            raise InterpreterError(f"No Python executable found in the directory `{path}`")
        return found
    if not os.path.exists(path):
        raise InterpreterError(f"No Python executable at `{path}`: the file does not exist")
    return path


def _environment_at(root: Path, source: str, cache: Cache | None) -> PythonEnvironment:
    exe = find_python_in_dir(root)
    if exe is None:
        raise InterpreterError(f"`{source}` points at `{root}`, which has no Python executable")
    from sula.interpreter.environment import PythonEnvironment
    from sula.interpreter.query import query_interpreter

    return PythonEnvironment.from_interpreter(query_interpreter(exe, cache=cache))


def find_environment(
    python: str | None, *, system: bool = False, cache: Cache | None
) -> PythonEnvironment:
    """The environment an install command targets.

    ``--python`` wins; then ``--system`` (the first non-venv Python on PATH); then
    ``VIRTUAL_ENV``, ``CONDA_PREFIX``, and a ``.venv`` in the working directory or a parent.
    Never falls back to the system Python silently: :class:`NoEnvironmentError` with a hint.
    """
    from sula.interpreter.environment import PythonEnvironment

    if python is not None:
        request = parse_request(python)
        if request.version is None or system:
            return PythonEnvironment.from_interpreter(find_interpreter(python, cache=cache))
        # A version names no environment: as uv, only a virtual environment found the usual
        # way (and of that version) is used; a base interpreter needs `--system`.
        for env in _default_environments(cache):
            if request.matches(env.interpreter):
                return env
        raise NoEnvironmentError(
            os.getcwd(), message=f"No virtual environment found for Python {request.raw}",
        )
    if system:
        return PythonEnvironment.from_interpreter(_find_system(cache))
    for env in _default_environments(cache):
        return env
    raise NoEnvironmentError(os.getcwd())


def _default_environments(cache: Cache | None) -> Iterator[PythonEnvironment]:
    """``VIRTUAL_ENV``, else ``CONDA_PREFIX``; then a ``.venv`` here or in a parent."""
    from pathlib import Path

    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = os.environ.get(var)
        if value:
            yield _environment_at(Path(value), var, cache)
            break
    cwd = Path.cwd()
    for directory in (cwd, *cwd.parents):
        candidate = directory / ".venv"
        if (candidate / "pyvenv.cfg").is_file():
            yield _environment_at(candidate, str(candidate), cache)
            return


def _find_system(cache: Cache | None) -> Interpreter:
    tried: list[str] = []
    for exe in _path_order_candidates(["python3", "python"]):
        tried.append(exe)
        try:
            interpreter = _query(exe, cache)
        except InterpreterQueryError as err:
            _log.debug("skipping %s: %s", exe, err.detail)
            continue
        if not interpreter.is_venv():
            return interpreter
        _log.debug("skipping %s: it is a virtual environment", exe)
    raise InterpreterNotFoundError("python3", tried=tried)
