"""Hints after a failed resolution: why versions that look right were not used."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sula.errors import option
from sula.resolver.options import PrereleaseMode
from sula.resolver.version_map import Incompatibility

if TYPE_CHECKING:
    from sula.resolver.dependencies import Pkg
    from sula.resolver.provider import ResolverProvider

__all__ = ["hints_for"]

_MAX_LISTED = 3


def _list(versions: list[str]) -> str:
    shown = ", ".join(versions[:_MAX_LISTED])
    return shown + (", ..." if len(versions) > _MAX_LISTED else "")


def hints_for(provider: ResolverProvider, ranges: Iterable[tuple[Pkg, Any]]) -> list[str]:
    """Hints for the ``(package, range)`` pairs that had no usable version.

    Checks, per package: not on any index; pre-releases in range but not allowed; versions
    in range that are yanked, need a newer Python, have no wheel for the target, or need a
    build while builds are disabled.
    """
    out: list[str] = []
    seen: set[str] = set()
    selector = provider.selector
    python = provider.python

    def add(text: str) -> None:
        if text not in seen:
            seen.add(text)
            out.append(text)

    for pkg, rng in ranges:
        name = pkg.name
        if name in provider.not_found:
            add(f"`{name}` was not found in the package registry; check the spelling and "
                f"the index options ({option('--index-url')}, {option('--extra-index-url')}, "
                f"{option('--find-links')})")
            continue
        vmap = provider.version_map(name)
        if vmap is None:
            continue
        in_range = [e for e in vmap.entries if rng.contains(e.version)]
        if not in_range:
            continue
        pre = [str(e.version) for e in in_range
               if e.version.is_prerelease and vmap.best_file(e) is not None]
        if pre and selector.allows_prerelease(name, vmap) is False:
            mode = selector.prerelease
            advice = option("--prerelease", "allow")
            if mode is PrereleaseMode.EXPLICIT or mode is PrereleaseMode.IF_NECESSARY_OR_EXPLICIT:
                advice += f" or a pre-release specifier such as `{name}>={pre[-1]}`"
            add(f"Pre-releases are available for `{name}` in the requested range ({_list(pre)}), "
                f"but pre-releases weren't enabled (try: {advice})")
        by_reason: dict[Incompatibility, list[str]] = {}
        yanks = selector.allowed_yanks.get(name, frozenset())
        for e in in_range:
            reason = vmap.reason(e, allow_yanked=e.version in yanks)
            if reason is not None:
                by_reason.setdefault(reason, []).append(str(e.version))
        for reason, versions in sorted(by_reason.items()):
            pins = _list([f"`{name}=={v}`" for v in versions]).replace("`, `", "`, `")
            match reason:
                case Incompatibility.YANKED:
                    entry = vmap.get(next(e.version for e in in_range if str(e.version) == versions[0]))
                    why = f" (reason: {entry.yanked_reason})" if entry and entry.yanked_reason else ""
                    add(f"{pins} {'was' if len(versions) == 1 else 'were'} yanked{why}; a yanked "
                        f"version is only used when pinned with `==` in the inputs")
                case Incompatibility.REQUIRES_PYTHON:
                    add(f"{pins} {'requires' if len(versions) == 1 else 'require'} a newer Python "
                        f"than the target ({python.version}); use {option('--python-version')} or "
                        f"{option('--python')} to resolve for another Python")
                case Incompatibility.TAGS:
                    add(f"{pins} {'has' if len(versions) == 1 else 'have'} no wheel for the target "
                        "platform and Python, and no source distribution that may be built")
                case Incompatibility.NO_BUILD:
                    add(f"{pins} {'has' if len(versions) == 1 else 'have'} only a source "
                        f"distribution, and building is disabled ({option('--no-build')}/"
                        f"{option('--only-binary')})")
                case Incompatibility.NO_BINARY:
                    add(f"{pins} {'has' if len(versions) == 1 else 'have'} only wheels, and "
                        f"wheels are disabled ({option('--no-binary')})")
                case Incompatibility.NO_FILES:
                    add(f"{pins} {'has' if len(versions) == 1 else 'have'} no usable files")
        for e in in_range:
            line = provider.invalid_metadata.get((name, e.version))
            if line is not None:
                add(f"Metadata for `{name}` (v{e.version}) could not be parsed: `{line}` is not a "
                    "valid requirement")
    return out
