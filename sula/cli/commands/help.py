"""``sula help [COMMAND…]``: the help of the top level, a group or a command."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("command", nargs="*", help="The command to show help for")


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cli.main import build_parser, group_help, resolve_command, top_level_help
    from sula.errors import SulaError

    words: list[str] = args.command
    if not words:
        ctx.printer.out(top_level_help())
        return 0
    path, info, extra = resolve_command(words)
    if info is None:
        if path and not extra:
            ctx.printer.out(group_help(path[0]))
            return 0
        raise SulaError(f"Unknown command `{' '.join(words)}`; run `sula help` for the list")
    parser, _ = build_parser(path, info)
    ctx.printer.out(parser.format_help().rstrip())
    return 0
