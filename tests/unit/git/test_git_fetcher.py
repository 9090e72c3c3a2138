"""GitFetcher against real local repositories and the real ``git`` command."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fixtures.gitrepo import GitRepo, make_git_repo

from sula.cache import Cache, CacheBucket, cache_key
from sula.distribution.git_url import canonical_repository
from sula.errors import format_chain
from sula.git import (
    GitCommandError,
    GitError,
    GitFetcher,
    GitFetchError,
    GitNotInstalledError,
    GitOfflineError,
    GitReferenceNotFoundError,
)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """main: initial (tag v1, annotated tag v1a) → second, with pkg-a/ and pkg-b/;
    feature: branches off second with a third commit."""
    repo = make_git_repo(tmp_path / "src", {"version.txt": "1\n"})
    repo.tag("v1")
    repo.tag("v1a", annotated=True)
    repo.commit({"version.txt": "2\n", "pkg-a/pyproject.toml": "a\n", "pkg-b/pyproject.toml": "b\n"})
    repo.switch("feature", create=True)
    repo.commit({"version.txt": "feature\n"})
    repo.switch("main")
    return repo


def checkouts_of(cache: Cache, url: str) -> list[str]:
    root = cache.shard(CacheBucket.GIT, "checkouts", cache_key(canonical_repository(url)))
    return sorted(os.listdir(root)) if root.is_dir() else []


def test_references_resolve_in_one_fetch(cache: Cache, repo: GitRepo) -> None:
    fetcher = GitFetcher(cache)
    first, second, feature = repo.rev("v1"), repo.rev("main"), repo.rev("feature")
    expected = {
        None: second,          # the remote HEAD
        "main": second,
        "feature": feature,
        "v1": first,
        "v1a": first,          # an annotated tag, peeled to its commit
        second[:8]: second,    # a short commit
        first: first,          # a full commit
        "refs/heads/feature": feature,
        "refs/tags/v1": first,
    }
    for reference, commit in expected.items():
        checkout = fetcher.fetch_sync(repo.url, reference)
        assert checkout.commit == commit, reference
        assert checkout.reference == reference
        assert checkout.repository == repo.url
        assert checkout.path == cache.shard(
            CacheBucket.GIT, "checkouts", cache_key(repo.url), commit)
        assert checkout.path.name == commit
    assert (fetcher.fetch_sync(repo.url, "feature").path / "version.txt").read_text() == "feature\n"
    assert (fetcher.fetch_sync(repo.url, "v1").path / "version.txt").read_text() == "1\n"
    # The checkout is a clone at that commit (tags included, for setuptools-scm and friends).
    tree = fetcher.fetch_sync(repo.url, "v1").path
    assert subprocess.run(["git", "-C", str(tree), "describe", "--tags"], capture_output=True,
                          text=True, check=True).stdout.strip() in {"v1", "v1a"}
    assert fetcher.fetch_count == 1
    assert fetcher.fetch_counts == {repo.url: 1}
    assert checkouts_of(cache, repo.url) == sorted({first, second, feature})
    assert os.listdir(cache.temp_root) == []  # no scratch left behind


def test_two_subdirectories_fetch_once(cache: Cache, repo: GitRepo) -> None:
    fetcher = GitFetcher(cache)

    async def both() -> list[Path]:
        checkouts = await asyncio.gather(
            fetcher.fetch(repo.url, "main"), fetcher.fetch(repo.url, "main"),
            fetcher.fetch(repo.url, None), fetcher.fetch(repo.url + "/", "v1"),
        )
        return [checkouts[0].source_tree("pkg-a"), checkouts[1].source_tree("pkg-b"),
                checkouts[2].source_tree(None), checkouts[3].source_tree()]

    a, b, head, tagged = asyncio.run(both())
    assert (a / "pyproject.toml").read_text() == "a\n"
    assert (b / "pyproject.toml").read_text() == "b\n"
    assert a.parent == b.parent == head
    assert (tagged / "version.txt").read_text() == "1\n"
    assert fetcher.fetch_count == 1
    # Another spelling of the same repository (credentials, trailing slash) shares the fetch
    # and the checkout, and keeps its own spelling.
    other = fetcher.fetch_sync("file://user@" + repo.url.removeprefix("file://") + "/", "main")
    assert other.repository.startswith("file://user@") and other.path == a.parent
    assert len(checkouts_of(cache, repo.url)) == 2


def test_subdirectory_must_exist_inside(cache: Cache, repo: GitRepo) -> None:
    checkout = GitFetcher(cache).fetch_sync(repo.url, "main")
    with pytest.raises(GitError, match=r"^Subdirectory `pkg-c` not found in `file://.*` at `[0-9a-f]{40}`$"):
        checkout.source_tree("pkg-c")
    with pytest.raises(GitError, match=r"^Subdirectory `\.\./\.\.` is outside the repository"):
        checkout.source_tree("../..")


_WORKER = textwrap.dedent("""
    import sys
    from sula.cache import Cache
    from sula.git import GitFetcher

    fetcher = GitFetcher(Cache(sys.argv[1]).init())
    checkout = fetcher.fetch_sync(sys.argv[2], "main")
    print(checkout.commit, checkout.path, fetcher.fetch_count)
