"""The event-loop seam: asyncio where a run may wait on the network, a child process or a
thread; a small scheduler of sula's own where every wait is local (an offline resolve).

Importing asyncio (with ssl, socket, selectors, concurrent.futures and logging) takes
30–40 ms, most of an offline compile of a small input; an offline resolution reads every
page and metadata file from the cache on the calling thread, so its coroutines never wait
on anything but each other. :func:`run` with ``local=True`` runs such a coroutine on
:class:`_Loop`: tasks, futures, ``gather``, ``shield`` and semaphores, with a queue of ready
steps and no selector, timer or thread. Code that may run under either awaits this module's
names (``gather``, ``ensure_future``, ``shield``, ``Semaphore``, ``to_thread``,
``create_future``), which are asyncio's when no local run is going on in the thread.

What needs asyncio (a request, a build, a git checkout, a thread pool) calls
:func:`require_loop` before it does anything: in a local run that raises :class:`NeedsLoop`,
and :func:`run` starts the whole run again under ``asyncio.run``. What the local attempt did
before is a resolution's reads of the cache, which the second attempt reads again (the page
and metadata entries decoded stay in the process: ``client.registry``).
"""

from __future__ import annotations

import _thread
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

_state = _thread._local()  # .loop: the thread's local run, if one is going on


class NeedsLoop(BaseException):  # a signal to run(), not an error
    """Raised in a local run by what needs asyncio; :func:`run` catches it and runs again."""


class CancelledError(BaseException):
    """A local run's cancellation (asyncio's own class is in a module that imports all of it)."""


def _loop() -> _Loop | None:
    return getattr(_state, "loop", None)


def is_local() -> bool:
    """Whether this thread is inside a local run."""
    return getattr(_state, "loop", None) is not None


def require_loop() -> None:
    """Call before anything that needs asyncio: in a local run, start again under asyncio."""
    if getattr(_state, "loop", None) is not None:
        raise NeedsLoop


def run(main: Callable[[], Coroutine[Any, Any, T]], *, local: bool) -> T:
    """``asyncio.run(main())``; with ``local``, first on a local loop (no asyncio import),
    again under asyncio if something in it needs asyncio (:func:`require_loop`)."""
    outer = _loop()
    if local and outer is None:
        loop = _Loop()
        _state.loop = loop
        try:
            return loop.run_until_complete(main())
        except NeedsLoop:
            pass
        finally:
            _state.loop = None
            loop.close()
    import asyncio

    from sula._gc import resume_gc

    resume_gc()
    if outer is None:
        return asyncio.run(main())
    _state.loop = None  # called from a local run's task: this run's names are asyncio's
    try:
        return asyncio.run(main())
    finally:
        _state.loop = outer


# -- the names code awaits under either loop ------------------------------------------------


def create_future() -> Any:
    loop = _loop()
    if loop is not None:
        return Future(loop)
    import asyncio

    return asyncio.get_running_loop().create_future()


def ensure_future(coro: Awaitable[T]) -> Any:
    loop = _loop()
    if loop is not None:
        return _as_future(loop, coro)
    import asyncio

    return asyncio.ensure_future(coro)


def gather(*aws: Awaitable[Any], return_exceptions: bool = False) -> Any:
    loop = _loop()
    if loop is not None:
        return _gather(loop, aws, return_exceptions)
    import asyncio

    return asyncio.gather(*aws, return_exceptions=return_exceptions)


def shield(fut: Any) -> Any:
    loop = _loop()
    if loop is not None:
        return _shield(loop, fut)
    import asyncio

    return asyncio.shield(fut)


def Semaphore(value: int = 1) -> Any:  # named like the class it stands for
    loop = _loop()
    if loop is not None:
        return _Semaphore(loop, value)
    import asyncio

    return asyncio.Semaphore(value)


