"""sula: a fast Python package resolver and installer with a pip-compatible interface.

The public API is imported lazily so that ``import sula`` stays cheap.
"""

from __future__ import annotations

from sula._version import __version__

__all__ = ["__version__"]
