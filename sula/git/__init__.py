"""Git sources: a repository URL and a reference into a checkout at a precise commit, with the
user's ``git`` command; bare repositories and checkouts in the cache's ``git-v1`` bucket."""

from __future__ import annotations

from sula.git.errors import (
    GitCommandError,
    GitError,
    GitFetchError,
    GitNotInstalledError,
    GitOfflineError,
    GitReferenceNotFoundError,
)
from sula.git.source import GitCheckout, GitFetcher
from sula.git.url import (
    canonical_repository,
    direct_url_info,
    is_full_commit,
    pinned_url,
    redact_text,
    strip_credentials,
)

__all__ = [
    "GitCheckout",
    "GitCommandError",
    "GitError",
    "GitFetchError",
    "GitFetcher",
    "GitNotInstalledError",
    "GitOfflineError",
    "GitReferenceNotFoundError",
    "canonical_repository",
    "direct_url_info",
    "is_full_commit",
    "pinned_url",
    "redact_text",
    "strip_credentials",
]
