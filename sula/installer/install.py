"""Install one unpacked wheel into a :class:`Layout`: link files, write scripts, RECORD and metadata.

Order matters for crash safety: every file goes into place first, and the ``.dist-info``
directory is assembled under a hidden temporary name and renamed into place last. An
interrupted install therefore never leaves a ``.dist-info`` without its files; at worst it
leaves unowned files that the next run overwrites.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from sula._fs import remove_tree
from sula._record import dataclass
from sula._span import span
from sula._warnings import warn_user
from sula.database.record import RecordEntry, format_record, hash_bytes, hash_file, parse_record
from sula.installer.errors import InvalidWheelError
from sula.installer.layout import Layout
from sula.installer.linker import TEMP_PREFIX, Linker, temp_sibling
from sula.installer.scripts import entry_point_script, rewrite_shebang
from sula.installer.wheel import UnpackedWheel

__all__ = ["InstallOptions", "install_wheel", "remove_stale_temp"]

# Files of a wheel's .dist-info that describe one installation, so they are written, not linked.
_GENERATED = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


@dataclass(frozen=True, slots=True, kw_only=True)
class InstallOptions:
    """Per-distribution choices: ``direct_url`` is PEP 610 data for URL, path and git installs."""

    requested: bool = False
    direct_url: dict[str, object] | None = None
    installer: str = "sula"


class _Rows:
    """RECORD rows of one installation, with paths relative to the dist-info's parent.

    The cache entry's RECORD is complete (every file, hashed while unzipping), so the rows of
    files that keep their path (the root and the ``.dist-info``, the bulk of a wheel) are
    copied as text lines, never parsed into fields nor formatted again.
    """

    def __init__(self, wheel: UnpackedWheel, site: Path) -> None:
        self.site = str(site)
        self.entries = wheel.record_lines()
        self._by_path: dict[str, str] | None = None
        self.out: list[str] = []

    def prefix_for(self, dst_dir: str) -> str:
        rel = os.path.relpath(dst_dir, self.site)
        return "" if rel == "." else rel.replace(os.sep, "/") + "/"

    def add_line(self, line: str) -> None:
        self.out.append(line)

    def add_linked(self, wheel_rel: str, dst_rel: str, src: str) -> None:
        if self._by_path is None:
            self._by_path = dict(self.entries)
        line = self._by_path.get(wheel_rel)
        entry = parse_record(line)[0] if line is not None else None
        if entry is None or not entry.hash:
            digest, size = hash_file(Path(src))
            entry = RecordEntry(wheel_rel, digest, size)
        self.out.append(format_record([RecordEntry(dst_rel, entry.hash, entry.size)]).rstrip("\n"))

    def add_written(self, dst_rel: str, data: bytes) -> None:
        self.out.append(format_record([RecordEntry(dst_rel, hash_bytes(data), len(data))]).rstrip("\n"))

    def add_written_empty(self, dst_rel: str) -> None:
        self.out.append(format_record([RecordEntry(dst_rel, "", None)]).rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.out) + "\n"


def _write_new(path: str, data: bytes, mode: int, linker: Linker) -> None:
    """Write a fresh file at ``path``; one already there (it may be a cache hardlink) is
    replaced by a rename of the new file, never written into."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        target = path
    except FileExistsError:
        if path not in linker.owned:
            linker.conflicts.append(path)
        target = temp_sibling(path)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(target, mode)
        if target != path:
            os.replace(target, path)
    except BaseException:
        if target != path:
            with contextlib.suppress(OSError):
                os.unlink(target)
        raise


def _makedirs(path: str, linker: Linker) -> None:
    # One mkdir in the common case (the walk is top-down, so the parent exists).
    try:
        os.mkdir(path)
        return
    except FileExistsError:
        if os.path.isdir(path):
            return
        # A file (or dangling symlink) where a directory must go: it loses.
        linker.conflicts.append(path)
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.makedirs(path, exist_ok=True)


