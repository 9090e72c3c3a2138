"""Errors of the distribution database."""

from __future__ import annotations

from collections.abc import Mapping

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

    @classmethod
    def of(cls, filename: str, allowed: Mapping[str, set[str]], digests: Mapping[str, str]) -> HashMismatchError:
        """The archive matches none of ``allowed`` (every algorithm named, sha256 first):
        the message lists each expected digest and the archive's own of each algorithm."""
        algos = sorted(allowed, key=lambda a: (a != "sha256", a))
        err = cls(filename, algos[0], sorted(allowed[algos[0]]), digests.get(algos[0], "?"))
        if len(algos) > 1:
            want = ", ".join(f"`{a}:{h}`" for a in algos for h in sorted(allowed[a]))
            got = ", ".join(f"`{a}:{digests.get(a, '?')}`" for a in algos)
            err.message = f"Hash mismatch for `{filename}`: expected {want}, got {got}"
            err.args = (err.message,)
        return err
