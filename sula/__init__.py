"""sula: a fast Python package resolver and installer with a pip-compatible interface.

The public API is imported lazily so that ``import sula`` stays cheap.
"""

from __future__ import annotations

from sula._version import __version__

TYPE_CHECKING = False  # not ``typing``'s: every command imports this module (mypy sees True)
if TYPE_CHECKING:
    from typing import Any

    from sula.dispatch.api import install, resolve

__all__ = ["__version__", "install", "resolve"]


def __getattr__(name: str) -> Any:
    # Lazy public API: ``sula.resolve`` imports the resolver only when first used.
    if name == "resolve":
        from sula.dispatch.api import resolve

        return resolve
    if name == "install":
        from sula.dispatch.api import install

        return install
    raise AttributeError(f"module 'sula' has no attribute {name!r}")
