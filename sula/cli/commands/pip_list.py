"""``sula pip list``: installed packages as columns, ``name==version`` lines, or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments

    parser.add_argument("--format", choices=["columns", "freeze", "json"], default="columns",
                        help="Output format (default: columns)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("-e", "--editable", action="store_true", help="Only editable packages")
    only.add_argument("--exclude-editable", action="store_true", help="Leave editable packages out")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("-o", "--outdated", action="store_true",
                       help="Only packages with a newer version on the index, and that version")
    which.add_argument("-u", "--uptodate", action="store_true",
                       help="Only packages whose installed version is the index's newest (as pip)")
    add_target_arguments(parser, install=False)
    from sula.client.settings import add_index_arguments

    add_index_arguments(parser)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    import json

    from sula.cli.commands._pip_env import find_target
    from sula.installer.site_packages import SitePackages

    if args.outdated and args.format == "freeze":
        from sula.errors import SulaError

        raise SulaError("`--outdated` cannot be used with `--format freeze`")
    env, layout = find_target(args, ctx)
    dists = [
        d for d in SitePackages.from_layout(layout)
        if not (args.editable and not d.editable) and not (args.exclude_editable and d.editable)
    ]
    latest: dict[str, tuple[str, bool, str]] = {}
    if args.outdated or args.uptodate:
        from sula.cli.commands._pip_env import latest_of

        # Only registry installs have an index version to compare (as uv and pip).
        dists = [d for d in dists if d.direct_url is None and not d.editable]
        latest = latest_of(args, ctx, env, [(str(d.name), d.version) for d in dists])
        dists = [d for d in dists if str(d.name) in latest and latest[str(d.name)][1] == args.outdated]
    any_editable = any(d.editable for d in dists)
    if args.format == "json":
        rows: list[dict[str, str]] = []
        for d in dists:
            item = {"name": d.display_name, "version": d.version}
            if d.editable:
                item["editable_project_location"] = str(_project_location(d))
            if args.outdated:
                item["latest_version"], _, item["latest_filetype"] = latest[str(d.name)]
            rows.append(item)
        ctx.printer.out(json.dumps(rows))
        return 0
    if args.format == "freeze":
        for d in dists:
            ctx.printer.out(f"{d.display_name}=={d.version}")
        return 0
    if not dists:
        return 0
    header = ["Package", "Version"] + (["Latest", "Type"] if args.outdated else [])
    header += ["Editable project location"] if any_editable else []
    table = [header]
    for d in dists:
        row = [d.display_name, d.version]
        if args.outdated:
            version, _, filetype = latest[str(d.name)]
            row += [version, filetype]
        if any_editable:
            row.append(str(_project_location(d)) if d.editable else "")
        table.append(row)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [table[0], ["-" * w for w in widths], *table[1:]]
    for r in lines:
        ctx.printer.out(" ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    return 0


def _project_location(dist: object) -> object:
    from urllib.parse import unquote, urlsplit

    from sula.installer.site_packages import InstalledDist

    assert isinstance(dist, InstalledDist)
    if dist.url is not None and dist.url.startswith("file:"):
        return unquote(urlsplit(dist.url).path)
    return dist.location()
