"""The HTTP layer: one aiohttp session, bounded concurrency, retries, auth, TLS, error mapping.

This module is the one seam where aiohttp and asyncio timeout exceptions become
:class:`~sula.client.errors.ClientError` subclasses (see :func:`_translate`).
"""

from __future__ import annotations

import _thread
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeVar

from sula._log import getLogger
from sula._record import dataclass, field
from sula.client.auth import AuthStore
from sula.client.errors import ClientError, HttpStatusError, NetworkError, OfflineError
from sula.client.settings import ClientSettings
from sula.distribution.index import redact_url

if TYPE_CHECKING:
    import asyncio
    import ssl
    from concurrent.futures import Future

    import aiohttp

# asyncio, ssl, threading and concurrent.futures are imported where a request is made: an
# offline resolve makes none, and their imports (~30 ms) were most of a small one.

__all__ = ["HttpClient", "HttpStats", "Response", "StreamResponse", "load_aiohttp", "prepare_tls",
           "tls_context"]

_T = TypeVar("_T")

_log = getLogger(__name__)

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


@dataclass(frozen=True, slots=True)
class _Pace:
    """The slowest a body may arrive: at least ``min_speed`` bytes a second over each
    ``window`` seconds (0: no floor). A server that trickles bytes never trips the read
    timeout; this stops it."""

    min_speed: int
    window: float


class _TooSlow(Exception):
    def __init__(self, received: int, seconds: float, min_speed: int) -> None:
        super().__init__(
            f"The transfer was too slow: {received} bytes in {seconds:.1f}s "
            f"(below {min_speed} bytes/s)")


async def _paced(resp: aiohttp.ClientResponse, size: int, pace: _Pace) -> AsyncIterator[bytes]:
    """The chunks of ``resp``'s body, raising :class:`_TooSlow` below the floor."""
    import asyncio

    loop = asyncio.get_running_loop()
    start = loop.time()
    received = 0
    async for chunk in resp.content.iter_chunked(size):
        received += len(chunk)
        elapsed = loop.time() - start
        if pace.min_speed and elapsed >= pace.window:
            if received < pace.min_speed * elapsed:
                raise _TooSlow(received, elapsed, pace.min_speed)
            start, received = loop.time(), 0
        yield chunk


@dataclass(slots=True)
class StreamResponse:
    """A response whose body is read chunk by chunk (inside :meth:`HttpClient.open`).

    A whole-file body that breaks off (a reset, a timeout, a short read, a stall) is resumed
    where it stopped by a range request, within the client's retries: the reader sees one
    unbroken stream."""

    status: int
    headers: Mapping[str, str]
    url: str
    _resp: aiohttp.ClientResponse
    _stats: HttpStats
    _pace: _Pace
    _consumed: int = field(default=0)
    #: Continues the body after a failure: True when it was complete after all, False when
    #: ``_resp`` is now the rest of it (None: the body cannot be resumed).
    _resume: Callable[[StreamResponse, BaseException], Awaitable[bool]] | None = None

    async def iter_chunks(self, size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        while True:
            chunks = _paced(self._resp, size, self._pace)
            failure: BaseException | None = None
            while failure is None:
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    return
                except Exception as err:  # translated below, or resumed
                    failure = err
                    break
                self._consumed += len(chunk)
                self._stats.bytes += len(chunk)
                yield chunk
            if self._resume is None or not _is_retryable(failure):
                with _translate(self.url, "Failed to download"):
                    raise failure
            if await self._resume(self, failure):
                return

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.iter_chunks()])


class _ForeignError(Exception):
    """Stands in for an aiohttp/OS exception in a chain: its message, redacted."""


class _RetryableStatus(Exception):
    def __init__(self, status: int, reason: str | None) -> None:
        self.status = status
        self.reason = reason


@contextlib.contextmanager
def _translate(url: str, what: str) -> Iterator[None]:
    """Map aiohttp/asyncio exceptions to sula errors (the client's one translation seam)."""
    import asyncio

    import aiohttp

    try:
        yield
    except ClientError:
        raise
    except aiohttp.ClientResponseError as err:
        if _is_invalid_response(err):
            raise NetworkError(url, what) from _sanitize(err, url)
        raise HttpStatusError(url, err.status, err.message) from None
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, _TooSlow) as err:
        raise NetworkError(url, what) from _sanitize(err, url)


