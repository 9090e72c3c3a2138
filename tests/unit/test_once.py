"""`OnceMap`: one flight per key; a failure is shared, a cancelled leader is not."""

from __future__ import annotations

import asyncio

import pytest

from sula._once import OnceMap


def test_concurrent_callers_share_one_run() -> None:
    calls: list[str] = []

    async def fn(key: str) -> str:
        calls.append(key)
        await asyncio.sleep(0.01)
        return key.upper()

    async def main() -> list[str]:
        once: OnceMap[str, str] = OnceMap()
        return list(await asyncio.gather(*(once.run("a", fn) for _ in range(5))))

    assert asyncio.run(main()) == ["A"] * 5
    assert calls == ["a"]


def test_failure_reaches_the_waiters_and_is_not_cached() -> None:
    calls = 0

    async def fn(key: str) -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise ValueError("first")
        return "ok"

    async def main() -> None:
        once: OnceMap[str, str] = OnceMap()
        results = await asyncio.gather(once.run("k", fn), once.run("k", fn), return_exceptions=True)
        assert [type(r) for r in results] == [ValueError, ValueError]
        assert await once.run("k", fn) == "ok"

    asyncio.run(main())


def test_cancelled_leader_does_not_fail_the_waiters() -> None:
    started = 0

    async def fn(key: str) -> str:
        nonlocal started
        started += 1
        await asyncio.sleep(0.05)
        return f"{key}-{started}"

    async def main() -> None:
        once: OnceMap[str, str] = OnceMap()
        leader = asyncio.create_task(once.run("k", fn))
        await asyncio.sleep(0)  # the leader starts fn
        waiters = [asyncio.create_task(once.run("k", fn)) for _ in range(3)]
        await asyncio.sleep(0.01)
        leader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leader
        # One waiter takes over the work; the others share its result.
        assert await asyncio.gather(*waiters) == ["k-2"] * 3
        assert started == 2
        assert once.get("k") == "k-2"

    asyncio.run(main())


def test_cancelled_waiter_leaves_the_leader_running() -> None:
    async def fn(key: str) -> str:
        await asyncio.sleep(0.03)
        return "done"

    async def main() -> None:
        once: OnceMap[str, str] = OnceMap()
        leader = asyncio.create_task(once.run("k", fn))
        await asyncio.sleep(0)
        waiter = asyncio.create_task(once.run("k", fn))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert await leader == "done"

    asyncio.run(main())
