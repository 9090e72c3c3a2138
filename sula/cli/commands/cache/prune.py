"""``sula cache prune``: remove what no sula process can use any more, keep the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cache.clean import STALE_AFTER

    parser.add_argument(
        "--dry-run", action="store_true",
        help="List what would be removed, and why, without removing it",
    )
    parser.add_argument(
        "--min-age", type=float, default=STALE_AFTER, metavar="SECONDS",
        help=f"Keep temporary files, lock files and empty directories younger than this "
             f"(default: {STALE_AFTER:.0f})",
    )
    parser.epilog = (
        "Removes: leftovers of interrupted writes (`.tmp/` and `.*.tmp` files), lock files\n"
        "nobody holds, buckets of other cache versions (like `simple-v0`), wheel sidecars\n"
        "without their wheel, entries of interpreters that no longer exist, and empty\n"
        "directories. Cached index pages and wheels stay (use `sula cache clean` for those)."
    )


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cache.clean import format_size, measure, plan_prune, remove_candidates
    from sula.cli.commands.cache import on_wait, resolve_cache, summary

    cache = resolve_cache(ctx)
    printer = ctx.printer
    if not cache.root.is_dir():
        printer.info(f"No cache found at: `{cache.root}`")
        return 0
    with cache.lock_exclusive(on_wait=on_wait(ctx)):
        printer.info(f"Pruning cache at: `{cache.root}`")
        candidates = plan_prune(cache, min_age=args.min_age)
        if not candidates:
            printer.info("No unused entries found")
            return 0
        if args.dry_run:
            total = 0
            for c in candidates:
                rel = c.path.relative_to(cache.root)
                size = measure(c.path)
                total += size.total_bytes
                printer.out(f"{rel} ({c.reason})")
            noun = "entry" if len(candidates) == 1 else "entries"
            printer.info(f"Would remove {len(candidates)} {noun} ({format_size(total)})")
            return 0
        removal = remove_candidates(candidates)
        printer.info(summary(removal) if not removal.is_empty else "No unused entries found")
    return 0
