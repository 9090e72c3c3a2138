"""Find and query Python interpreters and environments (markers, tags, install paths), cached
by executable and mtime.

Public API::

    find_interpreter(request: str | None, *, cache) -> Interpreter
        ``--python`` value (path, version such as ``3.12``/``3.12.1``, or name such as
        ``python3.12``/``pypy3``); None means the first working ``python3`` on PATH.
    find_environment(python: str | None, *, system: bool, cache) -> PythonEnvironment
        The target of an install: ``--python``, ``--system``, else ``VIRTUAL_ENV``,
        ``CONDA_PREFIX``, ``.venv`` in the working directory or a parent; else
        ``NoEnvironmentError`` (never the system Python silently).
    query_interpreter(executable, *, cache) -> Interpreter
        One probe subprocess, cached in the ``interpreters-v1`` bucket.
    Interpreter
        ``markers`` (PEP 508 values), ``tags`` (best first), ``paths``, ``prefix``,
        ``base_prefix``, ``sys_executable``, ``python_version``, ``is_venv()``,
        ``marker_environment()``, ``tag_priority(tag)``, ``wheel_priority(tags)``.
    PythonEnvironment
        ``root``, ``interpreter``, ``paths``, ``site_packages()``, ``scripts_dir``;
        ``from_interpreter``, ``from_target_dir`` (``--target``), ``from_prefix`` (``--prefix``).

Errors derive from ``InterpreterError`` and carry a ``hint``.
"""

from __future__ import annotations

from sula.interpreter.discovery import (
    PythonRequest,
    find_environment,
    find_interpreter,
    find_python_in_dir,
    parse_request,
)
from sula.interpreter.errors import (
    ExternallyManagedError,
    InterpreterError,
    InterpreterNotFoundError,
    InterpreterQueryError,
    NoEnvironmentError,
)
from sula.interpreter.model import InstallPaths, Interpreter
from sula.interpreter.query import query_interpreter

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from sula.interpreter.environment import PythonEnvironment

__all__ = [
    "ExternallyManagedError",
    "InstallPaths",
    "Interpreter",
    "InterpreterError",
    "InterpreterNotFoundError",
    "InterpreterQueryError",
    "NoEnvironmentError",
    "PythonEnvironment",
    "PythonRequest",
    "find_environment",
    "find_interpreter",
    "find_python_in_dir",
    "parse_request",
    "query_interpreter",
]


def __getattr__(name: str) -> object:
    # ``PythonEnvironment`` (install targets) imports pathlib; ``sula venv`` never needs it.
    if name == "PythonEnvironment":
        from sula.interpreter.environment import PythonEnvironment

        return PythonEnvironment
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
