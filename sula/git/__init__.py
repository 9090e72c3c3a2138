"""Git sources: a repository URL and a reference into a checkout at a precise commit, with the
user's ``git`` command; bare repositories and checkouts in the cache's ``git-v1`` bucket. The
URL helpers (credentials, PEP 610 records, pinned URLs) are ``sula.distribution.git_url``."""

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

__all__ = [
    "GitCheckout",
    "GitCommandError",
    "GitError",
    "GitFetchError",
    "GitFetcher",
    "GitNotInstalledError",
    "GitOfflineError",
    "GitReferenceNotFoundError",
]
