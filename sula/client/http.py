"""The HTTP layer: one aiohttp session, bounded concurrency, retries, auth, TLS, error mapping.

This module is the one seam where aiohttp and asyncio timeout exceptions become
:class:`~sula.client.errors.ClientError` subclasses (see :func:`_translate`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING

from sula._record import dataclass, field
from sula.client.auth import AuthStore
from sula.client.errors import ClientError, HttpStatusError, NetworkError, OfflineError
from sula.client.settings import ClientSettings
from sula.distribution.index import redact_url

if TYPE_CHECKING:
    import aiohttp

__all__ = ["HttpClient", "HttpStats", "Response", "StreamResponse"]

_log = logging.getLogger(__name__)

CHUNK_SIZE = 256 * 1024


@dataclass(slots=True)
class HttpStats:
    """Counters for benchmarks and tests: requests sent and body bytes received."""

    requests: int = 0
    bytes: int = 0
    retries: int = 0


@dataclass(frozen=True, slots=True)
class Response:
    """A fully read response. ``url`` is the final URL after redirects, without userinfo."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


@dataclass(slots=True)
class StreamResponse:
    """A response whose body is read chunk by chunk (inside :meth:`HttpClient.open`)."""

    status: int
    headers: Mapping[str, str]
    url: str
    _resp: aiohttp.ClientResponse
    _stats: HttpStats
    _consumed: int = field(default=0)

    async def iter_chunks(self, size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        with _translate(self.url, "Failed to download"):
            async for chunk in self._resp.content.iter_chunked(size):
                self._stats.bytes += len(chunk)
                yield chunk

    async def read(self) -> bytes:
        with _translate(self.url, "Failed to download"):
            body = await self._resp.read()
        self._stats.bytes += len(body)
        return body


class _ForeignError(Exception):
    """Stands in for an aiohttp/OS exception in a chain: its message, redacted."""


class _RetryableStatus(Exception):
    def __init__(self, status: int, reason: str | None) -> None:
        self.status = status
        self.reason = reason


@contextlib.contextmanager
def _translate(url: str, what: str) -> Iterator[None]:
    """Map aiohttp/asyncio exceptions to sula errors (the client's one translation seam)."""
    import aiohttp

    try:
        yield
    except ClientError:
        raise
    except aiohttp.ClientResponseError as err:
        raise HttpStatusError(url, err.status, err.message) from None
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as err:
        raise NetworkError(url, what) from _sanitize(err, url)


def _sanitize(err: BaseException, url: str = "") -> BaseException:
    """One plain cause line for a foreign error: its message with any URL redacted, and no
    chain of its own (aiohttp wraps an OSError that would repeat the same words)."""
    import re

    import aiohttp

    if isinstance(err, asyncio.TimeoutError):
        return _ForeignError("The request timed out")
    text = str(err) or type(err).__name__
    if isinstance(err, aiohttp.NonHttpUrlClientError | aiohttp.InvalidURL):
        # aiohttp's message is the bare URL, which says nothing the error line does not.
        scheme = text.partition(":")[0]
        text = (f"`{scheme}:` URLs are not fetched over HTTP" if scheme and "://" in text
                else "The URL is not valid")
    if url.startswith("http:"):
        # aiohttp names the TLS mode (`ssl:default`) of plain-HTTP connections too.
        text = re.sub(r" ssl:\S+", "", text)
    if "@" in text:
        text = re.sub(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+", lambda m: redact_url(m[0]), text)
    out = _ForeignError(text)
    out.__suppress_context__ = True
    return out


def _is_retryable(err: BaseException) -> bool:
    import aiohttp

    if isinstance(err, _RetryableStatus | asyncio.TimeoutError):
        return True
    if isinstance(err, aiohttp.ClientResponseError):
        return err.status >= 500
    if isinstance(err, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError | aiohttp.ClientSSLError):
        return False
    return isinstance(err, aiohttp.ClientError | ConnectionError)


def make_ssl_context(native_tls: bool) -> ssl.SSLContext:
    """The system trust store via OpenSSL (honours ``SSL_CERT_FILE``/``SSL_CERT_DIR``), or the
    platform verifier through ``truststore`` with ``--native-tls``."""
    if native_tls:
        import truststore

        ctx: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return ctx
    ctx = ssl.create_default_context()
    cafile = _extra_cafile()
    if cafile is not None:
        ctx.load_verify_locations(cafile=cafile)
    return ctx


def _extra_cafile() -> str | None:
    """``SSL_CERT_FILE`` when OpenSSL's default paths do not already read it (they do on
    every CPython linked with OpenSSL: loading it twice cost ~35 ms)."""
    cafile = os.environ.get("SSL_CERT_FILE")
    if (cafile and os.path.isfile(cafile)
            and ssl.get_default_verify_paths().openssl_cafile_env != "SSL_CERT_FILE"):
        return cafile
    return None


def connector_ssl(native_tls: bool) -> ssl.SSLContext | bool:
    """What the aiohttp connector is given: ``True`` (aiohttp's own verified context, built
    when aiohttp is imported with ``ssl.create_default_context()``: the same trust as
    :func:`make_ssl_context`, without loading the CA certificates a third time, ~20 ms) unless
    ``--native-tls`` or an extra CA file needs a context of our own."""
    if native_tls or _extra_cafile() is not None:
        return make_ssl_context(native_tls)
    return True


class HttpClient:
    """One aiohttp session per run; create inside the event loop, close with :meth:`close`."""

    def __init__(self, settings: ClientSettings, *, auth: AuthStore | None = None) -> None:
        self.settings = settings
        self.auth = auth if auth is not None else AuthStore()
        self.stats = HttpStats()
        self._session: aiohttp.ClientSession | None = None
        self._sem: asyncio.Semaphore | None = None
        self._proxies: dict[str, str | None] = {}

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            import aiohttp

            from sula._version import __version__

            connector = aiohttp.TCPConnector(
                limit=self.settings.concurrency,
                ssl=connector_ssl(self.settings.native_tls),
                ttl_dns_cache=300,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    sock_connect=self.settings.timeout,
                    sock_read=self.settings.timeout,
                ),
                headers={"User-Agent": f"sula/{__version__}"},
            )
            self._sem = asyncio.Semaphore(self.settings.concurrency)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _prepare(
        self, url: str, headers: Mapping[str, str] | None
    ) -> tuple[str, dict[str, str], str | None]:
        """The URL without userinfo, the headers with ``Authorization``, and the proxy."""
        if self.settings.offline:
            raise OfflineError(f"`{redact_url(url)}`")
        clean, creds = self.auth.for_url(url)
        hdrs = dict(headers or {})
        if creds is not None:
            import base64

            token = base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
            hdrs["Authorization"] = f"Basic {token}"
        return clean, hdrs, self._proxy_for(clean)

    def _proxy_for(self, url: str) -> str | None:
        """``HTTP(S)_PROXY`` / ``ALL_PROXY`` unless ``NO_PROXY`` matches, cached per origin.

        Done here rather than with aiohttp's ``trust_env``, which also reads netrc in a
        worker thread on every request (and clashes with our own ``Authorization``)."""
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key in self._proxies:
            return self._proxies[key]
        import urllib.request

        env = urllib.request.getproxies_environment()
        proxy = env.get(parts.scheme) or env.get("all")
        bypass = getattr(urllib.request, "proxy_bypass_environment", None)
        if proxy and parts.hostname and bypass is not None and bypass(parts.hostname, env):
            proxy = None
        self._proxies[key] = proxy or None
        return proxy or None

    async def _backoff(self, attempt: int, url: str, err: BaseException) -> None:
        delay = self.settings.retry_backoff * (2**attempt)
        self.stats.retries += 1
        reason = f"HTTP {err.status}" if isinstance(err, _RetryableStatus) else type(err).__name__
        _log.debug("Retrying `%s` in %.2fs (%s)", redact_url(url), delay, reason)
        await asyncio.sleep(delay)

    def _final_error(self, url: str, err: BaseException, attempts: int, what: str) -> ClientError:
        if isinstance(err, _RetryableStatus):
            return HttpStatusError(url, err.status, err.reason)
        try:
            with _translate(url, what):
                raise err
        except ClientError as mapped:
            if isinstance(mapped, NetworkError) and attempts > 1:
                again = NetworkError(url, what, attempts)
                again.__cause__ = mapped.__cause__
                return again
            return mapped
        raise AssertionError("unreachable")  # pragma: no cover

    async def request(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset({200}),
        what: str = "Failed to fetch",
    ) -> Response:
        """GET ``url`` and read the body, retrying connection errors, timeouts and 5xx.

        Statuses in ``ok`` are returned; other statuses raise :class:`HttpStatusError`.
        """
        session = self._ensure_session()
        assert self._sem is not None
        clean, hdrs, proxy = self._prepare(url, headers)
        shown = self.auth.display(clean)
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                async with self._sem:
                    self.stats.requests += 1
                    async with session.get(clean, headers=hdrs, proxy=proxy) as resp:
                        if resp.status >= 500 and resp.status not in ok:
                            await resp.read()
                            raise _RetryableStatus(resp.status, resp.reason)
                        if resp.status not in ok:
                            raise HttpStatusError(shown, resp.status, resp.reason)
                        body = await resp.read()
                        self.stats.bytes += len(body)
                        final = self.auth.remember(str(resp.url))
                        return Response(resp.status, resp.headers, body, final)
            except ClientError:
                raise
            except BaseException as err:
                if not isinstance(err, Exception) or not _is_retryable(err):
                    if isinstance(err, Exception):
                        failure = self._final_error(shown, err, attempt + 1, what)
                        raise failure from failure.__cause__
                    raise
                if attempt + 1 >= attempts:
                    failure = self._final_error(shown, err, attempts, what)
                    raise failure from failure.__cause__
                await self._backoff(attempt, shown, err)
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.asynccontextmanager
    async def open(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset({200}),
        what: str = "Failed to download",
    ) -> AsyncIterator[StreamResponse]:
        """GET ``url`` and yield the response before its body is read (for streaming and for
        range requests whose server might answer with the whole file). Retries happen only
        before the body; a failure while reading it raises :class:`NetworkError`."""
        session = self._ensure_session()
        assert self._sem is not None
        clean, hdrs, proxy = self._prepare(url, headers)
        shown = self.auth.display(clean)
        attempts = self.settings.retries + 1
        async with self._sem:
            for attempt in range(attempts):
                resp: aiohttp.ClientResponse | None = None
                try:
                    self.stats.requests += 1
                    resp = await session.get(clean, headers=hdrs, proxy=proxy)
                    if resp.status >= 500 and resp.status not in ok:
                        raise _RetryableStatus(resp.status, resp.reason)
                    if resp.status not in ok:
                        raise HttpStatusError(shown, resp.status, resp.reason)
                except ClientError:
                    if resp is not None:
                        resp.release()
                    raise
                except Exception as err:
                    if resp is not None:
                        resp.release()
                    if not _is_retryable(err):
                        failure = self._final_error(shown, err, attempt + 1, what)
                        raise failure from failure.__cause__
                    if attempt + 1 >= attempts:
                        failure = self._final_error(shown, err, attempts, what)
                        raise failure from failure.__cause__
                    await self._backoff(attempt, shown, err)
                    continue
                try:
                    self.auth.remember(str(resp.url))
                    yield StreamResponse(resp.status, resp.headers, shown, resp, self.stats)
                finally:
                    resp.release()
                return
