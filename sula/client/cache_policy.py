"""HTTP cache policy: what a response's headers allow, stored beside the parsed payload.

A response is *fresh* (used with no request) when ``Cache-Control`` gave it a ``max-age``
that has not run out, or ``immutable``; otherwise it is *stale* and revalidated with
``If-None-Match`` / ``If-Modified-Since`` (a 304 keeps the stored payload). A response
without any caching header is stale at once, as uv treats it. ``no-store`` responses are
not written at all; ``no-cache`` ones are stored but always revalidated.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping

import msgspec

__all__ = ["CachePolicy"]


class CachePolicy(msgspec.Struct, frozen=True):
    """The caching headers of a stored response, and when it was stored (epoch seconds)."""

    stored_at: float
    etag: str | None = None
    last_modified: str | None = None
    max_age: float | None = None
    no_cache: bool = False
    no_store: bool = False
    immutable: bool = False

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], now: float | None = None) -> CachePolicy:
        now = time.time() if now is None else now
        max_age: float | None = None
        no_cache = no_store = immutable = False
        for directive in headers.get("Cache-Control", "").lower().split(","):
            name, _, value = directive.strip().partition("=")
            name = name.strip()
            if name in ("max-age", "s-maxage"):
                try:
                    age = float(value.strip().strip('"'))
                except ValueError:
                    continue
                # s-maxage is for shared caches; a private client takes the smaller of the two.
                max_age = age if max_age is None else min(max_age, age)
            elif name == "no-cache":
                no_cache = True
            elif name == "no-store":
                no_store = True
            elif name == "immutable":
                immutable = True
        if max_age is not None:
            with contextlib.suppress(ValueError):
                max_age -= float(headers.get("Age", "0"))
        elif "Expires" in headers and "Date" in headers:
            from email.utils import parsedate_to_datetime

            try:
                exp = parsedate_to_datetime(headers["Expires"]).timestamp()
                date = parsedate_to_datetime(headers["Date"]).timestamp()
                max_age = exp - date
            except (TypeError, ValueError, IndexError):
                max_age = 0.0
        return cls(
            stored_at=now,
            etag=headers.get("ETag"),
            last_modified=headers.get("Last-Modified"),
            max_age=max_age,
            no_cache=no_cache,
            no_store=no_store,
            immutable=immutable,
        )

    def is_fresh(self, now: float | None = None) -> bool:
        if self.no_cache or self.no_store:
            return False
        if self.immutable:
            return True
        if self.max_age is None:
            return False
        now = time.time() if now is None else now
        return now - self.stored_at < self.max_age

    def revalidation_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def after_not_modified(self, headers: Mapping[str, str], now: float | None = None) -> CachePolicy:
        """The policy after a 304: new freshness from its headers, validators kept if absent."""
        new = CachePolicy.from_headers(headers, now)
        return msgspec.structs.replace(
            new,
            etag=new.etag or self.etag,
            last_modified=new.last_modified or self.last_modified,
        )
