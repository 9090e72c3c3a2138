"""sula._aio: the local loop of offline runs behaves as asyncio does for what sula awaits,
and a run that needs asyncio after all starts again under it."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from sula import _aio


async def _wait_then_log(fut: object, log: list[str], name: str) -> None:
    """Wait on ``fut`` (never set here), logging ``name`` on the way out."""
    try:
        await fut  # type: ignore[misc]
    finally:
        log.append(name)


def _python(code: str) -> str:
    """What ``code`` prints, run in an interpreter of its own (a process-wide state)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_tasks_gather_and_results_in_order() -> None:
    order: list[str] = []

    async def leaf(name: str, value: int) -> int:
        order.append(name)
        return value

    async def main() -> list[int]:
        task = _aio.ensure_future(leaf("background", 3))
        both = await _aio.gather(leaf("a", 1), leaf("b", 2))
        return [*both, await task]

    assert _aio.run(main, local=True) == [1, 2, 3]
    # The background task was queued first and runs first, as on asyncio's ready queue.
    assert order == ["background", "a", "b"]


def test_a_future_suspends_its_awaiter_until_set() -> None:
    async def main() -> str:
        fut = _aio.create_future()

        async def setter() -> None:
            fut.set_result("set")

        _aio.ensure_future(setter())
        return await _aio.shield(fut)  # type: ignore[no-any-return]

    assert _aio.run(main, local=True) == "set"


def test_exceptions_reach_the_awaiter_and_gather_can_return_them() -> None:
    async def fails() -> None:
        raise ValueError("no")

    async def main() -> list[object]:
        got = await _aio.gather(fails(), _aio.to_thread(int, "7"), return_exceptions=True)
        with pytest.raises(ValueError, match="no"):
            await _aio.gather(fails())
        return got

    got = _aio.run(main, local=True)
    assert isinstance(got[0], ValueError) and got[1] == 7

    async def top() -> None:
        await fails()

    with pytest.raises(ValueError, match="no"):
        _aio.run(top, local=True)


def test_to_thread_runs_inline_in_a_local_run_and_in_a_thread_under_asyncio() -> None:
    async def where() -> int:
        return await _aio.to_thread(threading.get_ident)

    assert _aio.run(where, local=True) == threading.get_ident()
    assert _aio.run(where, local=False) != threading.get_ident()


def test_a_semaphore_lets_only_its_count_in_at_once() -> None:
    inside = peak = 0

    async def worker(sem: object, gate: object) -> None:
        nonlocal inside, peak
        async with sem:  # type: ignore[attr-defined]
            inside += 1
            peak = max(peak, inside)
            await gate  # type: ignore[misc]  (held until every worker has been started)
            inside -= 1

    async def main() -> None:
        sem = _aio.Semaphore(2)
        gate = _aio.create_future()
        tasks = [_aio.ensure_future(worker(sem, gate)) for _ in range(5)]

        async def open_gate() -> None:
            gate.set_result(None)

        _aio.ensure_future(open_gate())
        await _aio.gather(*tasks)

    _aio.run(main, local=True)
    assert peak == 2 and inside == 0


def test_tasks_left_running_are_cancelled_at_the_end() -> None:
    cleaned: list[str] = []

    async def main() -> str:
        _aio.ensure_future(_wait_then_log(_aio.create_future(), cleaned, "cleaned"))
        return "done"

    assert _aio.run(main, local=True) == "done"
    assert cleaned == ["cleaned"]


def test_a_cancelled_waiter_sees_the_cancellation() -> None:
    async def main() -> bool:
        never = _aio.create_future()
        waiter = _aio.ensure_future(_aio.shield(never))  # type: ignore[arg-type]

        async def cancel() -> None:
            waiter.cancel()

        await _aio.gather(cancel())
        got = await _aio.gather(waiter, return_exceptions=True)
        return isinstance(got[0], _aio.CancelledError) and not never.done()

    assert _aio.run(main, local=True)


def test_what_needs_asyncio_runs_the_whole_run_again_under_it() -> None:
    attempts: list[bool] = []

    async def main() -> str:
        attempts.append(_aio.is_local())
        _aio.require_loop()
        import asyncio

        await asyncio.sleep(0)
        return "under asyncio"

    assert _aio.run(main, local=True) == "under asyncio"
    assert attempts == [True, False]
    assert not _aio.is_local()


def test_awaiting_an_asyncio_future_in_a_local_run_falls_back_too() -> None:
    import asyncio

    async def main() -> int:
        if _aio.is_local():
            class Foreign:  # what an asyncio future yields to its task
                def __await__(self):  # type: ignore[no-untyped-def]
                    yield self
            await Foreign()
        await asyncio.sleep(0)
        return 1

    assert _aio.run(main, local=True) == 1


def test_a_stalled_local_run_is_an_error_not_a_hang() -> None:
    async def main() -> None:
        await _aio.create_future()

    with pytest.raises(RuntimeError, match="stalled"):
        _aio.run(main, local=True)


def test_a_local_run_imports_no_asyncio() -> None:
    code = (
        "import sys\n"
        "from sula import _aio\n"
        "async def leaf(x):\n"
        "    return await _aio.to_thread(lambda: x)\n"
        "async def main():\n"
        "    sem = _aio.Semaphore(1)\n"
        "    async with sem:\n"
        "        return sum(await _aio.gather(*(leaf(i) for i in range(4))))\n"
        "assert _aio.run(main, local=True) == 6\n"
        "print('asyncio' in sys.modules)\n"
    )
    assert _python(code) == "False"


def test_an_interrupt_leaves_the_local_run_at_once_and_closes_its_tasks() -> None:
    closed: list[str] = []

    async def main() -> None:
        _aio.ensure_future(_wait_then_log(_aio.create_future(), closed, "other"))
        await _aio.gather(_aio.to_thread(int, "1"))  # lets the other task start
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _aio.run(main, local=True)
    assert closed == ["other"] and not _aio.is_local()


def test_a_run_inside_a_local_run_is_asyncio_s_own() -> None:
    async def inner() -> bool:
        import asyncio

        await asyncio.sleep(0)
        return _aio.is_local()

    async def main() -> tuple[bool, bool]:
        nested = _aio.run(inner, local=False)
        return nested, _aio.is_local()

    assert _aio.run(main, local=True) == (False, True)


def test_the_command_collects_no_garbage_until_an_asyncio_run() -> None:
    """``sula`` defers the cyclic collector (start-up and an offline resolve make objects by
    the ten thousand, almost no garbage); the first asyncio run (a network or build run)
    freezes what exists and collects from then on. A process that did not defer keeps its
    collector as it was."""
    code = (
        "import gc\n"
        "from sula import _aio\n"
        "from sula._gc import defer_gc, resume_gc\n"
        "async def main():\n"
        "    return gc.isenabled()\n"
        "resume_gc()\n"
        "assert gc.isenabled() and gc.get_freeze_count() == 0  # nothing deferred: untouched\n"
        "defer_gc()\n"
        "assert not gc.isenabled()\n"
        "assert _aio.run(main, local=True) is False  # a local run: still off\n"
        "assert _aio.run(main, local=False) is True  # an asyncio run: on, the rest frozen\n"
        "assert gc.isenabled() and gc.get_freeze_count() > 0\n"
        "print('ok')\n"
    )
    assert _python(code) == "ok"
