"""Version comparisons that tolerate the odd invalid version found in the wild."""

from __future__ import annotations

TYPE_CHECKING = False  # ``typing`` costs milliseconds: mypy treats this name as True
if TYPE_CHECKING:
    import re

__all__ = ["could_be_same_version", "normal_version_pattern", "same_version"]

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


def _normal_key(m: re.Match[str]) -> tuple[object, ...]:
    release = [int(n) for n in m.group(1).split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    pre, pre_n, post, dev = m.group(2, 3, 4, 5)
    return (tuple(release), pre, pre_n and int(pre_n), post and int(post), dev and int(dev))


def _major(v: str) -> int | None:
    i = 0
    while i < len(v) and "0" <= v[i] <= "9":
        i += 1
    return int(v[:i]) if i and "!" not in v else None


def could_be_same_version(a: str, b: str) -> bool:
    """False only when ``a`` and ``b`` cannot be equal versions: their first release numbers
    differ (a cheap filter before :func:`same_version` over a page of versions)."""
    ma, mb = _major(a), _major(b)
    return ma is None or mb is None or ma == mb


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality (``1.0 == 1.0.0``), falling back to text for invalid versions.

    Two versions in normal form are compared without packaging (choosing a pin's file asks
    this of every file on its page); anything else (epochs, local parts, other spellings) is
    left to packaging."""
    if a == b:
        return True
    if not could_be_same_version(a, b):  # before any regex: most of a page's versions
        return False
    pattern = normal_version_pattern()
    ma, mb = pattern.fullmatch(a), pattern.fullmatch(b)
    if ma is not None and mb is not None:
        return _normal_key(ma) == _normal_key(mb)
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return False
