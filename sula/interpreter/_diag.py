"""Timed spans that cost nothing (not even ``import logging``) when off.

The CLI imports and configures ``logging`` only for ``-v``; when nothing has imported it,
nothing can have configured a handler, so a debug record would go nowhere. ``sula venv`` is
start-up bound, so these helpers keep ``logging`` out of its import graph.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # ``typing`` itself costs milliseconds: mypy treats this name as True
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from types import TracebackType

__all__ = ["span"]


class _Null:
    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


_NULL = _Null()


def span(name: str, **fields: object) -> AbstractContextManager[None]:
    """:func:`sula._span.span` if logging is in use, else a no-op context manager."""
    if "logging" not in sys.modules:
        return _NULL
    from sula._span import span as real_span

    return real_span(name, **fields)
