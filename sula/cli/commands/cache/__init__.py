"""``sula cache dir | clean | prune``: show and shrink the global cache (one module per command)."""

from __future__ import annotations

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from sula.cache import Cache, Removal
    from sula.cli.main import CliContext


def resolve_cache(ctx: CliContext) -> Cache:
    """The cache the options name, without creating it (``--no-cache``: the temporary one)."""
    from sula.cache import Cache

    if ctx.options.no_cache:
        return ctx.cache
    return Cache.from_settings(ctx.options.cache_dir, no_cache=False)


def on_wait(ctx: CliContext) -> Callable[[Path], None]:
    """Tell the user why nothing happens while another process holds the cache lock."""

    def announce(path: Path) -> None:
        ctx.printer.info(f"Waiting for another sula process to release the cache lock at `{path}`…")

    return announce


def files_phrase(removal: Removal) -> str:
    n = removal.num_files
    noun = "file" if n == 1 else "files"
    return f"{n} {noun}"


def summary(removal: Removal, suffix: str = "") -> str:
    """``Removed 12 files (3.4 MiB)`` (``suffix`` goes before the size: `` for `flask```)."""
    from sula.cache.clean import format_size

    text = f"Removed {files_phrase(removal)}{suffix} ({format_size(removal.total_bytes)})"
    if removal.num_files == 0 and removal.num_dirs:
        noun = "directory" if removal.num_dirs == 1 else "directories"
        text = f"Removed {removal.num_dirs} {noun}{suffix}"
    return text
