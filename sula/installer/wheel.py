"""An unpacked wheel in the cache: its ``.dist-info``, ``.data`` directory, RECORD and entry points."""

from __future__ import annotations

import os
from pathlib import Path

from sula._record import dataclass
from sula.database.record import RecordEntry, parse_record
from sula.distribution.entry_points import EntryPoint, EntryPointError, parse_entry_points
from sula.distribution.names import NormalizedName, canonicalize_name
from sula.installer.errors import InvalidWheelError

__all__ = ["EntryPoint", "EntryPointError", "UnpackedWheel", "parse_entry_points", "parse_wheel_file"]


def parse_wheel_file(text: str) -> dict[str, str]:
    """The ``Key: value`` lines of a ``WHEEL`` file (last one wins)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class UnpackedWheel:
    """A wheel unzipped into a directory (normally a ``wheels-v1`` cache entry).

    ``dist_info`` and ``data_dir`` are names of top-level directories of ``root``.
    """

    root: Path
    name: NormalizedName
    version: str
    dist_info: str
    data_dir: str | None
    root_is_purelib: bool

    @classmethod
    def open(cls, root: Path, name: str | None = None) -> UnpackedWheel:
        """Read the layout of the unpacked wheel at ``root``; ``name`` picks among several dist-infos."""
        try:
            entries = os.listdir(root)
        except OSError as err:
            raise InvalidWheelError(root, "the directory cannot be read") from err
        infos = [e for e in entries if e.endswith(".dist-info")]
        if name is not None and len(infos) > 1:
            want = canonicalize_name(name)
            infos = [e for e in infos if canonicalize_name(e[: -len(".dist-info")].rsplit("-", 1)[0]) == want]
        if len(infos) != 1:
            raise InvalidWheelError(root, f"expected one `.dist-info` directory, found {len(infos)}")
        dist_info = infos[0]
        stem = dist_info[: -len(".dist-info")]
        dist_name, sep, version = stem.rpartition("-")
        if not sep:
            raise InvalidWheelError(root, f"`{dist_info}` is not `name-version.dist-info`")
        data_dir = stem + ".data"
        try:
            wheel_text = (root / dist_info / "WHEEL").read_text(encoding="utf-8")
        except OSError as err:
            raise InvalidWheelError(root, f"`{dist_info}/WHEEL` is missing") from err
        wheel_meta = parse_wheel_file(wheel_text)
        purelib = wheel_meta.get("root-is-purelib", "true").lower() == "true"
        return cls(
            root=root,
            name=canonicalize_name(dist_name),
            version=version,
            dist_info=dist_info,
            data_dir=data_dir if data_dir in entries else None,
            root_is_purelib=purelib,
        )

    def record(self) -> list[RecordEntry]:
        """The RECORD of the unpacked wheel (in the cache it is complete and verified)."""
        path = self.root / self.dist_info / "RECORD"
        try:
            return parse_record(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise InvalidWheelError(self.root, f"`{self.dist_info}/RECORD` is missing") from err

    def record_lines(self) -> list[tuple[str, str]]:
        """``(path, line)`` for each row of the RECORD, the line as written (no trailing newline)."""
        path = self.root / self.dist_info / "RECORD"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise InvalidWheelError(self.root, f"`{self.dist_info}/RECORD` is missing") from err
        out: list[tuple[str, str]] = []
        for line in text.splitlines():
            if not line:
                continue
            if '"' in line:
                # A quoted path (it holds a comma or a quote): let csv read it.
                entries = parse_record(line + "\n")
                if entries:
                    out.append((entries[0].path, line))
            else:
                out.append((line.rsplit(",", 2)[0], line))
        return out

    def entry_points(self) -> list[EntryPoint]:
        path = self.root / self.dist_info / "entry_points.txt"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except UnicodeDecodeError as err:
            raise InvalidWheelError(self.root, "`entry_points.txt` is not UTF-8") from err
        try:
            return parse_entry_points(text)
        except EntryPointError as err:
            raise InvalidWheelError(self.root, str(err)) from err

    def metadata_text(self) -> str:
        return (self.root / self.dist_info / "METADATA").read_text(encoding="utf-8", errors="replace")
