"""Errors of the distribution database."""

from __future__ import annotations

from sula.errors import SulaError

__all__ = ["DistributionError", "HashMismatchError", "InvalidArchiveError"]


class DistributionError(SulaError):
    """A distribution could not be fetched or unpacked into the cache."""


class InvalidArchiveError(DistributionError):
    """A wheel archive is corrupt, unsafe, or disagrees with its own RECORD."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"Invalid wheel `{filename}`: {reason}")
        self.filename = filename
        self.reason = reason


class HashMismatchError(DistributionError):
    """An archive's digest is none of the expected ones."""

    def __init__(self, filename: str, algorithm: str, expected: list[str], actual: str) -> None:
        want = ", ".join(f"`{algorithm}:{h}`" for h in expected)
        super().__init__(
            f"Hash mismatch for `{filename}`: expected {want}, got `{algorithm}:{actual}`"
        )
        self.filename = filename
        self.algorithm = algorithm
        self.expected = expected
        self.actual = actual
