"""Errors raised while finding or querying Python interpreters and environments."""

from __future__ import annotations

from sula.errors import SulaError, option, speaking_api

__all__ = [
    "ExternallyManagedError",
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
        path = ('`python="/usr/bin/python3.12"`' if speaking_api()
                else "`--python /usr/bin/python3.12`")
        hint = f"Pass a path ({path}), a version (`3.12`) or a name (`python3.12`)"
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

    def __init__(self, cwd: str, *, message: str | None = None) -> None:
        self.cwd = cwd
        super().__init__(
            message or f"No virtual environment found in `{cwd}` or its parents (and neither `VIRTUAL_ENV` nor `CONDA_PREFIX` is set)",
            hint="Run `sula venv` to create an environment, or pass "
                 + ("an interpreter's path as `python=`" if speaking_api() else "`--system`")
                 + " to use the system Python",
        )


class ExternallyManagedError(InterpreterError):
    """PEP 668: the interpreter's ``EXTERNALLY-MANAGED`` marker forbids installing into it."""

    def __init__(self, shown: str, detail: str, *, tool: str = "sula") -> None:
        self.shown = shown
        self.detail = detail
        text = "\n".join(f"  {line}" if line else "" for line in detail.splitlines())
        super().__init__(
            f"The interpreter at `{shown}` is externally managed, and indicates the following:\n\n{text}",
            hint=f"Create a virtual environment with `{tool} venv`, or pass "
            f"{option('--break-system-packages')} to change this one anyway",
        )
