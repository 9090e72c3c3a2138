"""The install pipeline shared by `pip sync` and `pip install`: wanted → plan → fetch → remove → link.

Everything here calls library code; this module adds the timings and the lines users see.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sula.cli.main import CliContext
    from sula.client.registry import RegistryClient
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.database import CachedWheel, DistributionDatabase, WheelSource
    from sula.installer import Layout
    from sula.installer.plan import Plan, Reinstall, Wanted
    from sula.installer.site_packages import SitePackages
    from sula.interpreter import Interpreter
    from sula.requirements.types import RequirementsSpec


def add_install_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every installing command takes."""
    from sula.installer.linker import LinkMode

    group = parser.add_argument_group("installer options")
    group.add_argument("--reinstall", action="store_true", help="Reinstall every package")
    group.add_argument("--reinstall-package", metavar="NAME", action="append", default=[],
                       help="Reinstall one package (repeatable)")
    group.add_argument("--require-hashes", action="store_true",
                       help="Require a --hash for every requirement and check it")
    group.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing")
    group.add_argument("--strict", action="store_true",
                       help="After installing, fail if any installed package has missing or conflicting dependencies")
    group.add_argument("--link-mode", choices=[m.value for m in LinkMode], default=None,
                       help="How to put files from the cache into the environment "
                       "(default: hardlink, falling back to copy)")
    group.add_argument("--compile-bytecode", "--compile", action="store_true",
                       help="Compile the installed Python files to bytecode")


def merged_index_settings(
    args: argparse.Namespace, ctx: CliContext, spec: RequirementsSpec | None
) -> tuple[IndexSettings, ClientSettings]:
    """Index flags from the command line, falling back to the options in requirements files."""
    from sula.client.settings import settings_from_args

    index, client = settings_from_args(args, offline=ctx.options.offline, native_tls=ctx.options.native_tls)
    if spec is not None:
        if index.index_url is None and spec.index_url is not None:
            index = replace(index, index_url=spec.index_url.url)
        if not index.extra_index_urls and spec.extra_index_urls:
            index = replace(index, extra_index_urls=tuple(u.url for u in spec.extra_index_urls))
        if not index.find_links and spec.find_links:
            index = replace(index, find_links=tuple(u.url for u in spec.find_links))
        if spec.no_index and not index.no_index:
            index = replace(index, no_index=True)
    return index, client


@dataclass(slots=True)
class Outcome:
    """What the pipeline did, for the summary and for `--strict`."""

    removed: list[tuple[str, str]] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)


def _cached_candidates(
    db: DistributionDatabase, client: RegistryClient | None, keys: list[str], want: Wanted,
    interp: Interpreter,
) -> CachedWheel | None:
    from sula.database.select import tag_string
    from sula.installer.plan import same_version

    assert want.version is not None
    best: tuple[int, CachedWheel] | None = None
    for key in keys:
        for cw in db.registry_entries(key, want.name):
            if not same_version(cw.filename.version_str, want.version):
                continue
            rank = interp.wheel_priority(tag_string(cw.filename))
            if rank is None:
                continue
            if want.hashes and not _hash_listed(cw.sha256, want.hashes):
                continue
            if best is None or rank < best[0]:
                best = (rank, cw)
    return best[1] if best is not None else None


def _hash_listed(sha256: str | None, hashes: Sequence[str]) -> bool:
    from sula.database import parse_hashes

    return sha256 is not None and sha256 in parse_hashes(hashes).get("sha256", set())


