"""Legacy setuptools metadata files (``*.egg-info``)."""

from __future__ import annotations

__all__ = ["and_marker", "parse_requires_txt"]


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
        out.append(and_marker(line, " and ".join(conds)) if conds else line)
    return out


def and_marker(requirement: str, condition: str) -> str:
    """The PEP 508 ``requirement`` with ``condition`` and-ed onto its marker.

    A URL requirement needs whitespace before its ``;`` (``name @ url ; extra == "x"``): PEP
    508 reads ``url;`` as part of the URL. A requirement that does not parse is kept as it
    is, so that whoever reads it reports it.
    """
    from packaging.markers import InvalidMarker, Marker
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(requirement)
        req.marker = Marker(f"({req.marker}) and {condition}" if req.marker else condition)
    except (InvalidRequirement, InvalidMarker):
        return f"{requirement} ; {condition}"
    return str(req)