def _is_invalid_response(err: BaseException) -> bool:
    """aiohttp raises a bare ``ClientResponseError`` (status 400) when it cannot parse what
    the server sent: bytes that are no HTTP response (the tail of a body longer than its
    Content-Length, left on a kept-alive connection), a bad header. Its subclasses
    (redirect loops, proxy refusals) carry a real status."""
    import aiohttp

    return type(err) is aiohttp.ClientResponseError


def _sanitize(err: BaseException, url: str = "") -> BaseException:
    """One plain cause line for a foreign error: its message with any URL redacted, and no
    chain of its own (aiohttp wraps an OSError that would repeat the same words)."""
    import asyncio
    import re

    import aiohttp

    if isinstance(err, asyncio.TimeoutError):
        return _ForeignError("The request timed out")
    text = str(err) or type(err).__name__
    if _is_invalid_response(err):
        assert isinstance(err, aiohttp.ClientResponseError)
        # The message quotes what could not be parsed, which can be a whole page.
        first = err.message.splitlines()[0].strip(" :") if err.message else "unparsable"
        text = f"The server sent an invalid HTTP response ({first[:80]})"
    elif isinstance(err, aiohttp.ClientPayloadError):
        short = re.search(r"received (\d+) of (\d+) bytes", text)
        if short is not None:
            how = "was reset" if "ConnectionResetError" in text else "closed"
            text = (f"The connection {how} after {short[1]} of the {short[2]} bytes "
                    "the response promised")
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
    import asyncio

    import aiohttp

    if isinstance(err, _RetryableStatus | asyncio.TimeoutError | _TooSlow):
        return True
    if isinstance(err, aiohttp.ClientResponseError):
        return err.status >= 500 or _is_invalid_response(err)
    if isinstance(err, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError | aiohttp.ClientSSLError):
        return False
    return isinstance(err, aiohttp.ClientError | ConnectionError)


def make_ssl_context(native_tls: bool) -> ssl.SSLContext:
    """The system trust store via OpenSSL (honours ``SSL_CERT_FILE``/``SSL_CERT_DIR``), or the
    platform verifier through ``truststore`` with ``--native-tls``."""
    import ssl

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
    import ssl

    cafile = os.environ.get("SSL_CERT_FILE")
    if (cafile and os.path.isfile(cafile)
            and ssl.get_default_verify_paths().openssl_cafile_env != "SSL_CERT_FILE"):
        return cafile
    return None


#: The TLS context of every session in this process, by (``--native-tls``, ``SSL_CERT_FILE``,
#: ``SSL_CERT_DIR``): loading the CA certificates takes OpenSSL 3 ~30-60 ms here, once.
_TLS: dict[tuple[bool, str | None, str | None], Future[ssl.SSLContext]] = {}
_TLS_LOCK = _thread.allocate_lock()
_AIOHTTP_LOCK = _thread.allocate_lock()


def _tls_key(native_tls: bool) -> tuple[bool, str | None, str | None]:
    return native_tls, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")


def _make_into(done: Future[ssl.SSLContext], native_tls: bool) -> None:
    try:
        done.set_result(make_ssl_context(native_tls))
    except BaseException as err:  # handed to whoever asks for the context
        done.set_exception(err)


def prepare_tls(native_tls: bool = False) -> None:
    """Start loading the CA certificates of :func:`tls_context` in a worker thread, so that
    the first request does not wait for them: OpenSSL releases the GIL while it reads them,
    and a cold resolve has start-up work (reading the inputs, querying the interpreter,
    imports) to do meanwhile. Call it once a run is known to go online; idempotent.

    ``--native-tls``'s context (``truststore``, an import) is made when asked, not here: an
    import in a second thread could deadlock against one in the first."""
    if native_tls:
        return
    import threading
    from concurrent.futures import Future

    key = _tls_key(native_tls)
    with _TLS_LOCK:
        if key in _TLS:
            return
        done: Future[ssl.SSLContext] = Future()
        _TLS[key] = done
    # Not a daemon: a run that ends early (a usage error) waits for it at exit, where a
    # daemon thread still inside OpenSSL crashed the interpreter's teardown (SIGSEGV).
    threading.Thread(target=_make_into, args=(done, native_tls), name="sula-tls").start()


