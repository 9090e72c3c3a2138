"""``sula cache size``: how many bytes the cache holds, from its running totals."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--human", action="store_true",
                        help="Print the size in binary units (`1.2 GiB`) instead of bytes")
    parser.add_argument("--exact", action="store_true",
                        help="Walk the cache and repair the running totals (waits for other "
                             "sula processes that hold the cache lock)")
    parser.epilog = (
        "The size is what `du -sb` finds in the cache's buckets, a file linked into\n"
        "environments counted once. It comes from totals the commands that write to the cache\n"
        "keep up to date, so it needs no walk of the cache; `--exact` walks it."
    )


def run(args: argparse.Namespace, ctx: CliContext) -> int:
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
