"""Pick the wheel to install for a pinned version from an index's files (best tag first)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sula.distribution import WheelFilename
from sula.distribution.version import same_version

if TYPE_CHECKING:
    from sula.client.types import DistFile

__all__ = ["select_wheel", "tag_string"]


def tag_string(fn: WheelFilename) -> str:
    """``py3-none-any`` style tag triple of a wheel filename (compressed sets kept)."""
    return f"{'.'.join(fn.python_tags)}-{'.'.join(fn.abi_tags)}-{'.'.join(fn.platform_tags)}"


def select_wheel(
    files: Sequence[DistFile], version: str, priority: Callable[[str], int | None]
) -> DistFile | None:
    """The compatible, non-yanked-first wheel of ``version`` with the best (lowest) tag rank.

    Ties go to the higher build tag, then to the earlier file (find-links before indexes).
    """
    best: tuple[tuple[int, int, int], DistFile] | None = None
    for df in files:
        fn = df.filename
        if not isinstance(fn, WheelFilename) or not same_version(fn.version_str, version):
            continue
        rank = priority(tag_string(fn))
        if rank is None:
            continue
        build = int("".join(c for c in (fn.build_tag or "0") if c.isdigit()) or 0)
        key = (1 if df.file.yanked else 0, rank, -build)
        if best is None or key < best[0]:
            best = (key, df)
    return best[1] if best is not None else None