def tls_context(native_tls: bool) -> ssl.SSLContext:
    """The verified TLS context of the aiohttp connector (:func:`make_ssl_context`), made
    once per process and settings and shared by every session; the worker's of
    :func:`prepare_tls` when one was started."""
    from concurrent.futures import Future

    key = _tls_key(native_tls)
    with _TLS_LOCK:
        done = _TLS.get(key)
        if done is None:
            done = _TLS[key] = Future()
            mine = True
        else:
            mine = False
    if mine:
        _make_into(done, native_tls)
    return done.result()


def load_aiohttp() -> None:
    """Import aiohttp without the two TLS contexts it makes at import time.

    ``aiohttp.connector`` builds a verified and an unverified default context when it is
    imported; each loads the CA certificates (``set_default_verify_paths``: 30-60 ms here
    under OpenSSL 3, with the GIL released but on this thread, before the first request).
    Every session sula opens is given :func:`tls_context` instead, so those loads are
    skipped in this thread while it imports: the two contexts aiohttp keeps trust no
    certificate at all (a connection that used one would fail its verification, never
    pass it). Any other thread's calls, the :func:`prepare_tls` worker's among them, go to
    OpenSSL as always."""
    if "aiohttp" in sys.modules:
        return
    import importlib
    import ssl
    import threading

    from sula._span import span

    with _AIOHTTP_LOCK:  # one override at a time (sessions of other threads' loops)
        cls = ssl.SSLContext
        if "aiohttp" in sys.modules or "set_default_verify_paths" in cls.__dict__:
            importlib.import_module("aiohttp")  # imported meanwhile, or someone else's override
            return
        load = cls.set_default_verify_paths
        importer = threading.get_ident()

        def skip_on_importer(self: ssl.SSLContext) -> None:
            if threading.get_ident() != importer:
                load(self)

        cls.set_default_verify_paths = skip_on_importer  # type: ignore[method-assign]
        try:
            with span("client.import_aiohttp"):  # ~100 ms of a cold run's start-up
                importlib.import_module("aiohttp")
        finally:
            del cls.set_default_verify_paths  # the C method of _ssl._SSLContext again


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
            from sula import _aio

            _aio.require_loop()  # a local run (offline) makes no request; in case one does
            import asyncio

            load_aiohttp()
            import aiohttp

            from sula._version import __version__

            connector = aiohttp.TCPConnector(
                limit=self.settings.concurrency,
                ssl=tls_context(self.settings.native_tls),
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
        import asyncio

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

    def _pace(self) -> _Pace:
        return _Pace(self.settings.min_speed, self.settings.timeout)

    async def _attempts(
        self, shown: str, what: str, attempt_once: Callable[[], Awaitable[_T]]
    ) -> _T:
        """``attempt_once()`` until it succeeds, retrying connection errors, timeouts, 5xx
        and broken bodies with backoff; then the failure as a :class:`ClientError`."""
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            try:
                return await attempt_once()
            except ClientError:
                raise
            except Exception as err:
                if not _is_retryable(err) or attempt + 1 >= attempts:
                    failure = self._final_error(shown, err, attempt + 1, what)
                    raise failure from failure.__cause__
                await self._backoff(attempt, shown, err)
        raise AssertionError("unreachable")  # pragma: no cover

    async def request(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        ok: frozenset[int] = frozenset({200}),
        what: str = "Failed to fetch",
    ) -> Response:
        """GET ``url`` and read the body, retrying connection errors, timeouts, 5xx and
        bodies that break off.

        Statuses in ``ok`` are returned; other statuses raise :class:`HttpStatusError`.
        """
        session = self._ensure_session()
        assert self._sem is not None
        sem = self._sem
        clean, hdrs, proxy = self._prepare(url, headers)
        shown = self.auth.display(clean)
        pace = self._pace()

        async def once() -> Response:
            async with sem:
                self.stats.requests += 1
                async with session.get(clean, headers=hdrs, proxy=proxy) as resp:
                    if resp.status >= 500 and resp.status not in ok:
                        await resp.read()
                        raise _RetryableStatus(resp.status, resp.reason)
                    if resp.status not in ok:
                        raise HttpStatusError(shown, resp.status, resp.reason)
                    body = b"".join([c async for c in _paced(resp, CHUNK_SIZE, pace)])
                    self.stats.bytes += len(body)
                    final = self.auth.remember(str(resp.url))
                    return Response(resp.status, resp.headers, body, final)

        return await self._attempts(shown, what, once)

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
        range requests whose server might answer with the whole file). Connection errors,
        timeouts and 5xx are retried; a whole-file body (status 200, no ``Range`` asked, no
        content coding) that breaks off is resumed by range requests within the same
        retries; anything else that fails while reading raises :class:`NetworkError`."""
        session = self._ensure_session()
        assert self._sem is not None
        clean, hdrs, proxy = self._prepare(url, headers)
        shown = self.auth.display(clean)
        attempts = self.settings.retries + 1
        tries = 0

        async def once() -> aiohttp.ClientResponse:
            nonlocal tries
            tries += 1
            self.stats.requests += 1
            resp = await session.get(clean, headers=hdrs, proxy=proxy)
            if resp.status in ok:
                return resp
            resp.release()
            if resp.status >= 500:
                raise _RetryableStatus(resp.status, resp.reason)
            raise HttpStatusError(shown, resp.status, resp.reason)

        async def resume(stream: StreamResponse, err: BaseException) -> bool:
            nonlocal tries
            while True:
                if tries >= attempts:
                    failure = self._final_error(shown, err, tries, what)
                    raise failure from failure.__cause__
                await self._backoff(tries - 1, shown, err)
                stream._resp.release()
                tries += 1
                self.stats.requests += 1
                try:
                    outcome = await self._continue(session, clean, proxy, hdrs, first, stream)
                except ClientError:
                    raise
                except Exception as again:
                    if not _is_retryable(again):
                        failure = self._final_error(shown, again, tries, what)
                        raise failure from failure.__cause__
                    err = again
                    continue
                return outcome

        async with self._sem:
            first = await self._attempts(shown, what, once)
            resumable = (first.status == 200 and "range" not in {k.lower() for k in hdrs}
                         and first.headers.get("Content-Encoding", "identity") == "identity")
            stream = StreamResponse(first.status, first.headers, shown, first, self.stats,
                                    self._pace(), _resume=resume if resumable else None)
            try:
                self.auth.remember(str(first.url))
                yield stream
            finally:
                stream._resp.release()

    async def _continue(
        self, session: aiohttp.ClientSession, url: str, proxy: str | None,
        headers: Mapping[str, str], first: aiohttp.ClientResponse, stream: StreamResponse,
    ) -> bool:
        """Ask for the rest of ``stream``'s body (from its ``_consumed`` byte on): True when
        the body turns out complete, False when ``stream._resp`` now reads the rest."""
        import aiohttp

        done = stream._consumed
        etag = first.headers.get("ETag")
        modified = first.headers.get("Last-Modified")
        hdrs = {**headers, "Range": f"bytes={done}-"}
        validator = etag if etag and not etag.startswith("W/") else modified
        if validator:
            hdrs["If-Range"] = validator  # the rest of this very file, else all of the new one
        resp = await session.get(url, headers=hdrs, proxy=proxy)
        span = _content_range(resp.headers.get("Content-Range"))
        if resp.status == 206 and span is not None and span[0] == done:
            stream._resp = resp
            return False
        if resp.status == 416 and span is not None and span[1] == done:
            resp.release()  # the server says the file has just the bytes already read
            return True
        if resp.status == 200 and (etag, modified) == (resp.headers.get("ETag"),
                                                      resp.headers.get("Last-Modified")):
            stream._resp = resp  # no ranges here: skip what was read
            left = done
            while left > 0:
                skipped = await resp.content.read(min(CHUNK_SIZE, left))
                if not skipped:
                    raise aiohttp.ClientPayloadError("The connection closed while resuming")
                left -= len(skipped)
            return False
        resp.release()
        if resp.status >= 500:
            raise _RetryableStatus(resp.status, resp.reason)
        if resp.status == 200:
            raise ClientError(f"`{stream.url}` changed while it was downloaded")
        raise HttpStatusError(stream.url, resp.status, resp.reason)


def _content_range(value: str | None) -> tuple[int, int] | None:
    """``bytes 100-199/1000`` → (100, 1000); ``bytes */1000`` → (-1, 1000)."""
    import re

    m = re.fullmatch(r"\s*bytes\s+(?:(\d+)-\d+|\*)/(\d+)\s*", value or "")
    if m is None:
        return None
    return (int(m[1]) if m[1] is not None else -1), int(m[2])
