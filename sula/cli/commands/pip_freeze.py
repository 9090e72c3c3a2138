"""``sula pip freeze``: installed packages as requirements (``name==version``, URLs, ``-e``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext
    from sula.installer.site_packages import InstalledDist


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments

    parser.add_argument("--exclude-editable", action="store_true", help="Leave editable packages out")
    parser.add_argument("--all", action="store_true",
                        help="Accepted for pip compatibility: pip, setuptools and wheel are always "
                        "listed (as uv)")
    add_target_arguments(parser, install=False)


def freeze_line(dist: InstalledDist) -> str:
    """pip's form: ``-e URL`` for editables, ``name @ URL`` for URL installs, else ``name==version``."""
    if dist.editable:
        url = dist.url or dist.location().as_uri()
        return f"-e {url}"
    if dist.url is not None:
        info = dist.direct_url or {}
        vcs = info.get("vcs_info")
        if isinstance(vcs, dict) and vcs.get("vcs") and vcs.get("commit_id"):
            sub = info.get("subdirectory")
            frag = f"#subdirectory={sub}" if isinstance(sub, str) and sub else ""
            return f"{dist.display_name} @ {vcs['vcs']}+{dist.url}@{vcs['commit_id']}{frag}"
        return f"{dist.display_name} @ {dist.url}"
    return f"{dist.display_name}=={dist.version}"


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cli.commands._pip_env import find_target
    from sula.installer.site_packages import SitePackages

    _env, layout = find_target(args, ctx)
    for dist in SitePackages.from_layout(layout):
        if args.exclude_editable and dist.editable:
            continue
        ctx.printer.out(freeze_line(dist))
    return 0
