"""Project names normalized as PEP 503 says, without importing ``packaging.utils``.

``packaging.utils`` imports ``packaging.tags``, and with it ``platform``, ``subprocess``,
``logging``, ``sysconfig`` and ``packaging.version`` (whose regular expression it compiles):
about as much start-up as the rest of a no-op ``pip sync``, for a function of three string
operations. Every module of sula takes the name functions from here; the type is packaging's
``NormalizedName`` for mypy and plain ``str`` at run time (a ``NewType`` is ``str`` there too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.utils import NormalizedName
else:
    NormalizedName = str

__all__ = ["NormalizedName", "canonicalize_name"]


def canonicalize_name(name: str) -> NormalizedName:
    """PEP 503: runs of ``-``, ``_`` and ``.`` become one ``-``, then lower case; the same
    answer as ``packaging.utils.canonicalize_name`` (without its ``validate``)."""
    value = name.replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return value.lower()  # type: ignore[return-value]
