"""Version comparisons that tolerate the odd invalid version found in the wild."""

from __future__ import annotations

__all__ = ["same_version"]


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality (``1.0 == 1.0.0``), falling back to text for invalid versions."""
    if a == b:
        return True
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False
