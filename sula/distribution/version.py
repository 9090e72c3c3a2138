"""Version comparisons that tolerate the odd invalid version found in the wild."""

from __future__ import annotations

TYPE_CHECKING = False  # ``typing`` costs milliseconds: mypy treats this name as True
if TYPE_CHECKING:
    import re

__all__ = ["normal_version_pattern", "same_version"]

_NORMAL: re.Pattern[str] | None = None


def normal_version_pattern() -> re.Pattern[str]:
    """A PEP 440 public version in normal form: release ``N(.N)*`` (group 1), then an optional
    ``a``/``b``/``rc`` pre-release (groups 2, 3), ``.postN`` (4) and ``.devN`` (5). Compiled on
    first use: a no-op sync imports this module and never needs it."""
    global _NORMAL
    if _NORMAL is None:
        import re

        _NORMAL = re.compile(
            r"([0-9]+(?:\.[0-9]+)*)(?:(a|b|rc)([0-9]+))?(?:\.post([0-9]+))?(?:\.dev([0-9]+))?")
    return _NORMAL


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality (``1.0 == 1.0.0``), falling back to text for invalid versions."""
    if a == b:
        return True
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False