def _link_tree(
    linker: Linker,
    rows: _Rows,
    src_dir: str,
    wheel_rel_prefix: str,
    dst_dir: str,
    skip_top: frozenset[str] = frozenset(),
) -> None:
    """Link every file under ``src_dir`` into ``dst_dir``, recording each one."""
    dst_rel_prefix = rows.prefix_for(dst_dir)
    _makedirs(dst_dir, linker)
    cut = len(src_dir) + 1
    link = linker.link
    add = rows.add_linked
    for dirpath, dirnames, filenames in os.walk(src_dir):
        if dirpath == src_dir:
            if skip_top:
                dirnames[:] = [d for d in dirnames if d not in skip_top]
            rel = ""
            target = dst_dir
        else:
            # os.walk yields `src_dir/...` paths: slicing is much cheaper than relpath.
            rel = dirpath[cut:].replace(os.sep, "/") + "/"
            target = dst_dir + "/" + rel
            _makedirs(target, linker)
        wrel = wheel_rel_prefix + rel
        drel = dst_rel_prefix + rel
        for name in filenames:
            src = dirpath + "/" + name
            link(src, target + name if rel else target + "/" + name)
            add(wrel + name, drel + name, src)


def _install_scripts(
    linker: Linker, rows: _Rows, src_dir: str, wheel_rel_prefix: str, dst_dir: str, python: str,
    relocatable: bool = False,
) -> None:
    """``.data/scripts``: rewrite ``#!python`` shebangs into new files; link the rest."""
    dst_rel_prefix = rows.prefix_for(dst_dir)
    _makedirs(dst_dir, linker)
    for dirpath, _dirnames, filenames in os.walk(src_dir):
        rel = os.path.relpath(dirpath, src_dir)
        rel = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        target = os.path.join(dst_dir, rel)
        _makedirs(target, linker)
        for name in filenames:
            src = os.path.join(dirpath, name)
            with open(src, "rb") as f:
                head = f.read(len(b"#!python") + 1)
            if head.startswith(b"#!python"):
                data = Path(src).read_bytes()
                new = rewrite_shebang(data, python, relocatable=relocatable)
                if new is not None:
                    _write_new(os.path.join(target, name), new, 0o755, linker)
                    rows.add_written(dst_rel_prefix + rel + name, new)
                    continue
            linker.link(src, os.path.join(target, name))
            rows.add_linked(wheel_rel_prefix + rel + name, dst_rel_prefix + rel + name, src)


def _link_root(linker: Linker, rows: _Rows, wheel: UnpackedWheel, root: str, site: str) -> None:
    """Link the wheel's root files into ``site`` by its RECORD (no directory walk: the cache
    entry's RECORD lists every file); their RECORD lines are kept as they are."""
    skip = (wheel.dist_info + "/",) if wheel.data_dir is None else (wheel.dist_info + "/", wheel.data_dir + "/")
    _makedirs(site, linker)
    made = {""}
    link = linker.link
    add = rows.add_line
    for path, line in rows.entries:
        if path.startswith(skip):
            continue
        parent = path.rpartition("/")[0]
        if parent not in made:
            _make_parents(site, parent, made, linker)
        try:
            link(root + "/" + path, site + "/" + path)
        except FileNotFoundError as err:
            raise InvalidWheelError(wheel.root, f"`{path}` is listed in RECORD but missing") from err
        add(line)


def _make_parents(base: str, rel: str, made: set[str], linker: Linker) -> None:
    """Create ``base/rel`` and whichever of its parents ``made`` does not list yet."""
    todo = []
    while rel not in made:
        todo.append(rel)
        rel = rel.rpartition("/")[0]
    for d in reversed(todo):
        _makedirs(base + "/" + d, linker)
        made.add(d)


