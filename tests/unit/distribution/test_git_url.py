"""Git URL helpers: the cache identity, credentials, PEP 610 records and pinned URLs."""

from __future__ import annotations

from sula.distribution.git_url import (
    canonical_repository,
    direct_url_info,
    is_full_commit,
    pinned_url,
    redact_text,
    strip_credentials,
)

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_canonical_repository_drops_credentials_and_case_of_host() -> None:
    assert canonical_repository("https://tok@Git.Example.invalid/Org/Repo.git/") == \
        "https://git.example.invalid/Org/Repo.git"
    assert canonical_repository("HTTPS://u:p@git.example.invalid/r") == "https://git.example.invalid/r"
    assert canonical_repository("file:///srv/repo") == "file:///srv/repo"
    assert canonical_repository("ssh://git@host.invalid:2222/r.git") == "ssh://host.invalid:2222/r.git"


def test_strip_credentials_keeps_what_pep_610_allows() -> None:
    assert strip_credentials("https://user:s3cret@host.invalid/r.git") == "https://host.invalid/r.git"
    assert strip_credentials("https://token@host.invalid/r.git") == "https://host.invalid/r.git"
    assert strip_credentials("ssh://git@host.invalid/r.git") == "ssh://git@host.invalid/r.git"
    assert strip_credentials("https://${USER}:${TOKEN}@host.invalid/r") == \
        "https://${USER}:${TOKEN}@host.invalid/r"
    assert strip_credentials("file:///srv/repo") == "file:///srv/repo"


def test_redact_text_hides_urls_and_the_bare_secret() -> None:
    url = "https://user:s3%23cret@host.invalid/r.git"
    text = "fatal: unable to access 'https://user:s3%23cret@host.invalid/r.git/': s3#cret rejected"
    assert redact_text(text, url) == "fatal: unable to access 'https://user:****@host.invalid/r.git/': **** rejected"


def test_direct_url_and_pinned_url() -> None:
    repo = "https://user:s3cret@host.invalid/r.git"
    assert direct_url_info(repo, COMMIT, requested_revision="v1", subdirectory="pkg") == {
        "url": "https://host.invalid/r.git",
        "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "v1"},
        "subdirectory": "pkg",
    }
    assert direct_url_info("file:///srv/r", COMMIT) == {
        "url": "file:///srv/r", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
    assert pinned_url(repo, COMMIT, subdirectory="pkg") == \
        f"git+https://host.invalid/r.git@{COMMIT}#subdirectory=pkg"
    assert pinned_url("file:///srv/r", COMMIT) == f"git+file:///srv/r@{COMMIT}"


def test_is_full_commit() -> None:
    assert is_full_commit(COMMIT)
    assert not is_full_commit(COMMIT[:12])
    assert not is_full_commit(None)
    assert not is_full_commit("v" * 40)
