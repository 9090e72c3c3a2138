"""Timed spans: ``with span("resolve"):`` logs the step and its duration at debug level, and,
when recording is on, keeps it for the phase summary of ``-v`` and for ``SULA_TRACE``.

``SULA_TRACE=FILE`` (read by the CLI) writes every span of the run as a Chrome trace-event
JSON file (open it in Perfetto or ``chrome://tracing``): one row per thread, and one per
asyncio task, so concurrent downloads and metadata reads show side by side. Nothing here
prints; the CLI asks :func:`phase_times` and :func:`write_trace` at the end of a run.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PHASES", "phase_times", "record", "span", "write_trace"]

#: The phase of a run each span belongs to (``-v`` prints one line of their wall times).
PHASES = {
    "resolve": "resolve",
    "resolver.solve": "resolve",
    "download": "prepare",
    "fetch_wheel": "prepare",
    "unzip": "prepare",
    "build_metadata": "build",
    "build_wheel": "build",
    "uninstall": "install",
    "install_wheels": "install",
    "compile_bytecode": "install",
}

# (name, start, end, thread or task row, fields); None: not recording.
_events: list[tuple[str, float, float, int, dict[str, object]]] | None = None
_rows: dict[int, tuple[int, str]] = {}  # id(thread or task) -> (row number, name)
_rows_lock = threading.Lock()
_origin = time.perf_counter()


def record() -> None:
    """Keep every span from now on (for :func:`phase_times` and :func:`write_trace`)."""
    global _events
    if _events is None:
        _events = []


def _row() -> int:
    key: object = threading.current_thread()
    name = threading.current_thread().name
    asyncio = sys.modules.get("asyncio")
    if asyncio is not None:
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no running loop in this thread
            task = None
        if task is not None:
            key, name = task, f"task {task.get_name()}"
    with _rows_lock:
        found = _rows.get(id(key))
        if found is None:
            found = _rows[id(key)] = (len(_rows) + 1, name)
        return found[0]


@contextmanager
def span(name: str, **fields: object) -> Iterator[None]:
    """Log ``name`` when it starts and, with its elapsed time, when it ends; record it."""
    # ``logging`` is imported only by whoever configures it (the CLI, for -v): until then no
    # handler exists and a debug record would go nowhere, so it is not imported here.
    logging = sys.modules.get("logging")
    log = logging.getLogger("sula.span") if logging is not None else None
    if log is not None and not log.isEnabledFor(10):  # logging.DEBUG
        log = None
    events = _events
    if log is None and events is None:
        yield
        return
    detail = " ".join(f"{k}={v}" for k, v in fields.items())
    if log is not None:
        log.debug("start %s %s", name, detail)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        t1 = time.perf_counter()
        if events is not None:
            events.append((name, t0, t1, _row(), fields))
        if log is not None:
            log.debug("done  %s in %.1f ms %s", name, (t1 - t0) * 1000, detail)


def phase_times() -> dict[str, float]:
    """Seconds of wall time each phase of :data:`PHASES` covered (overlapping spans of one
    phase, concurrent downloads say, count once), for the phases that ran."""
    by_phase: dict[str, list[tuple[float, float]]] = {}
    for name, t0, t1, _, _ in _events or ():
        phase = PHASES.get(name)
        if phase is not None:
            by_phase.setdefault(phase, []).append((t0, t1))
    out: dict[str, float] = {}
    for phase in dict.fromkeys(PHASES.values()):
        spans = sorted(by_phase.get(phase, ()))
        if not spans:
            continue
        total, (start, end) = 0.0, spans[0]
        for t0, t1 in spans[1:]:
            if t0 > end:
                total += end - start
                start, end = t0, t1
            else:
                end = max(end, t1)
        out[phase] = total + (end - start)
    return out


def write_trace(path: str) -> None:
    """Write the recorded spans to ``path`` as Chrome trace-event JSON (atomically)."""
    import json

    pid = os.getpid()
    events: list[dict[str, object]] = [
        {"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": "sula"}},
    ]
    for row, name in sorted(_rows.values()):
        events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": row,
                       "args": {"name": name}})
    for name, t0, t1, row, fields in _events or ():
        events.append({
            "name": name, "cat": PHASES.get(name, "sula"), "ph": "X", "pid": pid, "tid": row,
            "ts": round((t0 - _origin) * 1e6, 1), "dur": round((t1 - t0) * 1e6, 1),
            "args": {k: str(v) for k, v in fields.items()},
        })
    tmp = f"{path}.{pid}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"traceEvents": events, "displayTimeUnit": "ms"}, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
