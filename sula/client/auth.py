"""Credentials for index hosts: from URL userinfo and ``~/.netrc`` (``NETRC``), reused per host.

Credentials are kept here and attached to each request as a header; URLs stored anywhere else
(cache files, ``File.url``, logs, errors) carry no userinfo.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit, urlunsplit

from sula._log import getLogger
from sula._record import dataclass

__all__ = ["AuthStore", "Credentials", "split_credentials", "strip_credentials"]

_log = getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never show the password, even in a debugger or a log
        return f"Credentials(username={self.username!r}, password='****')"


def _host_key(scheme: str, netloc: str) -> str:
    """``scheme://host:port`` of a netloc without userinfo, lowercased."""
    host = netloc.rpartition("@")[2].lower()
    if scheme == "https" and host.endswith(":443"):
        host = host[:-4]
    elif scheme == "http" and host.endswith(":80"):
        host = host[:-3]
    return f"{scheme.lower()}://{host}"


def split_credentials(url: str) -> tuple[str, Credentials | None]:
    """``https://u:p@host/x`` → (``https://host/x``, Credentials("u", "p"))."""
    if "@" not in url:
        return url, None
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, Credentials(unquote(user), unquote(password))


def strip_credentials(url: str) -> str:
    return split_credentials(url)[0]


class AuthStore:
    """Credentials by ``scheme://host:port``, learned from URLs and looked up in netrc."""

    def __init__(self, *, netrc_path: str | None = None, use_netrc: bool = True) -> None:
        self._by_host: dict[str, Credentials] = {}
        self._netrc_path = netrc_path
        self._use_netrc = use_netrc
        self._netrc: object | None = None
        self._netrc_loaded = False

    def remember(self, url: str) -> str:
        """Store the userinfo of ``url`` for its host; return the URL without it."""
        clean, creds = split_credentials(url)
        if creds is not None:
            parts = urlsplit(clean)
            self._by_host[_host_key(parts.scheme, parts.netloc)] = creds
        return clean

    def display(self, url: str) -> str:
        """``url`` as shown in messages: the user of known credentials, never the password
        (``https://user:****@host/…``)."""
        clean = strip_credentials(url)
        parts = urlsplit(clean)
        creds = self._by_host.get(_host_key(parts.scheme, parts.netloc))
        if creds is None:
            return clean
        from urllib.parse import quote

        user = quote(creds.username, safe="")
        netloc = f"{user}:****@{parts.netloc}" if creds.password else f"{user}@{parts.netloc}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def for_url(self, url: str) -> tuple[str, Credentials | None]:
        """The URL to request (no userinfo) and the credentials to send with it."""
        clean, creds = split_credentials(url)
        parts = urlsplit(clean)
        key = _host_key(parts.scheme, parts.netloc)
        if creds is not None:
            self._by_host[key] = creds
            return clean, creds
        creds = self._by_host.get(key)
        if creds is None and parts.hostname:
            creds = self._from_netrc(parts.hostname)
            if creds is not None:
                self._by_host[key] = creds
        return clean, creds

    def _from_netrc(self, host: str) -> Credentials | None:
        if not self._use_netrc:
            return None
        if not self._netrc_loaded:
            self._netrc_loaded = True
            import netrc

            path = self._netrc_path or os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
            try:
                self._netrc = netrc.netrc(path)
            except FileNotFoundError:
                self._netrc = None
            except (OSError, netrc.NetrcParseError) as err:
                _log.debug("Ignoring unreadable netrc file `%s`: %s", path, type(err).__name__)
                self._netrc = None
        if self._netrc is None:
            return None
        import netrc

        assert isinstance(self._netrc, netrc.netrc)
        entry = self._netrc.authenticators(host)
        if entry is None:
            return None
        login, _account, password = entry
        return Credentials(login or "", password or "")
