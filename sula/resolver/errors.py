"""Errors of the resolver: no solution (with the derivation and hints), unsupported sources."""

from __future__ import annotations

from sula.errors import ResolveError, SourceBuildRequiredError

__all__ = [
    "ResolveError",
    "SourceBuildRequiredError",
    "UnnamedRequirementError",
]


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
