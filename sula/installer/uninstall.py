"""Remove an installed distribution, staged so that a failure leaves it whole.

Every path to remove is first renamed into a hidden staging directory on the same
filesystem (the metadata directory first, so an interrupted uninstall never leaves
metadata whose files are gone); if any rename fails, the moves are undone in reverse.
Only then is the staging directory deleted and emptied parent directories pruned.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Collection
from pathlib import Path

from sula._fs import remove_tree
from sula._record import dataclass
from sula._span import span
from sula.installer.errors import UninstallError, UnsafePathError
from sula.installer.layout import Layout
from sula.installer.linker import TEMP_PREFIX, temp_sibling
from sula.installer.site_packages import InstalledDist, InstalledKind

__all__ = ["UninstallSummary", "collect_paths", "uninstall"]


@dataclass(frozen=True, slots=True)
class UninstallSummary:
    """What was removed: the number of files and directories taken away."""

    dist: InstalledDist
    removed: int


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _pycache_of(path: str) -> list[str]:
    """The ``__pycache__/<stem>.*.pyc`` files that belong to the module at ``path``."""
    head, name = os.path.split(path)
    if not name.endswith(".py"):
        return []
    cache = os.path.join(head, "__pycache__")
    stem = name[:-3] + "."
    try:
        return [os.path.join(cache, n) for n in os.listdir(cache) if n.startswith(stem) and n.endswith(".pyc")]
    except OSError:
        return []


def collect_paths(dist: InstalledDist) -> list[str]:
    """The absolute paths that removing ``dist`` takes away, metadata first; raises
    :class:`UninstallError` when they cannot be known (a ``.dist-info`` without RECORD)."""
    site = str(dist.site)
    if dist.kind is InstalledKind.EGG_LINK:
        return [str(dist.path)]
    paths: list[str] = [str(dist.path)]
    meta_prefix = str(dist.path) + os.sep
    if dist.kind is InstalledKind.DIST_INFO:
        if not (dist.path / "RECORD").exists():
            raise UninstallError(dist.name, f"`{dist.path.name}/RECORD` is missing, so its files are unknown")
        listed = dist.files()
    else:
        listed = dist.files()
        if not listed and dist.path.is_dir():
            try:
                tops = (dist.path / "top_level.txt").read_text(encoding="utf-8").split()
            except OSError:
                tops = []
            for top in tops:
                for cand in (top, top + ".py"):
                    if os.path.lexists(os.path.join(site, cand)):
                        listed.append(cand)
    seen = set(paths)
    for rel in listed:
        path = os.path.normpath(os.path.join(site, rel))
        if path in seen or path.startswith(meta_prefix):
            continue
        seen.add(path)
        paths.append(path)
        for pyc in _pycache_of(path):
            if pyc not in seen:
                seen.add(pyc)
                paths.append(pyc)
    return paths


def _egg_link_target(dist: InstalledDist) -> str:
    try:
        return dist.path.read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError):
        return ""


def _remove_pth_line(dist: InstalledDist, target: str) -> None:
    """Drop a legacy editable's project path from ``easy-install.pth``."""
    pth = dist.site / "easy-install.pth"
    try:
        lines = pth.read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    project = os.path.normpath(os.path.join(str(dist.site), target)) if target else ""
    keep = [
        line for line in lines
        if not project or os.path.normpath(os.path.join(str(dist.site), line.strip())) != project
    ]
    if keep != lines:
        from sula._fs import atomic_write_text

        atomic_write_text(pth, "\n".join(keep) + ("\n" if keep else ""))


def uninstall(
    dist: InstalledDist, layout: Layout, *, paths: list[str] | None = None, keep: Collection[str] = frozenset(),
) -> UninstallSummary:
    """Remove ``dist`` from ``layout``; raise :class:`UninstallError` and change nothing on failure.

    ``paths``: its :func:`collect_paths`, taken before a new version was linked over it (whose
    ``.dist-info`` may have the same name); ``keep``: the paths that new version wrote, left
    in place.
    """
    roots = [os.path.normpath(str(r)) for r in [*layout.roots(), dist.site]]
    with span("uninstall", dist=f"{dist.name}=={dist.version}"):
        if paths is None:
            paths = collect_paths(dist)
        if keep:
            paths = [p for p in paths if p not in keep]
        for path in paths:
            if not _inside(path, roots):
                raise UnsafePathError(os.path.relpath(path, dist.site), dist.site)
        link_target = _egg_link_target(dist) if dist.kind is InstalledKind.EGG_LINK else ""
        stage = dist.site / f"{TEMP_PREFIX}{secrets.token_hex(4)}-uninstall"
        stage.mkdir()
        moved: list[tuple[str, str]] = []
        try:
            for i, path in enumerate(paths):
                if not os.path.lexists(path):
                    continue
                dest = os.path.join(str(stage), str(i))
                try:
                    os.rename(path, dest)
                except OSError as err:
                    if err.errno != errno.EXDEV:
                        raise
                    # Another filesystem: stage it beside itself under a hidden name.
                    dest = temp_sibling(path)
                    os.rename(path, dest)
                moved.append((path, dest))
        except OSError as err:
            for src, dest in reversed(moved):
                with contextlib.suppress(OSError):
                    os.rename(dest, src)
            remove_tree(stage)
            raise UninstallError(dist.name, f"could not move `{err.filename}` aside ({err.strerror})") from err
        if dist.kind is InstalledKind.EGG_LINK:
            _remove_pth_line(dist, link_target)
        remove_tree(stage)
        for _src, dest in moved:
            if not dest.startswith(str(stage)):
                remove_tree(Path(dest))
        _prune_empty_dirs([src for src, _ in moved], roots)
    return UninstallSummary(dist=dist, removed=len(moved))


def _prune_empty_dirs(removed: list[str], roots: list[str]) -> None:
    """Remove directories that the removal left empty, never a root itself."""
    stop = set(roots)
    parents = {os.path.dirname(p) for p in removed}
    for parent in sorted(parents, key=len, reverse=True):
        d = parent
        while d not in stop and _inside(d, roots):
            try:
                if any(n for n in os.listdir(d) if n != "__pycache__"):
                    break
                pc = os.path.join(d, "__pycache__")
                if os.path.isdir(pc) and not os.listdir(pc):
                    os.rmdir(pc)
                os.rmdir(d)
            except OSError:
                break
            d = os.path.dirname(d)
