"""``sula pip show PKG…``: metadata, location, requirements and reverse requirements."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments

    parser.add_argument("package", nargs="+", help="Names of installed packages")
    parser.add_argument("-f", "--files", action="store_true", help="List the installed files")
    add_target_arguments(parser, install=False)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula._warnings import warn_user
    from sula.cli.commands._pip_env import find_target
    from sula.distribution.names import canonicalize_name
    from sula.errors import SulaError
    from sula.installer.check import requirements_of
    from sula.installer.site_packages import SitePackages

    env, layout = find_target(args, ctx)
    markers = env.interpreter.marker_environment()
    site = SitePackages.from_layout(layout)
    missing = [n for n in args.package if not site.get(n)]
    if missing:
        warn_user("Package(s) not found for: " + ", ".join(missing))
    found = [d for n in args.package for d in site.get(n)]
    if not found:
        raise SulaError("None of the packages given is installed")
    required_by: dict[str, list[str]] = {}
    for dist in site:
        for req in requirements_of(dist, markers):
            required_by.setdefault(canonicalize_name(req.name), []).append(dist.display_name)
    out = ctx.printer.out
    for i, dist in enumerate(found):
        if i:
            out("---")
        meta = dist.metadata()
        requires = sorted({r.name for r in requirements_of(dist, markers)}, key=str.lower)
        out(f"Name: {dist.display_name}")
        out(f"Version: {dist.version}")
        for field in ("Summary", "Home-page", "Author", "Author-email", "License"):
            out(f"{field}: {meta.get(field) or ''}")
        out(f"Location: {dist.location()}")
        if dist.editable:
            from sula.cli.commands.pip_list import _project_location

            out(f"Editable project location: {_project_location(dist)}")
        out(f"Installer: {dist.installer() or ''}")
        out(f"Requires: {', '.join(requires)}")
        out(f"Required-by: {', '.join(sorted(set(required_by.get(dist.name, [])), key=str.lower))}")
        if args.files:
            out("Files:")
            for path in dist.files():
                out(f"  {path}")
    return 0
