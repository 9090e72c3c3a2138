"""``sula cache prune``: remove what no sula process can use any more, keep the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from sula.cache.evict import Eviction
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
    parser.add_argument(
        "--max-size", metavar="SIZE",
        help="Then evict least-recently-used entries until the cache is at most SIZE "
             "(bytes, or with K, M, G, T: `10G`, `500M`)",
    )
    parser.epilog = (
        "Removes: leftovers of interrupted writes (`.tmp/` and `.*.tmp` files), lock files\n"
        "nobody holds, buckets of other cache versions (like `simple-v0`), wheel sidecars\n"
        "without their wheel, entries of interpreters that no longer exist, and empty\n"
        "directories. Cached index pages and wheels stay (use `sula cache clean` for those),\n"
        "unless `--max-size` asks for room: then the entries used least recently go, index\n"
        "pages and metadata before wheels last used in the same hour."
    )


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cache.clean import format_size, measure, plan_prune, remove_candidates
    from sula.cli.commands.cache import on_wait, resolve_cache, summary

    max_size = None
    if args.max_size is not None:
        from sula.cache.evict import parse_max_size

        max_size = parse_max_size(args.max_size, "`--max-size`")
    cache = resolve_cache(ctx)
    printer = ctx.printer
    if not cache.root.is_dir():
        printer.info(f"No cache found at: `{cache.root}`")
        return 0
    eviction = None
    with cache.lock_exclusive(on_wait=on_wait(ctx)):
        printer.info(f"Pruning cache at: `{cache.root}`")
        candidates = plan_prune(cache, min_age=args.min_age)
        if not candidates:
            if max_size is None:
                printer.info("No unused entries found")
        elif args.dry_run:
            total = 0
            for c in candidates:
                rel = c.path.relative_to(cache.root)
                size = measure(c.path)
                total += size.total_bytes
                printer.out(f"{rel} ({c.reason})")
            noun = "entry" if len(candidates) == 1 else "entries"
            printer.info(f"Would remove {len(candidates)} {noun} ({format_size(total)})")
        else:
            removal = remove_candidates(candidates, cache)
            printer.info(summary(removal) if not removal.is_empty else "No unused entries found")
        if max_size is not None:
            from sula.cache.evict import evict

            eviction = evict(cache, max_size, dry_run=args.dry_run)
    if eviction is not None:
        eviction.discard()  # the evicted files, now that other processes may go on
        _report_eviction(ctx, eviction, cache.root, max_size or 0, dry_run=args.dry_run)
    return 0


def _report_eviction(
    ctx: CliContext, eviction: Eviction, root: Path, max_size: int, *, dry_run: bool,
) -> None:
    from sula.cache.usage import format_size

    printer = ctx.printer
    if dry_run:
        for entry in eviction.removed:
            printer.out(f"{entry.path.relative_to(root)} ({entry.kind.value}, "
                        f"{format_size(entry.size)})")
    n = len(eviction.removed)
    noun = "entry" if n == 1 else "entries"
    limit = format_size(max_size)
    if n == 0 and eviction.total_before <= max_size:
        printer.info(f"The cache ({format_size(eviction.total_before)}) is within {limit}")
    elif n == 0:
        printer.info(f"No entry left to evict: the cache holds {format_size(eviction.total_before)} "
                     f"(interpreter entries and directories stay)")
    elif dry_run:
        printer.info(f"Would evict {n} {noun} ({format_size(eviction.freed)}) to fit in {limit}")
    else:
        printer.info(f"Evicted {n} {noun} ({format_size(eviction.freed)}); the cache holds "
                     f"{format_size(eviction.total_after)}")
