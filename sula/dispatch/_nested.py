"""Event loops a worker thread runs for a nested install (a build environment's requirements),
cancelled from the loop that waits for it.

The waiting loop's task is cancelled on Ctrl-C, but the thread goes on: its loop waits for a
download or a build of its own, and the process, which joins its worker threads before it
exits, would wait for it. :class:`NestedRun` cancels the thread's running loop's main task
and every later one, so the nested install stops as promptly as the outer run.
"""

from __future__ import annotations

import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio

__all__ = ["NestedRun", "run"]

T = TypeVar("T")

_current = threading.local()  # .run: the NestedRun of the install this thread runs


class NestedRun:
    """One nested install: :meth:`cancel` (any thread) stops the loops it runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._task: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None
        self._cancelled = False

    def call(self, fn: Any, *args: Any) -> Any:
        """``fn(*args)`` in this thread, its :func:`run` calls cancellable by :meth:`cancel`."""
        _current.run = self
        try:
            return fn(*args)
        finally:
            _current.run = None

    async def _main(self, coro: Coroutine[Any, Any, T]) -> T:
        import asyncio

        task = asyncio.current_task()
        assert task is not None
        with self._lock:
            if self._cancelled:
                coro.close()
                raise asyncio.CancelledError
            self._task = (asyncio.get_running_loop(), task)
        try:
            return await coro
        finally:
            with self._lock:
                self._task = None

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._task is not None:
                loop, task = self._task
                loop.call_soon_threadsafe(task.cancel)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``; in a nested install's thread, cancellable by its :class:`NestedRun`."""
    import asyncio

    from sula._gc import resume_gc

    resume_gc()  # a long run: collect from here on
    nested: NestedRun | None = getattr(_current, "run", None)
    if nested is None:
        return asyncio.run(coro)
    return asyncio.run(nested._main(coro))
