"""Errors of the resolver: no solution (with the derivation and hints), unsupported sources."""

from __future__ import annotations

from sula.errors import SulaError

__all__ = [
    "ResolveError",
    "SourceBuildRequiredError",
    "UnnamedRequirementError",
    "UnsatisfiableError",
]


class ResolveError(SulaError):
    """Base of the resolver's errors."""


class UnsatisfiableError(ResolveError):
    """No set of versions satisfies the requirements; the message is the derivation, then hints."""

    def __init__(self, report: str, hints: list[str]) -> None:
        super().__init__(report)
        self.report = report
        self.hints = hints

    def __str__(self) -> str:
        lines = ["No solution found when resolving dependencies:"]
        lines.extend(f"  {line}" if line else "" for line in self.report.splitlines())
        for hint in self.hints:
            lines.append("")
            first, *rest = hint.splitlines()
            lines.append(f"  hint: {first}")
            lines.extend(f"  {line}" for line in rest)
        return "\n".join(lines)


class SourceBuildRequiredError(ResolveError):
    """A requirement that can only be used by building it from source (not supported yet)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what

    def __str__(self) -> str:
        return f"`{self.what}` requires building from source, which is not supported yet"


class UnnamedRequirementError(ResolveError):
    """A URL or path requirement whose name only a build could tell."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url

    def __str__(self) -> str:
        return (
            f"`{self.url}` requires building from source to learn its name, which is not "
            f"supported yet; write it as `NAME @ {self.url}`"
        )
