"""Module loggers that cost nothing, not even ``import logging``, until logging is in use.

``import logging`` brings ``traceback``, ``tokenize``, ``linecache``, ``textwrap`` (which
compiles its patterns when its class is made), ``string``, ``weakref`` and ``threading``: a few
milliseconds of every start, for debug records that a plain run never shows. Nobody can have
configured a handler or a level before ``logging`` was imported, so until then a record below
WARNING would go nowhere and is dropped here; anything else, or any record once ``logging`` is
loaded (the CLI loads it for ``-v``; an application may load it itself), goes to the real
``logging.getLogger(name)``.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # ``typing`` costs milliseconds; mypy treats this name as True
if TYPE_CHECKING:
    import logging

__all__ = ["DEBUG", "Logger", "getLogger"]

DEBUG = 10
_WARNING = 30


class Logger:
    """The part of :class:`logging.Logger` sula uses, forwarding once ``logging`` is loaded."""

    __slots__ = ("_logger", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._logger: logging.Logger | None = None

    def _real(self) -> logging.Logger:
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self.name)
        return self._logger

    def isEnabledFor(self, level: int) -> bool:
        if "logging" not in sys.modules:
            return level >= _WARNING
        return self._real().isEnabledFor(level)

    def debug(self, msg: object, *args: object, **kwargs: object) -> None:
        if "logging" in sys.modules:
            self._real().debug(msg, *args, **kwargs)  # type: ignore[arg-type]

    def info(self, msg: object, *args: object, **kwargs: object) -> None:
        if "logging" in sys.modules:
            self._real().info(msg, *args, **kwargs)  # type: ignore[arg-type]

    def warning(self, msg: object, *args: object, **kwargs: object) -> None:
        self._real().warning(msg, *args, **kwargs)  # type: ignore[arg-type]

    def error(self, msg: object, *args: object, **kwargs: object) -> None:
        self._real().error(msg, *args, **kwargs)  # type: ignore[arg-type]

    def exception(self, msg: object, *args: object, **kwargs: object) -> None:
        self._real().exception(msg, *args, **kwargs)  # type: ignore[arg-type]


def getLogger(name: str) -> Logger:
    return Logger(name)
