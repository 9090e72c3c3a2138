"""Errors of the PEP 517 frontend, and the hints recognised in a failed backend's output."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from sula.errors import SulaError

__all__ = [
    "BackendFailedError",
    "BackendUnavailableError",
    "BuildEnvironmentError",
    "BuildError",
    "HintFinder",
    "InvalidBackendResultError",
    "InvalidBuildSystemError",
    "MissingBackendHookError",
    "NotAPythonProjectError",
    "find_hint",
]


class BuildError(SulaError):
    """Base of every error building a source tree raises."""


class NotAPythonProjectError(BuildError):
    """A source tree with neither ``pyproject.toml`` nor ``setup.py``."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"`{path}` does not appear to be a Python project: no `pyproject.toml` or `setup.py`"
        )
        self.path = path


class InvalidBuildSystemError(BuildError):
    """A ``pyproject.toml`` that is not TOML or whose ``[build-system]`` table is malformed."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Invalid `[build-system]` in `{path}`: {reason}")
        self.path = path
        self.reason = reason


class BuildEnvironmentError(BuildError):
    """The build environment could not be made or filled (the cause says why)."""

    def __init__(self, package: str, what: str) -> None:
        super().__init__(f"Failed to {what} for `{package}`")
        self.package = package
        self.what = what


class BackendUnavailableError(BuildError):
    """The backend named in ``build-backend`` cannot be imported in the build environment."""

    def __init__(
        self, *, package: str, backend: str, isolated: bool, requires: Sequence[str], detail: str
    ) -> None:
        if isolated:
            listed = ", ".join(f"`{r}`" for r in requires) or "nothing"
            hint = (
                f"`build-system.requires` lists {listed}; the package that provides `{backend}` "
                "must be among them"
            )
        else:
            hint = (
                "the build runs without isolation: install the backend's package into the "
                "environment first, or build with isolation"
            )
        # The end of the import traceback says what was missing; the rest is the frontend's.
        tail = "\n".join(detail.strip().splitlines()[-6:])
        super().__init__(
            f"Failed to build `{package}`: build backend `{backend}` cannot be imported"
            + (f"\n\n{tail}" if tail else ""),
            hint=hint,
        )
        self.package = package
        self.backend = backend
        self.detail = detail


class MissingBackendHookError(BuildError):
    """The backend lacks a mandatory hook (``build_wheel``, or ``build_editable`` for ``-e``)."""

    def __init__(self, *, package: str, backend: str, hook: str) -> None:
        hint = (
            "the backend does not support editable installs (PEP 660): install without `-e`"
            if hook == "build_editable"
            else None
        )
        super().__init__(
            f"Failed to build `{package}`: build backend `{backend}` has no `{hook}` hook",
            hint=hint,
        )
        self.package = package
        self.backend = backend
        self.hook = hook


class InvalidBackendResultError(BuildError):
    """A hook returned a name that is not what it made."""

    def __init__(self, *, package: str, backend: str, hook: str, result: object) -> None:
        super().__init__(
            f"Failed to build `{package}`: `{backend}.{hook}` returned `{result}`, "
            "which is not a file it made"
        )
        self.package = package
        self.backend = backend
        self.hook = hook
        self.result = result


class _HookCallError(SulaError):
    """The innermost cause of a :class:`BackendFailedError`: the hook, its status, its output."""

    def __init__(self, *, call: str, exit_code: int, tail: Sequence[str], total: int,
                 hint: str | None) -> None:
        shown = f" (last {len(tail)} of {total} lines)" if total > len(tail) else ""
        body = "\n".join(tail) if tail else "(no output)"
        super().__init__(
            f"Call to `{call}` failed (exit status: {exit_code})\n\n[output]{shown}\n{body}",
            hint=hint,
        )


class _BackendReturnedError(SulaError):
    def __init__(self) -> None:
        super().__init__("The build backend returned an error")


class BackendFailedError(BuildError):
    """A hook subprocess exited with an error.

    ``hook`` is the PEP 517 hook name, ``exit_code`` its status, ``output_tail`` the last lines
    of its merged stdout and stderr (``total_lines`` of them in all), ``hint`` what to try when the output shows a known cause.
    The message names the package; the chained causes carry the call and the output (what the
    CLI prints under ``Caused by:``, as uv does), and the hint after them.
    """

    TAIL_LINES = 40

    def __init__(
        self,
        *,
        package: str,
        backend: str,
        hook: str,
        exit_code: int,
        output: Sequence[str],
        total_lines: int | None = None,
        hint: str | None = None,
    ) -> None:
        action = "prepare metadata for" if hook.startswith("prepare_metadata") else "build"
        super().__init__(f"Failed to {action} `{package}`")
        self.package = package
        self.backend = backend
        self.hook = hook
        self.exit_code = exit_code
        self.output_tail: tuple[str, ...] = tuple(output[-self.TAIL_LINES :])
        self.build_hint = hint
        inner = _HookCallError(
            call=f"{backend}.{hook}", exit_code=exit_code, tail=self.output_tail,
            total=max(total_lines or 0, len(output)), hint=hint,
        )
        outer = _BackendReturnedError()
        outer.__cause__ = inner
        self.__cause__ = outer


# (pattern, hint template); the first match in the output wins. ``{0}`` is the first group.
_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"AttributeError: .*cython_sources"),
        "`{package}` does not build with Cython 3: try `--build-constraints` with `cython<3`",
    ),
    (
        re.compile(r"(?:fatal error: |')Python\.h'?: No such file|'Python\.h' file not found"),
        "`Python.h` is missing: install the development headers of Python "
        "(`python3-dev` or `python3-devel`, for the Python that builds `{package}`)",
    ),
    (
        re.compile(r"fatal error: ([\w./+-]+\.h\w*): No such file|'([\w./+-]+\.h\w*)' file not found"),
        "`{0}` is missing: install the development headers of the library that provides it "
        "(often a `-dev` or `-devel` package)",
    ),
    (
        # distutils said "command 'gcc' failed: No such file or directory"; setuptools now
        # says "[Errno 2] No such file or directory: 'gcc'" (the compiler's name tells which).
        re.compile(
            r"error: command '([^']+)' failed: No such file or directory"
            r"|error: \[Errno 2\] No such file or directory: "
            r"'((?:[^']*/)?(?:[\w.]+-)*(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+)(?:-[\d.]+)?)'"
        ),
        "the compiler `{0}` was not found: install a C compiler (`gcc` or `clang`) to build "
        "`{package}`",
    ),
    (
        re.compile(r"(?:^|\s)((?:\S*-)?(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+)): (?:command )?not found"),
        "the compiler `{0}` was not found: install a C compiler (`gcc` or `clang`) to build "
        "`{package}`",
    ),
    (
        re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'"),
        "`{package}` imports `{0}` while building but does not declare it in "
        "`build-system.requires`; if it is installed in the target environment, try "
        "`--no-build-isolation-package`",
    ),
)


class HintFinder:
    """Fed the backend's output line by line (so no whole log is kept), it holds the hint of the
    most specific known failure seen (the earliest entry of the table above wins)."""

    __slots__ = ("_best", "package")

    def __init__(self, package: str) -> None:
        self.package = package
        self._best: tuple[int, str] | None = None

    def feed(self, line: str) -> None:
        limit = len(_HINTS) if self._best is None else self._best[0]
        for rank in range(limit):
            pattern, template = _HINTS[rank]
            m = pattern.search(line)
            if m:
                group = next((g for g in m.groups() if g), "")
                self._best = (rank, template.format(group, package=self.package))
                return

    @property
    def hint(self) -> str | None:
        return self._best[1] if self._best else None


def find_hint(lines: Iterable[str], package: str) -> str | None:
    """The hint for the known failure that these lines of backend output show, or None."""
    finder = HintFinder(package)
    for line in lines:
        finder.feed(line)
    return finder.hint
