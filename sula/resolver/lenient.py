"""Repairs of common mistakes in published ``Requires-Dist`` lines, as uv repairs them.

Released metadata cannot be fixed by its authors any more, and a few mistakes are common
enough that uv (0.13.9, measured on local wheels) reads them as what was clearly meant:

- a missing comma between two clauses: ``>=7.2.0<8.0.0`` is ``>=7.2.0,<8.0.0``;
- ``!=~5.0`` is ``!=5.0``;
- a wildcard after an ordering operator: ``>=1.9.*`` is ``>=1.9``, ``<3.*`` is ``<3``;
- a wildcard without its dot: ``!=3.0*`` is ``!=3.0.*``;
- quotes around a version: ``>='2.7'`` is ``>=2.7``.

Only the part before the marker is touched, and only of a line that does not parse as it is;
a line that still does not parse makes its version unusable ("has invalid metadata"), as uv
and pip (since 24.1) treat it, never a requirement silently dropped.
"""

from __future__ import annotations

import re

__all__ = ["repair_requirement"]

_FIXES: list[tuple[re.Pattern[str], str]] | None = None
# The name and extras, left alone (``boto3>=1<2``: the ``3`` is the name's).
_NAME = r"\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?"


def _fixes() -> list[tuple[re.Pattern[str], str]]:
    global _FIXES
    if _FIXES is None:  # compiled on the first broken line, never at import
        _FIXES = [
            (re.compile(r"(\d)([<>=~!])"), r"\1,\2"),  # missing comma
            (re.compile(r"!=~((?:\d\.)*\d)"), r"!=\1"),
            (re.compile(r"(<=|>=|<|>)(\d+(?:\.\d+)*)\.\*"), r"\1\2"),
            (re.compile(r"(\d\.\d+)\*"), r"\1.*"),  # missing dot before the star
            (re.compile(r"['\"]"), ""),  # stray quotes
        ]
    return _FIXES


def repair_requirement(text: str) -> str | None:
    """``text`` with the repairs above applied to its name and version part, or None when
    none applies (or it has a URL, which is left as written)."""
    head, sep, marker = text.partition(";")
    name = re.match(_NAME, head)
    if "@" in head or name is None:
        return None
    spec = fixed = head[name.end():]
    for pattern, replacement in _fixes():
        fixed = pattern.sub(replacement, fixed)
    if fixed == spec:
        return None
    return head[:name.end()] + fixed + sep + marker
