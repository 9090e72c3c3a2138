"""Errors of the requirements layer; parse errors point at the file, the line and the span."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sula.errors import SulaError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "IncludeCycleError",
    "InputError",
    "RequirementSyntaxError",
    "RequirementsError",
    "RequirementsFileError",
    "RequirementsParseError",
    "UndefinedNameError",
    "UnknownExtraError",
]


class RequirementsError(SulaError):
    """Base of every error about requirement inputs."""


class RequirementSyntaxError(RequirementsError):
    """Why a piece of text is not a valid requirement, URL or marker (the cause of a parse error)."""


def render_context(line: str, span: tuple[int, int]) -> list[str]:
    """The offending line and a caret line under ``span``, both indented by two spaces.

    Tabs become spaces so that the carets stay aligned in a terminal.
    """
    start, end = span
    start = max(0, min(start, len(line)))
    width = max(1, end - start)
    shown = line.replace("\t", " ")
    return [f"  {shown}", "  " + " " * start + "^" * width]


class RequirementsParseError(RequirementsError):
    """A line of a requirements file (or a command-line argument) that sula cannot use.

    ``headline`` says what failed, ``name`` and ``line_number`` say where (``name`` is None
    for a command-line argument), ``line`` and ``span`` (start, end offsets in ``line``)
    drive the caret under the bad part.
    """

    def __init__(
        self,
        headline: str,
        *,
        name: str | None,
        line_number: int | None,
        line: str,
        span: tuple[int, int],
    ) -> None:
        super().__init__(headline)
        self.headline = headline
        self.name = name
        self.line_number = line_number
        self.line = line
        self.span = span

    def __str__(self) -> str:
        first = self.headline
        if self.name is not None:
            first += f" in `{self.name}`"
            if self.line_number is not None:
                first += f" at line {self.line_number}"
        return "\n".join([first, *render_context(self.line, self.span)])


class IncludeCycleError(RequirementsParseError):
    """A ``-r``/``-c`` include that leads back to a file being parsed."""

    def __init__(
        self,
        chain: list[str],
        *,
        name: str | None,
        line_number: int | None,
        line: str,
        span: tuple[int, int],
    ) -> None:
        arrows = " → ".join(f"`{item}`" for item in chain)
        super().__init__(
            f"Circular include {arrows}",
            name=name,
            line_number=line_number,
            line=line,
            span=span,
        )
        self.chain = chain


class InputError(RequirementsError):
    """An input file that is wrong as a whole: ``template`` says how (``{path}``, ``{reason}``)."""

    template = "Invalid `{path}`: {reason}"

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(self.template.format(path=path, reason=reason))
        self.path = path
        self.reason = reason


class RequirementsFileError(InputError):
    """A requirements input that cannot be read (missing, a directory, not text)."""

    template = "Failed to read requirements file `{path}`: {reason}"


class UndefinedNameError(RequirementsError):
    """A requested name (``what``: extra, dependency group) that the file does not define."""

    what = "name"

    def __init__(self, path: Path | str, name: str, known: list[str]) -> None:
        listed = ", ".join(f"`{e}`" for e in known) or "none"
        super().__init__(
            f"Requested {self.what} `{name}` is not defined in `{path}` (defined: {listed})"
        )
        self.path = path
        self.name = name
        self.known = known


class UnknownExtraError(UndefinedNameError):
    """An ``--extra`` that the project does not define."""

    what = "extra"

    @property
    def extra(self) -> str:
        return self.name
