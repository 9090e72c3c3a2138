"""``sula pip uninstall PKG… | -r FILE``: remove installed packages by their RECORD."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_safety_arguments, add_target_arguments

    parser.add_argument("package", nargs="*", help="Names of packages to uninstall")
    parser.add_argument("-r", "--requirement", metavar="FILE", action="append", default=[],
                        help="Uninstall the packages named in FILE (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="Show what would be removed")
    parser.add_argument("-y", "--yes", action="store_true",
                        help="Accepted for pip compatibility: sula never asks (as uv)")
    add_target_arguments(parser)
    add_safety_arguments(parser)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula._fs import lock
    from sula._warnings import warn_user
    from sula.cli.commands._pip_env import find_target, format_elapsed, packages, print_changes
    from sula.distribution.names import canonicalize_name
    from sula.errors import SulaError
    from sula.installer.installer import uninstall_dists
    from sula.installer.site_packages import InstalledDist, SitePackages

    names: list[str] = []
    for text in args.package:
        from sula.requirements.sources import parse_requirement_string

        req = parse_requirement_string(text)
        if req.name is None:
            raise SulaError(f"Cannot tell the package name of `{text}`")
        names.append(req.name)
    if args.requirement:
        from sula.requirements import from_sources

        spec = from_sources(requirements=args.requirement)
        for entry in [*spec.requirements, *spec.editables]:
            if entry.name is not None:
                names.append(entry.name)
    if not names:
        raise SulaError("Give at least one package or `-r FILE` to uninstall")
    _env, layout = find_target(args, ctx)
    t = time.perf_counter()
    # Locked before site-packages is read, so that a concurrent install cannot change what
    # this plans to remove (a dry run changes nothing and takes no lock).
    with contextlib.nullcontext() if args.dry_run else lock(layout.lock_path()):
        site = SitePackages.from_layout(layout)
        dists: list[InstalledDist] = []
        seen: set[str] = set()
        for name in names:
            norm = canonicalize_name(name)
            if norm in seen:
                continue
            seen.add(norm)
            found = site.get(norm)
            if not found:
                warn_user(f"Skipping `{name}` as it is not installed")
            dists.extend(found)
        if not dists:
            # pip and uv warn and succeed: the wanted state (not installed) holds.
            warn_user("No packages to uninstall")
            return 0
        if args.dry_run:
            ctx.printer.info(f"Would uninstall {packages(len(dists))}")
            print_changes(ctx.printer, [(d.name, d.version) for d in dists], [])
            return 0
        done = uninstall_dists(dists, layout)
    ctx.printer.info(f"Uninstalled {packages(len(done))} in {format_elapsed(time.perf_counter() - t)}")
    print_changes(ctx.printer, [(s.dist.name, s.dist.version) for s in done], [])
    return 0