def direct_source(want: Wanted) -> WheelSource:
    """The database source of a URL or path requirement (wheels only, for now)."""
    from urllib.parse import unquote, urlsplit

    from sula.database import PathWheel, UrlWheel
    from sula.dist import FilenameError, WheelFilename
    from sula.installer.errors import SourceBuildRequiredError

    assert want.url is not None
    if want.editable:
        raise SourceBuildRequiredError(f"-e {want.url}")
    parts = urlsplit(want.url)
    filename = unquote(parts.path.rsplit("/", 1)[-1])
    if not filename.endswith(".whl"):
        raise SourceBuildRequiredError(str(want))
    try:
        fn = WheelFilename.parse(filename)
    except FilenameError as err:
        raise SourceBuildRequiredError(str(want)) from err
    if parts.scheme == "file":
        return PathWheel(filename=fn, path=Path(unquote(parts.path)))
    fragment = parts.fragment
    hashes: dict[str, str] = {}
    for piece in fragment.split("&"):
        algo, sep, value = piece.partition("=")
        if sep and algo in ("sha256", "sha384", "sha512", "md5", "sha1", "sha224"):
            hashes[algo] = value
    return UrlWheel(filename=fn, url=want.url.split("#", 1)[0], hashes=hashes)


def direct_url_info(want: Wanted, cached: CachedWheel) -> dict[str, object] | None:
    """PEP 610 ``direct_url.json`` for URL and path installs; None for registry ones."""
    if want.url is None:
        return None
    archive: dict[str, object] = {}
    if cached.sha256:
        archive["hash"] = f"sha256={cached.sha256}"
        archive["hashes"] = {"sha256": cached.sha256}
    return {"url": want.url.split("#", 1)[0], "archive_info": archive}


async def _prepare(
    remote: Sequence[Wanted],
    *,
    db: DistributionDatabase,
    client: RegistryClient | None,
    interp: Interpreter,
) -> list[tuple[Wanted, CachedWheel]]:
    from sula.database.select import registry_wheel, select_wheel
    from sula.dist import SdistFilename
    from sula.installer.errors import NoMatchingDistributionError, SourceBuildRequiredError

    async def one(want: Wanted) -> tuple[Wanted, CachedWheel]:
        if want.url is not None:
            return want, await db.get_wheel(direct_source(want), want.hashes)
        assert client is not None and want.version is not None
        files = await client.files(want.name)
        picked = select_wheel(files.files, want.version, interp.wheel_priority)
        if picked is None:
            from sula.installer.plan import same_version

            of_version = [f for f in files.files if same_version(f.filename.version_str, want.version)]
            if not files.files:
                raise NoMatchingDistributionError(str(want), "the package is not on the index")
            if not of_version:
                raise NoMatchingDistributionError(str(want), "the index has no file of that version")
            if all(isinstance(f.filename, SdistFilename) for f in of_version):
                raise SourceBuildRequiredError(str(want))
            raise NoMatchingDistributionError(
                str(want),
                f"no wheel is compatible with the target Python {interp.python_full_version}"
                + (" (a source distribution exists, but source builds are not supported yet)"
                   if any(isinstance(f.filename, SdistFilename) for f in of_version) else ""),
            )
        return want, await db.get_wheel(registry_wheel(picked), want.hashes)

    return list(await asyncio.gather(*(one(w) for w in remote)))


