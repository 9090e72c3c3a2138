"""``sula cache dir``: print the cache directory on stdout."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "The cache is `--cache-dir`, else `SULA_CACHE_DIR`, else the platform's user cache\n"
        "directory. The path is printed even when the directory does not exist yet."
    )


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cli.commands.cache import resolve_cache

    ctx.printer.out(str(resolve_cache(ctx).root))
    return 0
