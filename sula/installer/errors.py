"""Errors raised while installing or uninstalling distributions."""

from __future__ import annotations

from pathlib import Path

from sula.errors import SourceBuildRequiredError, SulaError

__all__ = [
    "InstallError",
    "InvalidWheelError",
    "MissingHashError",
    "NoMatchingDistributionError",
    "SourceBuildRequiredError",
    "UninstallError",
    "UnpinnedRequirementError",
    "UnsafePathError",
]


class InstallError(SulaError):
    """Base of the installer's errors."""


class InvalidWheelError(InstallError):
    """An unpacked wheel is missing its `.dist-info` or has unreadable metadata."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Invalid wheel at `{path}`: {reason}")
        self.path = path
        self.reason = reason


class UnsafePathError(InstallError):
    """A RECORD or archive entry points outside the directory it belongs to."""

    def __init__(self, entry: str, root: Path) -> None:
        super().__init__(f"Refusing to touch `{entry}`: it is outside `{root}`")
        self.entry = entry
        self.root = root


class UninstallError(InstallError):
    """A distribution could not be removed; nothing of it was removed."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"Failed to uninstall `{name}`: {reason}")
        self.name = name
        self.reason = reason


class UnpinnedRequirementError(InstallError):
    """``pip sync`` got a requirement that is not pinned to one version."""

    def __init__(self, requirement: str, origin: str) -> None:
        super().__init__(
            f"`{requirement}` ({origin}) is not pinned to one version with `==`; "
            "`pip sync` installs exactly what the files pin"
        )
        self.requirement = requirement
        self.origin = origin


class MissingHashError(InstallError):
    """Hashes are required but a requirement has none."""

    def __init__(self, requirement: str, origin: str) -> None:
        super().__init__(
            f"`{requirement}` ({origin}) has no `--hash`, but hashes are required"
        )
        self.requirement = requirement
        self.origin = origin


class NoMatchingDistributionError(InstallError):
    """No file of the pinned version fits the target interpreter."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"Cannot install `{what}`: {reason}")
        self.what = what
        self.reason = reason
