"""Source trees: local project directories (``./pkg``, ``-e ./pkg``) and git checkouts.

A tree is built in place, as pip and uv build them. Its metadata and built wheels live in
``built-wheels-v1/``::

    built-wheels-v1/path/<cache_key(directory)>/<cache_key(stamp)>/<package>/
    built-wheels-v1/git/<cache_key(repository)>/<cache_key(commit, subdirectory)>/<package>/

holding ``metadata.msgpack`` and the unpacked wheels, like an sdist's revision. The *stamp*
of a directory is what decides that a cached build is still the project's: the modification
times and sizes of ``pyproject.toml``, ``setup.py`` and ``setup.cfg`` and, for a regular
(non-editable) build, the newest modification time of any file in the tree (build output,
version control and environments left out). An editable build imports the sources in place,
so only the three project files decide. A git checkout never changes: its commit is its stamp.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from sula.cache import CacheBucket, cache_key
from sula.database.errors import DistributionError

if TYPE_CHECKING:
    from pathlib import Path

    from sula.cache import Cache
    from sula.distribution.dist import TreeSource

__all__ = [
    "fresh_after",
    "newest_mtime",
    "project_files_mtime",
    "tree_base",
]

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
# Directories whose contents are not the project's sources: build output, version control,
# caches and environments. A directory holding a `pyvenv.cfg` is skipped as well.
_SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", "__pycache__", ".tox", ".nox", ".venv", "venv", "build", "dist",
    "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs", ".idea", ".vscode",
})


def project_files_mtime(path: Path) -> tuple[int, list[str]]:
    """The newest modification time (ns) of the project files of ``path``, and a description
    of each (name, time, size) for the stamp; a directory without any is not a project."""
    newest = 0
    parts = []
    for name in PROJECT_FILES:
        try:
            st = os.stat(path / name)
        except OSError:
            continue
        newest = max(newest, st.st_mtime_ns)
        parts.append(f"{name}:{st.st_mtime_ns}:{st.st_size}")
    return newest, parts


def newest_mtime(path: Path) -> int:
    """The newest modification time (ns) of the files and directories under ``path``,
    leaving out build output, version control, caches, environments and egg-info."""
    newest = 0
    todo = [os.fspath(path)]
    while todo:
        top = todo.pop()
        try:
            entries = os.scandir(top)
        except OSError:
            continue
        with entries:
            for entry in entries:
                name = entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if name in _SKIP_DIRS or name.endswith(".egg-info"):
                            continue
                        if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                            continue
                        todo.append(entry.path)
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if st.st_mtime_ns > newest:
                    newest = st.st_mtime_ns
    return newest


def tree_stamp(source: TreeSource) -> tuple[str, int]:
    """The stamp of a directory (see the module docstring) and the newest time it counts."""
    newest, parts = project_files_mtime(source.path)
    if not parts:
        raise DistributionError(
            f"`{source.path}` is not a Python project: it has no `pyproject.toml`, `setup.py` or "
            "`setup.cfg`")
    if not source.editable:
        newest = max(newest, newest_mtime(source.path))
        parts.append(f"tree:{newest}")
    else:
        parts.append("editable")
    return "\0".join(parts), newest


def fresh_after(source: TreeSource) -> int | None:
    """For a local directory, the newest modification time (ns) its build depends on: an
    install older than that is out of date. None for a git checkout (its commit decides)."""
    if source.git is not None:
        return None
    return tree_stamp(source)[1]


def tree_base(cache: Cache, source: TreeSource) -> Path:
    """The directory holding ``<package>/`` revisions of ``source`` in the built-wheel cache."""
    if source.git is not None:
        pin = source.git
        kind = "editable" if source.editable else ""
        from sula.distribution.git_url import canonical_repository

        return cache.shard(CacheBucket.BUILT_WHEELS, "git", cache_key(canonical_repository(pin.repository)),
                           cache_key(f"{pin.commit}\0{pin.subdirectory or ''}\0{kind}"))
    stamp, _newest = tree_stamp(source)
    return cache.shard(CacheBucket.BUILT_WHEELS, "path", cache_key(str(source.path)), cache_key(stamp))


def check_tree_metadata(meta_name: str, source: TreeSource) -> None:
    """A named requirement on a tree must name the tree's project."""
    from sula.distribution.names import canonicalize_name

    if source.name is not None and canonicalize_name(meta_name) != source.name:
        raise DistributionError(
            f"The requirement `{source}` names `{source.name}`, but the project at "
            f"`{source.path}` is `{meta_name}`")
