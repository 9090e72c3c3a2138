"""Warn the user once per distinct message; the CLI installs the sink that prints them."""

from __future__ import annotations

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from collections.abc import Callable

_seen: set[str] = set()
_sink: Callable[[str], None] | None = None


def set_sink(sink: Callable[[str], None] | None) -> None:
    """Route user warnings to ``sink`` (the CLI's printer); ``None`` drops them to logging."""
    global _sink
    _sink = sink


def warn_user(message: str) -> None:
    """Show ``message`` to the user once per process."""
    if message in _seen:
        return
    _seen.add(message)
    if _sink is not None:
        _sink(message)
    else:
        import logging

        logging.getLogger("sula").warning("%s", message)


def warn_user_always(message: str) -> None:
    """Show ``message`` to the user every time."""
    if _sink is not None:
        _sink(message)
    else:
        import logging

        logging.getLogger("sula").warning("%s", message)