def install_wheel(
    wheel: UnpackedWheel, layout: Layout, linker: Linker, options: InstallOptions | None = None
) -> Path:
    """Install ``wheel`` into ``layout``; returns the installed ``.dist-info`` directory.

    Another version of the same distribution may still be installed: the caller removes it
    afterwards (:class:`sula.installer.installer.Replacement`), keeping what this one wrote.
    """
    options = options or InstallOptions()
    site = layout.purelib if wheel.root_is_purelib else layout.platlib
    rows = _Rows(wheel, site)
    root = str(wheel.root)
    python = str(layout.python)
    n_conflicts = len(linker.conflicts)
    # Read (and validated) before any file is linked: a bad entry point refuses the wheel
    # while the environment is untouched.
    entry_points = wheel.entry_points()
    with span("install_wheel", dist=f"{wheel.name}=={wheel.version}"):
        _link_root(linker, rows, wheel, root, str(site))

        if wheel.data_dir is not None:
            data_root = os.path.join(root, wheel.data_dir)
            for entry in sorted(os.listdir(data_root)):
                src = os.path.join(data_root, entry)
                prefix = f"{wheel.data_dir}/{entry}/"
                if entry == "scripts":
                    _install_scripts(linker, rows, src, prefix, str(layout.scripts), python,
                                     layout.relocatable)
                    continue
                dst = {
                    "purelib": layout.purelib,
                    "platlib": layout.platlib,
                    "headers": layout.headers / wheel.name,
                    "data": layout.data,
                }.get(entry)
                if dst is None:
                    warn_user(f"Ignoring unknown `.data` directory `{entry}` in `{wheel.name}`")
                    continue
                _link_tree(linker, rows, src, prefix, str(dst))

        if entry_points:
            scripts_dir = str(layout.scripts)
            _makedirs(scripts_dir, linker)
            prefix = rows.prefix_for(scripts_dir)
            for ep in entry_points:
                data = entry_point_script(ep, python, relocatable=layout.relocatable)
                _write_new(os.path.join(scripts_dir, ep.name), data, 0o755, linker)
                rows.add_written(prefix + ep.name, data)

        dist_info = _assemble_dist_info(wheel, site, linker, rows, options)

    added = linker.conflicts[n_conflicts:]
    if added:
        shown = os.path.relpath(added[0], site)
        more = f" and {len(added) - 1} more" if len(added) > 1 else ""
        warn_user(
            f"`{wheel.name}=={wheel.version}` overwrote files that another package "
            f"installed: `{shown}`{more}"
        )
    return dist_info


def _assemble_dist_info(
    wheel: UnpackedWheel, site: Path, linker: Linker, rows: _Rows, options: InstallOptions
) -> Path:
    """Build the ``.dist-info`` under a temporary name, then rename it into place (the commit point)."""
    final = site / wheel.dist_info
    tmp = Path(temp_sibling(str(final)))
    src_info = os.path.join(str(wheel.root), wheel.dist_info)
    tmp.mkdir()
    try:
        prefix = wheel.dist_info + "/"
        cut = len(prefix)
        made = {""}
        tmp_s = str(tmp)
        for path, line in rows.entries:
            if not path.startswith(prefix):
                continue
            rel = path[cut:]
            if rel in _GENERATED:
                continue
            parent = rel.rpartition("/")[0]
            if parent not in made:
                _make_parents(tmp_s, parent, made, linker)
            try:
                linker.link(src_info + "/" + rel, tmp_s + "/" + rel)
            except FileNotFoundError as err:
                raise InvalidWheelError(wheel.root, f"`{path}` is listed in RECORD but missing") from err
            rows.add_line(line)

        def write(name: str, data: bytes) -> None:
            with open(tmp / name, "xb") as f:
                f.write(data)
            rows.add_written(f"{wheel.dist_info}/{name}", data)

        write("INSTALLER", f"{options.installer}\n".encode())
        if options.requested:
            write("REQUESTED", b"")
        if options.direct_url is not None:
            write("direct_url.json", json.dumps(options.direct_url, sort_keys=True).encode())
        rows.add_written_empty(f"{wheel.dist_info}/RECORD")
        with open(tmp / "RECORD", "x", encoding="utf-8", newline="") as f:
            f.write(rows.text())
        if final.exists():
            remove_tree(final)
        os.rename(tmp, final)
    except BaseException:
        remove_tree(tmp)
        raise
    return final


def remove_stale_temp(layout: Layout) -> None:
    """Remove hidden temporaries left by an interrupted install or uninstall."""
    for site in layout.site_dirs():
        try:
            names = os.listdir(site)
        except FileNotFoundError:
            continue
        for name in names:
            if name.startswith(TEMP_PREFIX):
                remove_tree(site / name)
