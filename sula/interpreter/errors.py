"""Errors raised while finding or querying Python interpreters and environments."""

from __future__ import annotations

from sula.errors import SulaError

__all__ = [
    "InterpreterError",
    "InterpreterNotFoundError",
    "InterpreterQueryError",
    "NoEnvironmentError",
]


class InterpreterError(SulaError):
    """Base of the interpreter errors; ``hint`` (if any) is printed as its own line."""


class InterpreterNotFoundError(InterpreterError):
    """No interpreter matched a ``--python`` request."""

    def __init__(self, request: str, *, tried: list[str] | None = None) -> None:
        self.request = request
        self.tried = tried or []
        hint = "Pass a path (`--python /usr/bin/python3.12`), a version (`3.12`) or a name (`python3.12`)"
        super().__init__(f"No interpreter found for `{request}` on PATH or in pyenv", hint=hint)


class InterpreterQueryError(InterpreterError):
    """Running an interpreter to ask about itself failed."""

    def __init__(self, executable: str, detail: str) -> None:
        self.executable = executable
        self.detail = detail
        message = f"Failed to query the Python interpreter at `{executable}`"
        if detail:
            message += f": {detail}"
        super().__init__(message)


class NoEnvironmentError(InterpreterError):
    """No virtual environment was found and none was asked for."""

    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        super().__init__(
            f"No virtual environment found in `{cwd}` or its parents (and neither `VIRTUAL_ENV` nor `CONDA_PREFIX` is set)",
            hint="Run `sula venv` to create an environment, or pass `--system` to use the system Python",
        )
