"""``sula pip list``: installed packages as columns, ``name==version`` lines, or JSON."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments

    parser.add_argument("--format", choices=["columns", "freeze", "json"], default="columns",
                        help="Output format (default: columns)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("-e", "--editable", action="store_true", help="Only editable packages")
    only.add_argument("--exclude-editable", action="store_true", help="Leave editable packages out")
    add_target_arguments(parser, install=False)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    import json

    from sula.cli.commands._pip_env import find_target
    from sula.installer.site_packages import SitePackages

    _env, layout = find_target(args, ctx)
    dists = [
        d for d in SitePackages.from_layout(layout)
        if not (args.editable and not d.editable) and not (args.exclude_editable and d.editable)
    ]
    any_editable = any(d.editable for d in dists)
    if args.format == "json":
        rows: list[dict[str, str]] = []
        for d in dists:
            item = {"name": d.display_name, "version": d.version}
            if d.editable:
                item["editable_project_location"] = str(_project_location(d))
            rows.append(item)
        ctx.printer.out(json.dumps(rows))
        return 0
    if args.format == "freeze":
        for d in dists:
            ctx.printer.out(f"{d.display_name}=={d.version}")
        return 0
    if not dists:
        return 0
    header = ["Package", "Version"] + (["Editable project location"] if any_editable else [])
    table = [header]
    for d in dists:
        row = [d.display_name, d.version]
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
