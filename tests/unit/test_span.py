"""sula._span: the phase times of `-v` (wall time, overlapping spans once) and the Chrome
trace of SULA_TRACE."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sula import _span


@pytest.fixture
def recording() -> Iterator[None]:
    _span.record()
    try:
        yield
    finally:
        _span._events = None
        _span._rows.clear()


def test_nothing_is_kept_unless_recording() -> None:
    assert _span._events is None
    with _span.span("download", wheel="a.whl"):
        pass
    assert _span.phase_times() == {}


def test_phase_times_count_overlapping_spans_once(recording: None) -> None:
    async def download(i: int) -> None:
        with _span.span("download", wheel=f"w{i}.whl"):
            await asyncio.sleep(0.05)

    async def main() -> None:
        await asyncio.gather(*(download(i) for i in range(4)))

    with _span.span("resolver.solve"):
        time.sleep(0.02)
    asyncio.run(main())
    with _span.span("install_wheels", count=4):
        pass
    phases = _span.phase_times()
    assert list(phases) == ["resolve", "prepare", "install"]  # the order of a run
    assert 0.02 <= phases["resolve"] < 0.05
    assert 0.05 <= phases["prepare"] < 0.15  # four concurrent 50 ms downloads: once, not 4×


def test_trace_is_chrome_trace_json_with_a_row_per_task(recording: None, tmp_path: Path) -> None:
    async def fetch(name: str) -> None:
        with _span.span("client.files", package=name):
            await asyncio.sleep(0.01)

    async def main() -> None:
        await asyncio.gather(fetch("a"), fetch("b"))

    with _span.span("sula pip compile"):
        asyncio.run(main())
    out = tmp_path / "trace.json"
    _span.write_trace(str(out))
    events = json.loads(out.read_text())["traceEvents"]
    spans = [e for e in events if e["ph"] == "X"]
    assert sorted(e["name"] for e in spans) == ["client.files", "client.files", "sula pip compile"]
    files = [e for e in spans if e["name"] == "client.files"]
    assert {e["args"]["package"] for e in files} == {"a", "b"}
    assert len({e["tid"] for e in files}) == 2  # one row per task
    root = next(e for e in spans if e["name"] == "sula pip compile")
    assert all(root["ts"] <= e["ts"] and e["ts"] + e["dur"] <= root["ts"] + root["dur"]
               for e in files)
    names = {e["tid"]: e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert names[root["tid"]] == "MainThread"
    assert sorted(names[e["tid"]] for e in files)[0].startswith("task ")
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left
