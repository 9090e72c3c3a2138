"""A git repository and a reference into a checkout at a precise commit, with the user's `git`.

Cache layout (``<git>`` is the ``git-v1`` bucket, ``<key>`` is ``cache_key`` of the repository
URL without credentials, see :func:`sula.distribution.git_url.canonical_repository`)::

    <git>/db/<key>/                   bare repository: every branch (refs/remotes/origin/*), tag,
                                      the remote HEAD, and refs/sula/commits/<commit> for each
                                      commit checked out (kept reachable: checkouts borrow its
                                      objects)
    <git>/db/<key>.lock               the repository's lock, shared by every sula process
    <git>/checkouts/<key>/<commit>/   work tree of that commit, with a .git whose objects are the
                                      db's (``clone --shared``: setuptools-scm and the like can
                                      read the history and tags), submodules checked out

A checkout is cloned in ``<root>/.tmp/`` and renamed into place, so a reader sees a whole
checkout or none; the db is only fetched into and created under the lock.

Network use: a fetcher fetches a repository at most once (all branches, tags and HEAD in one
``git fetch``), whatever references and subdirectories are asked of it; a second fetch happens
only for a full commit that no branch or tag reaches. A full commit already in the db, or
already checked out, needs no network at all; offline, branches and tags resolve from the db.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import weakref
from pathlib import Path

from sula._fs import lock, persist_dir, temp_dir_in
from sula._log import getLogger
from sula._once import OnceMap
from sula._record import dataclass, replace
from sula.cache.core import Cache, CacheBucket, cache_key
from sula.distribution.git_url import (
    canonical_repository,
    is_full_commit,
    is_hex,
    redact_text,
    strip_credentials,
)
from sula.distribution.index import redact_url
from sula.git.errors import (
    GitCommandError,
    GitError,
    GitFetchError,
    GitNotInstalledError,
    GitOfflineError,
    GitReferenceNotFoundError,
)

__all__ = ["GitCheckout", "GitFetcher"]

_log = getLogger(__name__)

# Variables that point git at another repository or index than the one named on the command
# line (set when sula runs from a git hook, say); the user's configuration stays.
_REPOSITORY_VARS = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX",
    "GIT_CEILING_DIRECTORIES",
)
_REFSPECS = ("+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
_HEAD_REFSPEC = "+HEAD:refs/remotes/origin/HEAD"


@dataclass(frozen=True, slots=True, kw_only=True)
class GitCheckout:
    """A work tree of ``repository`` (as given, credentials included) at ``commit`` (40 hex),
    resolved from ``reference`` (``None``: the remote's HEAD). ``path`` is read-only by
    convention: it is shared by every run that wants this commit."""

    repository: str
    reference: str | None
    commit: str
    path: Path

    def source_tree(self, subdirectory: str | None = None) -> Path:
        """The project directory: ``path``, or ``subdirectory`` inside it (``#subdirectory=``),
        which must exist and stay inside the checkout."""
        if not subdirectory:
            return self.path
        tree = (self.path / subdirectory).resolve()
        root = self.path.resolve()
        if tree != root and root not in tree.parents:
            raise GitError(
                f"Subdirectory `{subdirectory}` is outside the repository "
                f"`{redact_url(self.repository)}`", self.repository,
            )
        if not tree.is_dir():
            raise GitError(
                f"Subdirectory `{subdirectory}` not found in `{redact_url(self.repository)}` "
                f"at `{self.commit}`", self.repository,
            )
        return tree


class GitFetcher:
    """Fetches git repositories into the cache and checks commits out; one per run.

    Thread-safe (one lock per repository in this process, a file lock between processes).
    ``fetch_counts`` counts the network fetches of each repository (canonical URL) in this run.
    """

    def __init__(self, cache: Cache, *, offline: bool = False) -> None:
        self.cache = cache
        self.offline = offline
        self.fetch_counts: dict[str, int] = {}
        self._fetched: set[str] = set()  # repository keys fetched in this run
        self._memo: dict[tuple[str, str | None], GitCheckout] = {}
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._local = threading.local()  # .stop: the _Stop of the fetch this thread runs
        # Per event loop (build environments run on loops of their own): one flight per
        # repository and reference, and one worker thread per repository at a time, so that
        # callers queued behind a fetch wait on the loop, not in the thread pool.
        self._once: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, OnceMap[tuple[str, str | None], GitCheckout]
        ] = weakref.WeakKeyDictionary()
        self._async_locks: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, asyncio.Lock]
        ] = weakref.WeakKeyDictionary()

    @property
    def fetch_count(self) -> int:
        """Network fetches in this run, all repositories together."""
        return sum(self.fetch_counts.values())

    async def fetch(self, repository: str, reference: str | None = None) -> GitCheckout:
        """Resolve ``reference`` of ``repository`` to a commit and check it out (in a worker
        thread); concurrent callers for the same repository and reference share one flight."""
        loop = asyncio.get_running_loop()
        key = cache_key(canonical_repository(repository))
        with self._guard:
            once = self._once.setdefault(loop, OnceMap())
            repo_lock = self._async_locks.setdefault(loop, {}).setdefault(key, asyncio.Lock())

        async def run(_: tuple[str, str | None]) -> GitCheckout:
            async with repo_lock:
                stop = _Stop()
                try:
                    return await asyncio.to_thread(self._fetch_stoppable, stop, repository, reference)
                except asyncio.CancelledError:
                    # Interrupted (Ctrl-C): stop git, and start no more git for this fetch, or
                    # the process would wait for the worker thread before it can exit. Its
                    # work is in scratch directories.
                    stop.stop()
                    raise

        found = await once.run((key, reference), run)
        return found if found.repository == repository else replace(found, repository=repository)

    def _fetch_stoppable(self, stop: _Stop, repository: str, reference: str | None) -> GitCheckout:
        self._local.stop = stop
        try:
            return self.fetch_sync(repository, reference)
        finally:
            self._local.stop = None

    def fetch_sync(self, repository: str, reference: str | None = None) -> GitCheckout:
        """:meth:`fetch`, blocking."""
        canonical = canonical_repository(repository)
        key = cache_key(canonical)
        with self._guard:
            repo_lock = self._locks.setdefault(key, threading.Lock())
        with repo_lock:
            found = self._memo.get((key, reference))
            if found is None or not found.path.is_dir():  # (gone: a clean between two calls)
                found = self._checkout(repository, canonical, key, reference)
                self._memo[(key, reference)] = found
        # The same repository may be spelled with other credentials or a trailing slash.
        return found if found.repository == repository else replace(found, repository=repository)

    # ------------------------------------------------------------------------- internals

    def _checkout(
        self, repository: str, canonical: str, key: str, reference: str | None,
    ) -> GitCheckout:
        if reference is not None and (not reference or reference.startswith("-")):
            raise GitReferenceNotFoundError(repository, reference)
        checkouts = self.cache.shard(CacheBucket.GIT, "checkouts", key)
        if is_full_commit(reference):
            assert reference is not None
            if (checkouts / reference).is_dir():  # nothing to ask git, or the network
                return GitCheckout(repository=repository, reference=reference, commit=reference,
                                   path=checkouts / reference)
        db = self.cache.shard(CacheBucket.GIT, "db", key)
        with lock(self.cache.shard(CacheBucket.GIT, "db", f"{key}.lock")):
            commit = self._resolve(repository, canonical, key, db, reference)
            path = checkouts / commit
            if not path.is_dir():
                self._make_checkout(repository, db, commit, path)
        return GitCheckout(repository=repository, reference=reference, commit=commit, path=path)

    def _resolve(
        self, repository: str, canonical: str, key: str, db: Path, reference: str | None,
    ) -> str:
        """The commit ``reference`` names, fetching when the db may not know it (held: the lock)."""
        exists = (db / "HEAD").is_file()
        if exists and (self.offline or key in self._fetched or is_full_commit(reference)):
            commit = self._lookup(repository, db, reference)
            if commit is not None:
                return commit
        if self.offline:
            raise GitOfflineError(repository, reference)
        if key not in self._fetched:
            if exists:
                self._fetch(repository, canonical, key, db)
            else:
                self._fetch_new_db(repository, canonical, key, db)
            commit = self._lookup(repository, db, reference)
            if commit is not None:
                return commit
        if is_full_commit(reference):
            # Not on any branch or tag (an old or force-pushed commit): ask for it by id.
            assert reference is not None
            try:
                self._fetch_commit(repository, canonical, db, reference)
            except GitFetchError as err:
                raise GitReferenceNotFoundError(repository, reference) from err.__cause__
            commit = self._lookup(repository, db, reference)
            if commit is not None:
                return commit
        raise GitReferenceNotFoundError(repository, reference or "HEAD")

    def _lookup(self, repository: str, db: Path, reference: str | None) -> str | None:
        """The commit of ``reference`` in the db (a branch, then a tag, then a commit id)."""
        if reference is None:
            candidates = ["refs/remotes/origin/HEAD"]
        elif is_full_commit(reference):
            candidates = [reference]
        elif reference.startswith("refs/heads/"):
            candidates = [f"refs/remotes/origin/{reference.removeprefix('refs/heads/')}"]
        elif reference.startswith("refs/"):
            candidates = [reference]
        else:
            candidates = [f"refs/remotes/origin/{reference}", f"refs/tags/{reference}"]
            if is_hex(reference):
                candidates.append(reference)
        for name in candidates:
            out = self._git(repository, ["rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"],
                            git_dir=db, check=False)
            if out.returncode == 0 and is_full_commit(commit := out.stdout.strip()):
                return commit
        return None

    def _fetch_new_db(self, repository: str, canonical: str, key: str, db: Path) -> None:
        """The first fetch of a repository, into a new bare repository that is renamed into
        place once it worked (a repository that cannot be fetched leaves nothing behind)."""
        with temp_dir_in(self.cache.temp_root, prefix="git-db-") as tmp:
            self._git(repository, ["init", "--bare", "--quiet", str(tmp / "db")])
            self._fetch(repository, canonical, key, tmp / "db")
            persist_dir(tmp / "db", db)

    def _fetch(self, repository: str, canonical: str, key: str, db: Path) -> None:
        """Every branch and tag and the remote HEAD, in one fetch."""
        try:
            self._network_fetch(repository, canonical, db, [*_REFSPECS, _HEAD_REFSPEC])
        except GitFetchError as err:
            # A remote HEAD naming a branch that does not exist fails the whole fetch; without
            # HEAD, branches and tags still resolve.
            cause = err.__cause__
            if not (isinstance(cause, GitCommandError) and "remote ref HEAD" in cause.stderr):
                raise
            self._network_fetch(repository, canonical, db, list(_REFSPECS))
        self._fetched.add(key)

    def _fetch_commit(self, repository: str, canonical: str, db: Path, commit: str) -> None:
        self._network_fetch(repository, canonical, db, [f"+{commit}:refs/sula/commits/{commit}"])

    def _network_fetch(
        self, repository: str, canonical: str, db: Path, refspecs: list[str],
    ) -> None:
        self.fetch_counts[canonical] = self.fetch_counts.get(canonical, 0) + 1
        _log.debug("fetching %s (%s)", redact_url(repository), " ".join(refspecs))
        try:
            self._git(repository, ["fetch", "--force", "--prune", "--no-tags", "--quiet",
                                   "--", repository, *refspecs], git_dir=db)
        except GitCommandError as err:
            raise GitFetchError(repository) from err

    def _make_checkout(self, repository: str, db: Path, commit: str, path: Path) -> None:
        """Clone ``commit`` from the db into a temporary dir and rename it to ``path``."""
        # Keep the commit reachable in the db: the checkout borrows its objects.
        self._git(repository, ["update-ref", f"refs/sula/commits/{commit}", commit], git_dir=db)
        with temp_dir_in(self.cache.temp_root, prefix="git-checkout-") as tmp:
            work = tmp / commit
            self._git(repository, ["clone", "--shared", "--no-checkout", "--quiet", "--",
                                   str(db), str(work)])
            self._git(repository, ["-C", str(work), "checkout", "--quiet", "--detach", commit])
            if (work / ".gitmodules").is_file():
                self._update_submodules(repository, work, commit)
            persist_dir(work, path)

    def _update_submodules(self, repository: str, work: Path, commit: str) -> None:
        """Check the submodules out, as pip does (they are other repositories: not counted)."""
        what = f"the submodules of `{redact_url(repository)}` at `{commit}`"
        if self.offline:
            raise GitError(f"Fetching {what} needs the network (offline mode)", repository)
        # Relative submodule URLs (``../lib.git``) are relative to the repository's own URL,
        # not to the db the checkout was cloned from.
        self._git(repository, ["-C", str(work), "remote", "set-url", "origin",
                               strip_credentials(repository)])
        try:
            self._git(repository, ["-C", str(work), "submodule", "update", "--init",
                                   "--recursive", "--quiet"])
        except GitCommandError as err:
            raise GitError(f"Failed to fetch {what}", repository) from err

    def _git(
        self, repository: str, args: list[str], *, git_dir: Path | None = None, check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``git`` with the user's configuration, never prompting; failures become
        :class:`GitCommandError` (with the subcommand only: the arguments hold the URL)."""
        env = dict(os.environ)
        for name in _REPOSITORY_VARS:
            env.pop(name, None)
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["LC_ALL"] = "C"  # git's messages in the language of sula's
        command = ["git", *(["--git-dir", str(git_dir)] if git_dir is not None else []), *args]
        stop: _Stop | None = getattr(self._local, "stop", None)
        try:
            proc = (stop or _Stop()).start(command, env)
            try:
                stdout, stderr = proc.communicate()
            finally:
                if stop is not None:
                    stop.done(proc)
            out = subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)
        except _Stopped:
            raise GitCommandError(repository, _subcommand(args), -1, "interrupted") from None
        except FileNotFoundError:
            raise GitNotInstalledError(repository) from None
        except OSError as err:
            raise GitCommandError(repository, _subcommand(args), -1, str(err)) from None
        if check and out.returncode != 0:
            raise GitCommandError(repository, _subcommand(args), out.returncode,
                                  redact_text(out.stderr, repository))
        return out


def _subcommand(args: list[str]) -> str:
    return args[2] if args[:1] == ["-C"] else args[0]


class _Stopped(Exception):
    """A git command was not started: its fetch was stopped."""


class _Stop:
    """The git commands of one fetch: :meth:`stop` kills those running and refuses new ones.

    The check and the start are under one lock, so a command started while the fetch is
    being stopped is either refused or killed, never left running.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._stopped = False

    def start(self, command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
        with self._lock:
            if self._stopped:
                raise _Stopped
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    errors="replace", env=env, stdin=subprocess.DEVNULL)
            self._running.add(proc)
            return proc

    def done(self, proc: subprocess.Popen[str]) -> None:
        with self._lock:
            self._running.discard(proc)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for proc in self._running:
                if proc.poll() is None:
                    proc.kill()
