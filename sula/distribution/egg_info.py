"""Legacy setuptools metadata files (``*.egg-info``)."""

from __future__ import annotations

__all__ = ["parse_requires_txt"]


def parse_requires_txt(text: str) -> list[str]:
    """setuptools' ``requires.txt`` as PEP 508 strings.

    Lines before any section are unconditional; ``[extra]``, ``[:marker]`` and
    ``[extra:marker]`` sections put their condition on every line under them.
    """
    out: list[str] = []
    extra = ""
    marker = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, marker = line[1:-1].partition(":")
            extra, marker = extra.strip(), marker.strip()
            continue
        conds = []
        if marker:
            conds.append(f"({marker})")
        if extra:
            conds.append(f'extra == "{extra}"')
        out.append(f"{line}; {' and '.join(conds)}" if conds else line)
    return out
