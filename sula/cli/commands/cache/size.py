"""``sula cache size``: how many bytes the cache holds, from its running totals."""

from __future__ import annotations

from sula.cli._quickparse import Option, add_options, quick_parse

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import SimpleNamespace

    from sula.cli.main import CliContext

# `sula cache size` is a file read: argparse and typing would be most of its time.
OPTIONS = (
    Option("--human", help="Print the size in binary units (`1.2 GiB`) instead of bytes"),
    Option("--exact", help="Walk the cache and repair the running totals (waits for other "
                           "sula processes that hold the cache lock)"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_options(parser, OPTIONS)
    parser.epilog = (
        "The size is what `du -sb` finds in the cache's buckets, a file linked into\n"
        "environments counted once. It comes from totals the commands that write to the cache\n"
        "keep up to date, so it needs no walk of the cache; `--exact` walks it."
    )


def parse_quick(args: Sequence[str]) -> SimpleNamespace | None:
    """The arguments without argparse when they use only plain spellings, else None."""
    ns = quick_parse(args, OPTIONS, positional="extra")
    return ns if ns is not None and ns.extra is None else None


def run(args: argparse.Namespace | SimpleNamespace, ctx: CliContext) -> int:
    from sula.cache import usage
    from sula.cli.commands.cache import resolve_cache

    cache = resolve_cache(ctx)
    totals = None if args.exact else usage.read_totals(cache)
    if totals is None:
        import os

        if not os.path.isdir(cache.root_dir):
            totals = {}
        else:
            from sula.cache import CacheLockedError
            from sula.cli.commands.cache import on_wait

            # Unknown totals (a cache older than them) are repaired when nobody else uses the
            # cache; `--exact` waits for that.
            try:
                with cache.lock_exclusive(timeout=-1 if args.exact else 0, on_wait=on_wait(ctx)
                                          if args.exact else None):
                    totals = usage.exact_totals(cache)
                    usage.write_totals(cache, totals)
            except CacheLockedError:
                totals = usage.exact_totals(cache)
    total = sum(totals.values())
    ctx.printer.out(usage.format_size(total) if args.human else str(total))
    return 0
