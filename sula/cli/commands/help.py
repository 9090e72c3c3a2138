"""``sula help [COMMAND…]``: the help of the top level, a group or a command."""

from __future__ import annotations

from sula.cli._quickparse import quick_parse

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import SimpleNamespace

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("command", nargs="*", help="The command to show help for")


def parse_quick(args: Sequence[str]) -> SimpleNamespace | None:
    """``sula help [COMMAND…]`` without argparse (``sula help`` should print at once)."""
    return quick_parse(args, (), positional="command", many=True)


def run(args: argparse.Namespace | SimpleNamespace, ctx: CliContext) -> int:
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