""")


def test_concurrent_processes_share_one_checkout(cache: Cache, repo: GitRepo) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(cache.root), repo.url],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    lines = {out.split()[0] + " " + out.split()[1] for out, _ in results}
    assert lines == {f"{repo.rev('main')} {cache.shard(CacheBucket.GIT, 'checkouts', cache_key(repo.url), repo.rev('main'))}"}
    assert checkouts_of(cache, repo.url) == [repo.rev("main")]
    assert os.listdir(cache.temp_root) == []


def test_offline_reuses_known_commits(cache: Cache, repo: GitRepo) -> None:
    url, main, v1 = repo.url, repo.rev("main"), repo.rev("v1")
    online = GitFetcher(cache)
    online.fetch_sync(url, main)
    assert online.fetch_count == 1
    shutil.rmtree(repo.path)

    offline = GitFetcher(cache, offline=True)
    assert offline.fetch_sync(url, main).commit == main  # checked out already: no git at all
    assert offline.fetch_sync(url, "main").commit == main  # a branch, from what the db knows
    # A commit the db has but that was never checked out: made from the db, no network.
    checkout = offline.fetch_sync(url, "v1")
    assert checkout.commit == v1 and (checkout.path / "version.txt").read_text() == "1\n"
    shutil.rmtree(cache.shard(CacheBucket.GIT, "checkouts"))
    assert (offline.fetch_sync(url, main).path / "version.txt").read_text() == "2\n"
    assert offline.fetch_count == 0
    # Online, a full commit already in the db needs no network either (the source is gone).
    assert GitFetcher(cache).fetch_sync(url, v1).commit == v1


def test_offline_unknown_reference_fails_clearly(cache: Cache, repo: GitRepo) -> None:
    offline = GitFetcher(cache, offline=True)
    with pytest.raises(GitOfflineError) as info:
        offline.fetch_sync(repo.url, "main")  # no db yet
    assert str(info.value).startswith(
        f"Git reference `main` of `{repo.url}` is not in the cache, and resolving it needs the "
        "network (offline mode)")
    GitFetcher(cache).fetch_sync(repo.url, "main")
    with pytest.raises(GitOfflineError, match="Git reference `v9` of `file://"):
        offline.fetch_sync(repo.url, "v9")
    with pytest.raises(GitOfflineError, match=r"^The default branch of"):
        GitFetcher(cache, offline=True).fetch_sync(repo.url + "-other", None)
    assert offline.fetch_count == 0


def test_nonexistent_repository(cache: Cache, tmp_path: Path) -> None:
    url = (tmp_path / "missing").as_uri()
    with pytest.raises(GitFetchError) as info:
        GitFetcher(cache).fetch_sync(url, "main")
    lines = format_chain(info.value)
    assert lines[0] == f"error: Failed to fetch the git repository `{url}`"
    assert lines[1].startswith("  Caused by: `git fetch` failed with exit status 128: ")
    assert "does not appear to be a git repository" in lines[1]
    assert isinstance(info.value.__cause__, GitCommandError)


def test_nonexistent_reference(cache: Cache, repo: GitRepo) -> None:
    fetcher = GitFetcher(cache)
    with pytest.raises(GitReferenceNotFoundError) as info:
        fetcher.fetch_sync(repo.url, "v9")
    assert str(info.value) == f"Git reference `v9` not found in `{repo.url}`"
    missing = "0123456789abcdef0123456789abcdef01234567"
    with pytest.raises(GitReferenceNotFoundError, match=f"^Git reference `{missing}` not found"):
        fetcher.fetch_sync(repo.url, missing)
    with pytest.raises(GitReferenceNotFoundError, match=r"^Git reference `--upload-pack=x` not found"):
        fetcher.fetch_sync(repo.url, "--upload-pack=x")
    # One fetch of everything, one more asking for the unknown commit by id.
    assert fetcher.fetch_count == 2


def test_credentials_are_redacted(cache: Cache) -> None:
    url = "https://user:s3cret@127.0.0.1:9/repo.git"
    with pytest.raises(GitFetchError) as info:
        GitFetcher(cache).fetch_sync(url, "main")
    text = "\n".join(format_chain(info.value))
    assert "s3cret" not in text
    assert text.startswith("error: Failed to fetch the git repository `https://user:****@127.0.0.1:9/repo.git`")
    assert "Caused by: `git fetch` failed" in text
    assert info.value.repository == "https://user:****@127.0.0.1:9/repo.git"
    # The cache identity of the repository has no credentials in it, and a repository that
    # could not be fetched leaves no bare repository behind (only its lock file).
    assert os.listdir(cache.shard(CacheBucket.GIT, "db")) == [
        f"{cache_key('https://127.0.0.1:9/repo.git')}.lock"]
    assert os.listdir(cache.temp_root) == []


def test_git_not_installed(cache: Cache, repo: GitRepo, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GitNotInstalledError) as info:
        GitFetcher(cache).fetch_sync(repo.url, "main")
    assert str(info.value).startswith(
        f"Git is required for `{repo.url}`, but the `git` command was not found")


def test_new_run_sees_a_moved_branch(cache: Cache, repo: GitRepo) -> None:
    old = repo.rev("main")
    first = GitFetcher(cache)
    assert first.fetch_sync(repo.url, "main").commit == old
    new = repo.commit({"version.txt": "3\n"})
    assert first.fetch_sync(repo.url, "main").commit == old  # one run, one answer
    second = GitFetcher(cache)
    checkout = second.fetch_sync(repo.url, "main")
    assert checkout.commit == new and (checkout.path / "version.txt").read_text() == "3\n"
    assert second.fetch_count == 1
    third = GitFetcher(cache)
    assert third.fetch_sync(repo.url, old).commit == old
    assert third.fetch_sync(repo.url, new).commit == new
    assert third.fetch_count == 0
    assert first.fetch_count == 1


def test_remote_head_on_an_unborn_branch(cache: Cache, repo: GitRepo) -> None:
    repo.git("symbolic-ref", "HEAD", "refs/heads/nothing-here")
    fetcher = GitFetcher(cache)
    assert fetcher.fetch_sync(repo.url, "v1").commit == repo.rev("v1")
    with pytest.raises(GitReferenceNotFoundError, match=r"^Git reference `HEAD` not found in `file://"):
        fetcher.fetch_sync(repo.url, None)
    assert fetcher.fetch_count == 2  # the fetch with HEAD failed, the one without it worked


def test_cache_clean_and_prune_with_git_entries(cache: Cache, repo: GitRepo) -> None:
    from sula.cache.clean import clean_all, clean_package, plan_prune

    checkout = GitFetcher(cache).fetch_sync(repo.url, "main")
    assert clean_package(cache, "src").is_empty  # git entries are not package shards
    bucket = cache.bucket(CacheBucket.GIT)
    planned = [c.path for c in plan_prune(cache, min_age=0)]
    assert all(p.suffix == ".lock" for p in planned if bucket in p.parents), planned
    assert checkout.path.is_dir()
    removed = clean_all(cache)  # read-only pack files included
    assert removed.num_files > 10 and not bucket.exists()


def test_submodules_are_checked_out(cache: Cache, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # git refuses file:// submodules unless told (CVE-2022-39253); the test says so through
    # the environment, as a user's configuration would.
    for name, value in {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "protocol.file.allow",
                        "GIT_CONFIG_VALUE_0": "always"}.items():
        monkeypatch.setenv(name, value)
    make_git_repo(tmp_path / "lib", {"lib.txt": "from the submodule\n"})
    top = make_git_repo(tmp_path / "top", {"top.txt": "top\n"})
    top.git("submodule", "--quiet", "add", "../lib", "vendor/lib")  # a relative URL
    top.commit({}, "add the submodule")
    checkout = GitFetcher(cache).fetch_sync(top.url, "main")
    assert (checkout.path / "vendor" / "lib" / "lib.txt").read_text() == "from the submodule\n"
    shutil.rmtree(checkout.path)
    with pytest.raises(GitError, match=r"^Fetching the submodules of `file://.*` needs the network"):
        GitFetcher(cache, offline=True).fetch_sync(top.url, "main")
