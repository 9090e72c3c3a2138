"""`sula._fs.in_thread_to_end`: a cancelled task waits for its thread before it unwinds, so
the temporary directory a thread writes into is removed only once the thread is done."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from sula._fs import in_thread_to_end, temp_dir_in


def test_a_cancelled_task_waits_for_its_thread_then_is_cancelled(tmp_path: Path) -> None:
    started = threading.Event()
    written: list[Path] = []

    def unzip_slowly(dest: Path) -> None:
        started.set()
        time.sleep(0.3)  # the task is cancelled meanwhile
        (dest / "unpacked").mkdir(parents=True)
        written.append(dest / "unpacked" / "METADATA")
        written[-1].write_text("Name: beta\n")

    async def fetch() -> None:
        with temp_dir_in(tmp_path, prefix="wheel-") as tmp:
            await in_thread_to_end(None, unzip_slowly, tmp)

    async def main() -> None:
        task = asyncio.ensure_future(fetch())
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert written, "the thread ran to its end"
    assert list(tmp_path.iterdir()) == []  # and its directory went after it, not before


def test_the_result_and_the_exception_of_the_thread_come_back() -> None:
    async def main() -> int:
        return await in_thread_to_end(None, lambda a, b: a + b, 2, 3)

    assert asyncio.run(main()) == 5

    def fail() -> None:
        raise ValueError("bad zip")

    async def failing() -> None:
        await in_thread_to_end(None, fail)

    with pytest.raises(ValueError, match="bad zip"):
        asyncio.run(failing())
