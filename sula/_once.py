"""Async single-flight: the first task to ask for a key does the work, the rest await its result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import asyncio

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class OnceMap(Generic[K, V]):
    """Run ``fn(key)`` at most once per key; concurrent callers share the same future.

    Failures are not cached: the next caller after a failure tries again.
    """

    def __init__(self) -> None:
        self._futures: dict[K, asyncio.Future[V]] = {}

    def done(self, key: K) -> bool:
        fut = self._futures.get(key)
        return fut is not None and fut.done() and fut.exception() is None

    def get(self, key: K) -> V | None:
        fut = self._futures.get(key)
        if fut is not None and fut.done() and fut.exception() is None:
            return fut.result()
        return None

    async def run(self, key: K, fn: Callable[[K], Awaitable[V]]) -> V:
        from sula import _aio  # asyncio's names, or a local run's (an offline resolve)

        while (fut := self._futures.get(key)) is not None:
            try:
                return await _aio.shield(fut)  # type: ignore[no-any-return]
            except _Abandoned:
                continue  # the leader was cancelled: this caller tries again, maybe leading
        fut = _aio.create_future()
        self._futures[key] = fut
        try:
            value = await fn(key)
        except BaseException as err:
            del self._futures[key]
            # A failure is shared with the waiters; a cancellation of the leader (or another
            # BaseException) is its own, so the waiters are told to retry instead.
            fut.set_exception(err if isinstance(err, Exception) else _Abandoned())
            # Mark retrieved so an unawaited failure does not log "never retrieved".
            fut.exception()
            raise
        fut.set_result(value)
        return value


class _Abandoned(Exception):
    """Set on a key's future when its leader stopped without a result of its own."""
