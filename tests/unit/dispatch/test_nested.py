"""A nested install's event loops (in a worker thread) are cancelled from the waiting side."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from sula.dispatch import _nested


def test_cancel_stops_the_loop_a_worker_thread_runs() -> None:
    nested = _nested.NestedRun()
    started = threading.Event()
    errors: list[BaseException] = []

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    def body() -> None:
        try:
            nested.call(_nested.run, forever())
        except BaseException as err:  # what the thread ended with
            errors.append(err)

    thread = threading.Thread(target=body)
    thread.start()
    assert started.wait(30)
    t0 = time.monotonic()
    nested.cancel()
    thread.join(30)
    assert not thread.is_alive() and time.monotonic() - t0 < 5
    assert [type(e) for e in errors] == [asyncio.CancelledError]


def test_after_a_cancel_no_further_loop_runs() -> None:
    nested = _nested.NestedRun()
    nested.cancel()
    ran = []

    async def work() -> None:
        ran.append(1)

    with pytest.raises(asyncio.CancelledError):
        nested.call(_nested.run, work())
    assert ran == []


def test_outside_a_nested_install_it_is_asyncio_run() -> None:
    async def work() -> int:
        return 7

    assert _nested.run(work()) == 7