def run_pipeline(
    wanted: Sequence[Wanted],
    *,
    args: argparse.Namespace,
    ctx: CliContext,
    spec: RequirementsSpec | None,
    layout: Layout,
    interp: Interpreter,
    reinstall: Reinstall,
    sync: bool,
    started: float,
) -> Outcome:
    """Plan against the environment and the cache, then fetch, remove and link; print as uv does."""
    from sula._fs import lock
    from sula.cli.commands._pip_env import DownloadProgress, LinkProgress, format_elapsed, packages
    from sula.client.registry import RegistryClient
    from sula.database import DistributionDatabase
    from sula.installer import InstallOptions, UnpackedWheel
    from sula.installer.installer import compile_bytecode, install_wheels, uninstall_dists
    from sula.installer.linker import LinkMode
    from sula.installer.plan import plan_install
    from sula.installer.site_packages import SitePackages

    printer = ctx.printer
    printer.info(f"Resolved {packages(len(wanted))} in {format_elapsed(time.perf_counter() - started)}")
    t_audit = time.perf_counter()
    index, client_settings = merged_index_settings(args, ctx, spec)
    site = SitePackages.from_layout(layout)
    db = DistributionDatabase(cache=ctx.cache)
    outcome = Outcome()
    try:
        client: RegistryClient | None = None
        probe = RegistryClient(cache=ctx.cache, index=index, settings=client_settings)
        keys = _index_keys(probe, index)

        def find_cached(want: Wanted) -> CachedWheel | None:
            if want.url is not None:
                try:
                    src = direct_source(want)
                except Exception:
                    return None
                return db.lookup(src, want.hashes)
            return _cached_candidates(db, client, keys, want, interp)

        plan = plan_install(
            wanted, site, find_cached=find_cached, reinstall=reinstall, remove_extraneous=sync
        )
        if plan.extraneous:
            keep = _self_protection(site, layout, interp)
            if keep:
                from sula._warnings import warn_user

                kept = [d for d in plan.extraneous if d.name in keep]
                if kept:
                    warn_user(
                        "Keeping `sula` and its dependencies in the environment it runs from: "
                        + ", ".join(f"`{d.name}`" for d in kept)
                    )
                plan.extraneous[:] = [d for d in plan.extraneous if d.name not in keep]
        if getattr(args, "dry_run", False):
            _print_dry_run(ctx, plan, wanted, t_audit)
            return outcome
        if plan.is_noop():
            printer.info(
                f"Audited {packages(len(wanted))} in {format_elapsed(time.perf_counter() - t_audit)}"
            )
            return outcome

        prepared: list[tuple[Wanted, CachedWheel]] = []
        if plan.remote:
            # Fail on inputs that need a build before anything is downloaded or removed.
            for want in plan.remote:
                if want.url is not None:
                    direct_source(want)
            t = time.perf_counter()
            progress = DownloadProgress(len(plan.remote), printer)
            db.reporter = progress

            async def fetch() -> list[tuple[Wanted, CachedWheel]]:
                async with RegistryClient(cache=ctx.cache, index=index, settings=client_settings) as c:
                    db.client = c
                    return await _prepare(plan.remote, db=db, client=c, interp=interp)

            try:
                prepared = asyncio.run(fetch())
            finally:
                progress.close()
            printer.info(f"Prepared {packages(len(prepared))} in {format_elapsed(time.perf_counter() - t)}")

        mode = LinkMode(args.link_mode) if getattr(args, "link_mode", None) else None
        requested = {w.name for w in wanted if w.requested}
        to_link = sorted([*plan.cached, *prepared], key=lambda item: item[0].name)
        with lock(layout.lock_path(ctx.cache.root / ".locks")):
            removals = [*plan.reinstall, *plan.extraneous]
            if removals:
                t = time.perf_counter()
                done = uninstall_dists(removals, layout)
                printer.info(f"Uninstalled {packages(len(done))} in {format_elapsed(time.perf_counter() - t)}")
                outcome.removed = [(s.dist.name, s.dist.version) for s in done]
            if to_link:
                t = time.perf_counter()
                items = [
                    (
                        UnpackedWheel.open(cw.path, want.name),
                        InstallOptions(requested=want.name in requested, direct_url=direct_url_info(want, cw)),
                    )
                    for want, cw in to_link
                ]
                bar = LinkProgress(len(items), printer)
                try:
                    installed = install_wheels(items, layout, mode, on_installed=bar.on_installed)
                finally:
                    bar.close()
                printer.info(f"Installed {packages(len(installed))} in {format_elapsed(time.perf_counter() - t)}")
                outcome.added = [(i.name, i.version) for i in installed]
        if getattr(args, "compile_bytecode", False) and to_link:
            t = time.perf_counter()
            n = compile_bytecode(layout)
            printer.info(f"Bytecode compiled {n} files in {format_elapsed(time.perf_counter() - t)}")
    finally:
        db.close()
    from sula.cli.commands._pip_env import print_changes

    print_changes(printer, outcome.removed, outcome.added)
    return outcome


