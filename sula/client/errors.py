"""The index client's errors; every URL in a message is redacted."""

from __future__ import annotations

from sula.distribution.index import redact_url
from sula.errors import SulaError

__all__ = [
    "ClientError",
    "HashMismatchError",
    "HttpStatusError",
    "InvalidIndexPageError",
    "MetadataError",
    "NetworkError",
    "OfflineError",
]


class ClientError(SulaError):
    """Base of the errors raised by ``sula.client``."""


class HttpStatusError(ClientError):
    """The server answered with an error status (after the retries, for 5xx)."""

    def __init__(self, url: str, status: int, reason: str | None = None) -> None:
        self.url = redact_url(url)
        self.status = status
        self.reason = reason
        text = f"{status} {reason}" if reason else str(status)
        super().__init__(f"Request to `{self.url}` failed with HTTP status {text}")


class NetworkError(ClientError):
    """The request could not be completed: connection failure, TLS failure, timeout, reset."""

    def __init__(self, url: str, what: str = "Failed to fetch", attempts: int = 1) -> None:
        self.url = redact_url(url)
        self.attempts = attempts
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{what} `{self.url}`{tries}")


class OfflineError(ClientError):
    """``--offline`` is set and what is needed is not in the cache."""

    def __init__(self, what: str, url: str | None = None) -> None:
        self.what = what
        self.url = redact_url(url) if url else None
        where = f" (`{self.url}`)" if self.url else ""
        from sula.errors import option

        super().__init__(
            f"Network access is disabled ({option('--offline')}), and {what} is not in the cache{where}"
        )


class HashMismatchError(ClientError):
    """Downloaded bytes do not match the hash the index gave for them."""

    def __init__(self, url: str, algorithm: str, expected: str, actual: str) -> None:
        self.url = redact_url(url)
        self.algorithm = algorithm
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"Hash mismatch for `{self.url}`: expected {algorithm}:{expected}, "
            f"got {algorithm}:{actual}"
        )


class InvalidIndexPageError(ClientError):
    """An index or find-links page that cannot be parsed."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = redact_url(url)
        self.reason = reason
        super().__init__(f"Invalid index page `{self.url}`: {reason}")


class MetadataError(ClientError):
    """A wheel's metadata could not be read (no ``*.dist-info/METADATA``, bad zip, bad headers)."""

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f"Failed to read the metadata of `{filename}`: {reason}")
