"""``sula cache clean [PACKAGE…]``: remove the whole cache, or every entry of some packages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "packages", nargs="*", metavar="PACKAGE",
        help="Remove only these packages' entries (index pages, wheels, built wheels)",
    )
    parser.epilog = (
        "Waits for other sula processes that hold the cache lock.\n\n"
        "Examples:\n"
        "  sula cache clean             # everything\n"
        "  sula cache clean flask Jinja2"
    )


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cache.clean import clean_all, clean_package, normalize_package
    from sula.cli.commands.cache import on_wait, resolve_cache, summary

    names = [normalize_package(p) for p in args.packages]
    cache = resolve_cache(ctx)
    printer = ctx.printer
    if not cache.root.is_dir():
        printer.info(f"No cache found at: `{cache.root}`")
        return 0
    with cache.lock_exclusive(on_wait=on_wait(ctx)):
        if not names:
            printer.info(f"Clearing cache at: `{cache.root}`")
            removal = clean_all(cache)
            printer.info(summary(removal) if not removal.is_empty else "No cache entries found")
            return 0
        for name in dict.fromkeys(names):
            removal = clean_package(cache, name)
            if removal.is_empty:
                printer.info(f"No cache entries found for `{name}`")
            else:
                printer.info(summary(removal, f" for `{name}`"))
    return 0