def _self_protection(site: SitePackages, layout: Layout, interp: Interpreter) -> set[str]:
    """sula and its requirements, when this sula imports from the target: `sync` keeps them."""
    import os
    import sys

    from packaging.utils import canonicalize_name

    from sula.installer.check import requirements_of

    ours = {os.path.realpath(p) for p in sys.path if p}
    if not site.get("sula") or not any(os.path.realpath(d) in ours for d in layout.site_dirs()):
        return set()
    markers = interp.marker_environment()
    keep: set[str] = set()
    todo = ["sula"]
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        for dist in site.get(name):
            todo.extend(str(canonicalize_name(r.name)) for r in requirements_of(dist, markers))
    return keep


def _index_keys(client: RegistryClient, index: IndexSettings) -> list[str]:
    """The cache keys wheels of these indexes and find-links are stored under (no network)."""
    keys: list[str] = []
    for loc in index.find_links:
        keys.append(client.auth.remember(loc))
    # No default index known (no pip beside sula): only find-links can be cached.
    with contextlib.suppress(Exception):
        keys.extend(i.url for i in client.indexes)
    return keys


def _print_dry_run(ctx: CliContext, plan: Plan, wanted: Sequence[Wanted], t0: float) -> None:
    from sula.cli.commands._pip_env import format_elapsed, packages, print_changes

    printer = ctx.printer
    printer.info(f"Audited {packages(len(wanted))} in {format_elapsed(time.perf_counter() - t0)}")
    printer.info("Would make no changes" if plan.is_noop() else "Would make these changes:")
    removed = [(d.name, d.version) for d in [*plan.reinstall, *plan.extraneous]]
    added = [(w.name, w.version or w.url or "") for w in plan.remote]
    added += [(w.name, cw.filename.version_str) for w, cw in plan.cached]
    if plan.remote:
        printer.info(f"Would download {packages(len(plan.remote))}")
    print_changes(printer, removed, added)


def wanted_from_spec(
    spec: RequirementsSpec, interp: Interpreter, *, require_hashes: bool
) -> list[Wanted]:
    """Turn parsed requirements into pins for the target (markers evaluated, extras ignored)."""
    from packaging.utils import canonicalize_name

    from sula.installer.errors import (
        InstallError,
        MissingHashError,
        SourceBuildRequiredError,
        UnpinnedRequirementError,
    )
    from sula.installer.plan import Wanted, same_version
    from sula.requirements.types import RegistryRequirement, UrlKind, UrlRequirement

    env = interp.marker_environment()
    out: dict[str, Wanted] = {}
    for entry in [*spec.requirements, *spec.editables]:
        req = entry.requirement
        marker = req.marker
        if marker is not None and not marker.evaluate(dict(env)):
            continue
        origin = str(entry.origin)
        if require_hashes and not entry.hashes and not (isinstance(req, UrlRequirement) and req.kind is UrlKind.PATH):
            raise MissingHashError(str(req), origin)
        want: Wanted
        match req:
            case RegistryRequirement():
                specs = list(req.specifier)
                if len(specs) != 1 or specs[0].operator not in ("==", "===") or specs[0].version.endswith(".*"):
                    raise UnpinnedRequirementError(str(req), origin)
                want = Wanted(name=req.name, version=specs[0].version, hashes=entry.hashes)
            case UrlRequirement():
                if req.name is None or entry.editable or req.kind in (UrlKind.DIRECTORY, UrlKind.GIT):
                    raise SourceBuildRequiredError(req.url.given if req.name is None else str(req))
                url = req.url.url
                hashes = entry.hashes
                if req.hash and not hashes:
                    hashes = (req.hash,)
                want = Wanted(name=req.name, url=url, editable=entry.editable, hashes=hashes)
        name = canonicalize_name(want.name)
        prev = out.get(name)
        if prev is not None and (prev.url != want.url or not same_version(prev.version or "", want.version or "")):
            raise InstallError(f"`{name}` is pinned twice, as `{prev}` and as `{want}`")
        out[name] = want
    return list(out.values())
