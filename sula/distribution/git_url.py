"""Git repository URLs (no I/O): the cache identity, credentials out of messages and files, PEP 610
records and pinned requirement URLs."""

from __future__ import annotations

import re

from sula.distribution.index import redact_url

__all__ = [
    "canonical_repository",
    "direct_url_info",
    "is_full_commit",
    "pinned_url",
    "redact_text",
    "strip_credentials",
]

_FULL_COMMIT = re.compile(r"[0-9a-f]{40}")
_HEX = re.compile(r"[0-9a-f]{4,40}")
# PEP 610 lets the userinfo of a recorded URL be environment variables (``${USER}:${TOKEN}``).
_ENV_USERINFO = re.compile(r"\$\{[A-Za-z0-9-_]+\}(:\$\{[A-Za-z0-9-_]+\})?")
_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>`]+")


def is_full_commit(reference: str | None) -> bool:
    """Whether ``reference`` is a full 40-hex commit id (lowercase, as git prints it)."""
    return reference is not None and _FULL_COMMIT.fullmatch(reference) is not None


def is_hex(reference: str) -> bool:
    """Whether ``reference`` could be an abbreviated commit id (4 to 40 lowercase hex digits)."""
    return _HEX.fullmatch(reference) is not None


def _split_userinfo(url: str) -> tuple[str, str | None, str]:
    """``scheme://user:pw@host/path`` → (``scheme://``, ``user:pw``, ``host/path``)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "", None, url
    netloc, slash, path = rest.partition("/")
    if "@" not in netloc:
        return f"{scheme}://", None, rest
    userinfo, _, host = netloc.rpartition("@")
    return f"{scheme}://", userinfo, f"{host}{slash}{path}"


def canonical_repository(repository: str) -> str:
    """The identity of a repository in the cache: no credentials, lowercase scheme and host, no
    trailing slash. ``https://tok@Host/org/repo/`` and ``https://Host/org/repo`` share one
    bare repository (``cache_key`` of this string)."""
    prefix, _, rest = _split_userinfo(repository.strip())
    if not prefix:
        return rest.rstrip("/") or rest
    host, slash, path = rest.partition("/")
    return f"{prefix.lower()}{host.lower()}{slash}{path}".rstrip("/")


def strip_credentials(repository: str) -> str:
    """The URL to record in files (PEP 610 ``direct_url.json``, ``pip compile`` output): a
    password or token is dropped, a plain user name (``ssh://git@host/…``) and
    ``${VAR}`` placeholders stay, as PEP 610 allows."""
    prefix, userinfo, rest = _split_userinfo(repository)
    if userinfo is None:
        return repository
    if _ENV_USERINFO.fullmatch(userinfo) or userinfo == "git":
        return repository
    return f"{prefix}{rest}"


def redact_text(text: str, repository: str | None = None) -> str:
    """``text`` (git's stderr, say) with every URL's password hidden, and the password or token
    of ``repository`` hidden wherever else it appears (git may print it percent-decoded, or on
    its own)."""
    if "://" in text:
        text = _URL_IN_TEXT.sub(lambda m: redact_url(m[0]), text)
    if repository is not None:
        _, userinfo, _ = _split_userinfo(repository)
        if userinfo:
            from urllib.parse import unquote

            user, colon, password = userinfo.partition(":")
            secret = password if colon else user
            for value in {secret, unquote(secret)}:
                if len(value) >= 3:
                    text = text.replace(value, "****")
    return text


def direct_url_info(
    repository: str, commit: str, *, requested_revision: str | None = None,
    subdirectory: str | None = None,
) -> dict[str, object]:
    """The PEP 610 ``direct_url.json`` content of a distribution installed from git."""
    vcs_info: dict[str, object] = {"vcs": "git", "commit_id": commit}
    if requested_revision is not None:
        vcs_info["requested_revision"] = requested_revision
    info: dict[str, object] = {"url": strip_credentials(repository), "vcs_info": vcs_info}
    if subdirectory:
        info["subdirectory"] = subdirectory
    return info


def pinned_url(repository: str, commit: str, *, subdirectory: str | None = None) -> str:
    """The requirement URL that pins a git source to its commit, as ``pip compile`` writes it:
    ``git+https://host/repo.git@<40 hex>#subdirectory=pkg`` (credentials stripped)."""
    url = f"git+{strip_credentials(repository)}@{commit}"
    if subdirectory:
        url += f"#subdirectory={subdirectory}"
    return url
