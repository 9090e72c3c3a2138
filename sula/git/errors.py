"""The git source's errors; every repository URL in a message has its credentials hidden."""

from __future__ import annotations

from sula.distribution.index import redact_url
from sula.errors import SulaError, option

__all__ = [
    "GitCommandError",
    "GitError",
    "GitFetchError",
    "GitNotInstalledError",
    "GitOfflineError",
    "GitReferenceNotFoundError",
]


_DIAGNOSES = ("fatal: ", "error: ")


class GitError(SulaError):
    """Base of the git source's errors. ``repository`` is the URL with its password redacted."""

    def __init__(self, message: str, repository: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.repository = redact_url(repository)


class GitNotInstalledError(GitError):
    """A git requirement needs the ``git`` command, and it is not on ``PATH``."""

    def __init__(self, repository: str) -> None:
        super().__init__(
            f"Git is required for `{redact_url(repository)}`, but the `git` command was not found",
            repository, hint="install git, or put it on PATH",
        )


class GitFetchError(GitError):
    """The repository could not be fetched (it does not exist, the host is unreachable, access
    was refused); the cause is a :class:`GitCommandError` with git's own words."""

    def __init__(self, repository: str) -> None:
        super().__init__(f"Failed to fetch the git repository `{redact_url(repository)}`", repository)


class GitReferenceNotFoundError(GitError):
    """A branch, tag or commit that the repository does not have."""

    def __init__(self, repository: str, reference: str) -> None:
        super().__init__(
            f"Git reference `{reference}` not found in `{redact_url(repository)}`", repository,
        )
        self.reference = reference


class GitOfflineError(GitError):
    """Offline, and the cache does not know the reference yet."""

    def __init__(self, repository: str, reference: str | None) -> None:
        what = f"Git reference `{reference}`" if reference is not None else "The default branch"
        super().__init__(
            f"{what} of `{redact_url(repository)}` is not in the cache, and resolving it "
            "needs the network (offline mode)", repository,
            hint=f"run once without {option('--offline')}, or pin the requirement to a full "
                 "commit that is already cached",
        )
        self.reference = reference


class GitCommandError(GitError):
    """A ``git`` command failed: its subcommand, exit status and the tail of its stderr
    (credentials redacted). Used as the cause of the errors above, or on its own for failures
    of local commands (a checkout that could not be written)."""

    def __init__(self, repository: str, command: str, returncode: int, stderr: str) -> None:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        # git's diagnosis ends with its last ``fatal:``/``error:`` line; advice follows it.
        last = max((i for i, line in enumerate(lines) if line.startswith(_DIAGNOSES)), default=-1)
        lines = lines[: last + 1] if last >= 0 else lines
        tail = "; ".join(line.split(": ", 1)[1] if line.startswith(_DIAGNOSES) else line
                         for line in lines[-3:])
        message = f"`git {command}` failed with exit status {returncode}"
        super().__init__(f"{message}: {tail}" if tail else message, repository)
        self.command = command
        self.returncode = returncode
        self.stderr = stderr