async def to_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``asyncio.to_thread``; in a local run, ``fn`` is called here (no request is in flight
    for a thread to overlap with)."""
    if _loop() is not None:
        return fn(*args, **kwargs)
    import asyncio

    return await asyncio.to_thread(fn, *args, **kwargs)


# -- the local loop --------------------------------------------------------------------------

_PENDING, _DONE, _CANCELLED = 0, 1, 2


class Future:
    """A result to come, in a local run: awaited, it suspends the task until it is set."""

    __slots__ = ("_callbacks", "_exc", "_loop", "_result", "_state")

    def __init__(self, loop: _Loop) -> None:
        self._loop = loop
        self._state = _PENDING
        self._result: Any = None
        self._exc: BaseException | None = None
        self._callbacks: list[Callable[[Any], None]] = []

    def done(self) -> bool:
        return self._state != _PENDING

    def cancelled(self) -> bool:
        return self._state == _CANCELLED

    def result(self) -> Any:
        if self._state == _CANCELLED:
            raise CancelledError
        if self._state == _PENDING:
            raise RuntimeError("Result is not set.")
        if self._exc is not None:
            raise self._exc
        return self._result

    def exception(self) -> BaseException | None:
        if self._state == _CANCELLED:
            raise CancelledError
        if self._state == _PENDING:
            raise RuntimeError("Exception is not set.")
        return self._exc

    def set_result(self, value: Any) -> None:
        if self._state != _PENDING:
            raise RuntimeError("invalid state")
        self._result, self._state = value, _DONE
        self._wake()

    def set_exception(self, exc: BaseException) -> None:
        if self._state != _PENDING:
            raise RuntimeError("invalid state")
        self._exc, self._state = exc, _DONE
        self._wake()

    def cancel(self, msg: object = None) -> bool:
        if self._state != _PENDING:
            return False
        self._state = _CANCELLED
        self._wake()
        return True

    def add_done_callback(self, fn: Callable[[Any], None]) -> None:
        if self._state != _PENDING:
            self._loop.ready.append((fn, self))
        else:
            self._callbacks.append(fn)

    def remove_done_callback(self, fn: Callable[[Any], None]) -> int:
        n = len(self._callbacks)
        self._callbacks = [cb for cb in self._callbacks if cb != fn]
        return n - len(self._callbacks)

    def _wake(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        ready = self._loop.ready
        for fn in callbacks:
            ready.append((fn, self))

    def __await__(self) -> Generator[Any, None, Any]:
        if self._state == _PENDING:
            yield self  # the task steps again once this is done
        return self.result()

    __iter__ = __await__


class Task(Future):
    """A coroutine stepped by the local loop: each step runs it to its next suspension."""

    __slots__ = ("_coro", "_must_cancel", "_waiting")

    def __init__(self, loop: _Loop, coro: Coroutine[Any, Any, Any]) -> None:
        super().__init__(loop)
        self._coro = coro
        self._must_cancel = False
        self._waiting: Future | None = None
        loop.tasks.add(self)
        loop.ready.append((self._step, None))

    def cancel(self, msg: object = None) -> bool:
        if self.done():
            return False
        waiting = self._waiting
        if waiting is not None and waiting.cancel():
            return True  # the task wakes with the CancelledError its await raises
        self._must_cancel = True
        return True

    def _step(self, _arg: object) -> None:
        if self._state != _PENDING:
            return
        loop = self._loop
        self._waiting = None
        try:
            if self._must_cancel:
                self._must_cancel = False
                yielded = self._coro.throw(CancelledError())
            else:
                yielded = self._coro.send(None)
        except StopIteration as stop:
            self._result, self._state = stop.value, _DONE
            self._finish()
        except CancelledError:
            self._state = _CANCELLED
            self._finish()
        except (NeedsLoop, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as err:  # the task's outcome, for its awaiter
            self._exc, self._state = err, _DONE
            self._finish()
        else:
            if isinstance(yielded, Future):
                self._waiting = yielded
                yielded.add_done_callback(self._wakeup)
            elif yielded is None:  # a bare yield (sleep(0)): step again after the others
                loop.ready.append((self._step, None))
            else:  # an asyncio future: this run needs asyncio after all
                raise NeedsLoop

    def _wakeup(self, _fut: object) -> None:
        self._step(None)

    def _finish(self) -> None:
        self._loop.tasks.discard(self)
        self._wake()


class _Loop:
    """The ready queue of a local run and its tasks."""

    def __init__(self) -> None:
        self.ready: deque[tuple[Callable[[Any], None], Any]] = deque()
        self.tasks: set[Task] = set()

    def _drain(self) -> None:
        ready = self.ready
        while ready:
            fn, arg = ready.popleft()
            fn(arg)

    def run_until_complete(self, coro: Coroutine[Any, Any, T]) -> T:
        main = Task(self, coro)
        self._drain()  # a NeedsLoop or an interrupt leaves through here: close() ends the rest
        if not main.done():
            raise RuntimeError("A local run stalled: every task waits on another")
        # As asyncio.run ends: the tasks still going are cancelled and run to their end.
        leftover = [t for t in self.tasks if t is not main]
        for task in leftover:
            task.cancel()
        if leftover:
            self._drain()
        return main.result()  # type: ignore[no-any-return]

    def close(self) -> None:
        import contextlib

        for task in list(self.tasks):  # left by a NeedsLoop or an interrupt
            with contextlib.suppress(RuntimeError):  # a finally that awaits: nothing to do
                task._coro.close()
        self.tasks.clear()
        self.ready.clear()


def _as_future(loop: _Loop, aw: Awaitable[Any]) -> Future:
    if isinstance(aw, Future):
        return aw
    return Task(loop, aw)  # type: ignore[arg-type]


def _gather(loop: _Loop, aws: Iterable[Awaitable[Any]], return_exceptions: bool) -> Future:
    children = [_as_future(loop, aw) for aw in aws]
    outer = Future(loop)
    if not children:
        outer.set_result([])
        return outer
    left = [len(children)]

    def one_done(child: Future) -> None:
        left[0] -= 1
        if outer.done():
            return
        if not return_exceptions:
            if child.cancelled():
                outer.set_exception(CancelledError())
                return
            if child._exc is not None:
                outer.set_exception(child._exc)
                return
        if left[0] == 0:
            outer.set_result([
                CancelledError() if c.cancelled() else c._exc if c._exc is not None else c._result
                for c in children
            ])

    for child in children:
        child.add_done_callback(one_done)
    return outer


def _shield(loop: _Loop, aw: Awaitable[Any]) -> Future:
    inner = _as_future(loop, aw)
    if inner.done():
        return inner
    outer = Future(loop)

    def copy(fut: Future) -> None:
        if outer.done():
            return
        if fut.cancelled():
            outer.cancel()
        elif fut._exc is not None:
            outer.set_exception(fut._exc)
        else:
            outer.set_result(fut._result)

    inner.add_done_callback(copy)
    return outer


class _Semaphore:
    """``asyncio.Semaphore`` for a local run (first come, first served)."""

    def __init__(self, loop: _Loop, value: int) -> None:
        self._loop = loop
        self._value = value
        self._waiters: deque[Future] = deque()

    def locked(self) -> bool:
        return self._value == 0

    async def acquire(self) -> bool:
        if self._value > 0 and not self._waiters:
            self._value -= 1
            return True
        fut = Future(self._loop)
        self._waiters.append(fut)
        try:
            await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                self.release()  # given to this waiter as it was cancelled: pass it on
            else:
                self._waiters.remove(fut)
            raise
        return True

    def release(self) -> None:
        self._value += 1
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                self._value -= 1
                fut.set_result(True)
                return

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.release()
