"""Find missing and conflicting dependencies among installed distributions (``pip check``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sula._record import dataclass
from sula.installer.site_packages import InstalledDist, SitePackages

if TYPE_CHECKING:
    from packaging.requirements import Requirement

__all__ = ["Conflict", "Missing", "Problem", "check", "requirement_texts_of", "requirements_of"]


@dataclass(frozen=True, slots=True)
class Missing:
    """``dist`` requires ``requirement``, and nothing of that name is installed."""

    dist: InstalledDist
    requirement: str

    def __str__(self) -> str:
        return f"The package `{self.dist.name}` requires `{self.requirement}`, but it's not installed"


@dataclass(frozen=True, slots=True)
class Conflict:
    """``dist`` requires ``requirement``, and ``installed`` does not satisfy it."""

    dist: InstalledDist
    requirement: str
    installed: InstalledDist

    def __str__(self) -> str:
        return (
            f"The package `{self.dist.name}` requires `{self.requirement}`, "
            f"but `{self.installed.version}` is installed"
        )


Problem = Missing | Conflict


def requirements_of(
    dist: InstalledDist, markers: Mapping[str, str], extras: frozenset[str] = frozenset()
) -> list[Requirement]:
    """The parsed requirements of ``dist`` that apply under ``markers`` (with ``extras``)."""
    return [req for _, req in requirement_texts_of(dist, markers, extras)]


def requirement_texts_of(
    dist: InstalledDist, markers: Mapping[str, str], extras: frozenset[str] = frozenset()
) -> list[tuple[str, Requirement]]:
    """:func:`requirements_of` with each requirement's text as the metadata spells it."""
    from packaging.requirements import InvalidRequirement, Requirement

    out: list[tuple[str, Requirement]] = []
    for text in dist.requires():
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None:
            keep = False
            for extra in ("", *sorted(extras)):
                env = dict(markers)
                env["extra"] = extra
                if req.marker.evaluate(env):
                    keep = True
                    break
            if not keep:
                continue
        out.append((text, req))
    return out


def check(site: SitePackages, markers: Mapping[str, str]) -> list[Problem]:
    """Every unmet requirement of every installed distribution, in name order."""
    from packaging.version import InvalidVersion, Version

    from sula.distribution.names import canonicalize_name

    problems: list[Problem] = []
    for dist in site:
        for req in requirements_of(dist, markers):
            found = site.get(canonicalize_name(req.name))
            text = str(req).split(";", 1)[0].strip()
            if not found:
                problems.append(Missing(dist, text))
                continue
            dep = found[0]
            try:
                ok = req.specifier.contains(Version(dep.version), prereleases=True)
            except InvalidVersion:
                ok = not req.specifier
            if not ok:
                problems.append(Conflict(dist, text, dep))
    return problems
