"""Timed debug spans: ``with span("resolve"):`` logs the step and its duration at debug level."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

_log = logging.getLogger("sula.span")


@contextmanager
def span(name: str, **fields: object) -> Iterator[None]:
    """Log ``name`` when it starts and, with its elapsed time, when it ends."""
    if not _log.isEnabledFor(logging.DEBUG):
        yield
        return
    detail = " ".join(f"{k}={v}" for k, v in fields.items())
    _log.debug("start %s %s", name, detail)
    t0 = time.perf_counter()
    try:
        yield
    finally:
        _log.debug("done  %s in %.1f ms %s", name, (time.perf_counter() - t0) * 1000, detail)
