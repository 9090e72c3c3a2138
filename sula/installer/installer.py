"""Act on a plan: remove distributions, link cached wheels, compile bytecode.

A new version of an installed distribution is linked before the old one is removed
(:class:`Replacement`): a run killed in between leaves the old version, or the new one, or
both dist-infos (which the next run's plan reinstalls), never neither.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sula._record import dataclass
from sula._span import span
from sula.installer.errors import InstallError
from sula.installer.install import InstallOptions, install_wheel, remove_stale_temp
from sula.installer.layout import Layout
from sula.installer.linker import Linker, LinkMode
from sula.installer.site_packages import InstalledDist
from sula.installer.uninstall import UninstallSummary, collect_paths, uninstall
from sula.installer.wheel import UnpackedWheel

if TYPE_CHECKING:
    from sula.distribution.dist import CachedDist
    from sula.installer.plan import Wanted

__all__ = [
    "InstalledWheel", "Replacement", "compile_bytecode", "install_wheels", "open_wheels", "uninstall_dists",
]


@dataclass(frozen=True, slots=True)
class InstalledWheel:
    """A distribution the installer just put in place, and its ``.dist-info`` directory."""

    name: str
    version: str
    dist_info: Path

    def paths(self) -> set[str]:
        """The absolute paths of its RECORD and the ``.dist-info`` directory itself."""
        from sula.database.record import parse_record

        site = str(self.dist_info.parent)
        text = (self.dist_info / "RECORD").read_text(encoding="utf-8")
        found = {os.path.normpath(os.path.join(site, e.path)) for e in parse_record(text)}
        found.add(os.path.normpath(str(self.dist_info)))
        return found


class Replacement:
    """Installed versions that new ones replace: their files are listed now, before the new
    versions are linked over them, and removed by :meth:`finish` once those are in place,
    except what the new versions wrote. Listing refuses (:class:`UninstallError`) a version
    whose files cannot be known before anything changes."""

    def __init__(self, dists: Sequence[InstalledDist]) -> None:
        self._dists = [(d, collect_paths(d)) for d in dists]
        #: What the old versions own: the linker does not call overwriting these a conflict.
        self.owned = frozenset(p for _d, paths in self._dists for p in paths)

    def __bool__(self) -> bool:
        return bool(self._dists)

    def finish(self, installed: Sequence[InstalledWheel], layout: Layout) -> list[UninstallSummary]:
        """Remove the old versions, leaving every path of ``installed`` in place."""
        if not self._dists:
            return []
        keep: set[str] = set()
        for wheel in installed:
            keep |= wheel.paths()
        return [uninstall(d, layout, paths=paths, keep=keep) for d, paths in self._dists]


def uninstall_dists(dists: Sequence[InstalledDist], layout: Layout) -> list[UninstallSummary]:
    """Remove ``dists`` one by one (each removal is all-or-nothing)."""
    remove_stale_temp(layout)
    return [uninstall(d, layout) for d in dists]


def open_wheels(
    to_link: Sequence[tuple[Wanted, CachedDist]], requested: Collection[str],
) -> list[tuple[UnpackedWheel, InstallOptions]]:
    """The cached wheels of ``to_link`` opened for :func:`install_wheels`, each with its
    ``REQUESTED`` marker (named in ``requested``) and its ``direct_url.json``."""
    return [
        (UnpackedWheel.open(cw.path, want.name),
         InstallOptions(requested=want.name in requested, direct_url=_direct_url_info(want, cw)))
        for want, cw in to_link
    ]


def _direct_url_info(want: Wanted, cached: CachedDist) -> dict[str, object] | None:
    """PEP 610 ``direct_url.json`` for URL, path, directory and git installs; None for
    registry ones."""
    from sula.distribution import dist as d

    source = want.source
    match source:
        case d.TreeSource():  # a directory (editable or not) or a git checkout
            return source.direct_url()
        case d.GitSource():
            raise AssertionError(f"`{source}` is linked only once checked out")
        case (d.RegistryWheel() | d.UrlWheel() | d.PathWheel() | d.RegistrySdist() | d.UrlSdist()
              | d.PathSdist() | None):
            if want.url is None:
                return None  # a registry pin, or a lock's file of an index
        case _:
            d.assert_never(source)
    archive: dict[str, object] = {}
    if cached.sha256:
        archive["hash"] = f"sha256={cached.sha256}"
        archive["hashes"] = {"sha256": cached.sha256}
    from sula.client.auth import strip_credentials

    # No credentials in a file of the environment (as pip and uv write it).
    return {"url": strip_credentials(want.url.split("#", 1)[0]), "archive_info": archive}


def install_wheels(
    wheels: Sequence[tuple[UnpackedWheel, InstallOptions]],
    layout: Layout,
    link_mode: LinkMode | None = None,
    on_installed: Callable[[str], None] | None = None,
    owned: Collection[str] = frozenset(),
) -> list[InstalledWheel]:
    """Link each unpacked wheel into ``layout``, in order (a later file wins a conflict).

    ``on_installed(name)`` is called after each one (the CLI's progress bar). ``owned``: the
    paths of the versions these replace (:attr:`Replacement.owned`), overwritten silently.
    """
    from sula.cache.usage import touch

    remove_stale_temp(layout)
    linker = Linker(link_mode, owned)
    done: list[InstalledWheel] = []
    with span("install_wheels", count=len(wheels)):
        for wheel, options in wheels:
            touch(wheel.root)  # the cache entry's last use, for the eviction order
            dist_info = install_wheel(wheel, layout, linker, options)
            done.append(InstalledWheel(wheel.name, wheel.version, dist_info))
            if on_installed is not None:
                on_installed(wheel.name)
    return done


def compile_bytecode(layout: Layout) -> int:
    """Compile every ``.py`` file in the library directories with the target interpreter.

    Runs ``compileall`` in a subprocess of the target's Python (so the bytecode matches its
    version), one worker per core; files that do not compile (templates, other Python
    versions) are skipped as pip and uv skip them. Returns the number of ``.py`` files seen.
    """
    dirs = [str(d) for d in layout.site_dirs() if d.is_dir()]
    count = 0
    for d in dirs:
        for _dirpath, _dirnames, filenames in os.walk(d):
            count += sum(1 for f in filenames if f.endswith(".py"))
    if not dirs:
        return 0
    cmd = [str(layout.python), "-m", "compileall", "-q", "-j", "0", *dirs]
    with span("compile_bytecode", files=count):
        try:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        except OSError as err:
            raise InstallError(f"Failed to run `{layout.python}` to compile bytecode") from err
    return count
