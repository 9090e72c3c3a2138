"""extract_sdist: good tar and zip sdists, and every escape PEP 706 closes, refused by name."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from sula import _archive
from sula._archive import (
    CorruptArchiveError,
    UnsafeArchiveMemberError,
    UnsupportedArchiveError,
    extract_sdist,
)


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    mode = {".gz": "w:gz", ".bz2": "w:bz2", ".xz": "w:xz", ".tgz": "w:gz"}.get(path.suffix, "w")
    with tarfile.open(path, mode) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def _file(name: str, data: bytes = b"x = 1\n", mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.mode = mode
    return info, data


def _special(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = 0o777 if kind == tarfile.SYMTYPE else 0o644
    return info, None


def _dir(name: str, mode: int = 0o755) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = mode
    return info, None


GOOD = [
    _dir("demo-1.0"),
    _file("demo-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"),
    _file("demo-1.0/demo/__init__.py"),
    _file("demo-1.0/configure", b"#!/bin/sh\n", mode=0o4775),
    _special("demo-1.0/demo/alias.py", tarfile.SYMTYPE, "__init__.py"),
    _special("demo-1.0/copy.txt", tarfile.LNKTYPE, "demo-1.0/PKG-INFO"),
]


@pytest.fixture(params=[True, False], ids=["stdlib-filter", "fallback-filter"])
def data_filter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run each tar case with the stdlib's ``tarfile.data_filter`` and with sula's own checks
    (what runs on 3.10.0–3.10.11 and 3.11.0–3.11.3, where the stdlib has no filter)."""
    if not request.param:
        monkeypatch.delattr(tarfile, "data_filter")
    return bool(request.param)


@pytest.mark.parametrize("suffix", [".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"])
def test_good_tar_sdist(tmp_path: Path, suffix: str, data_filter: bool) -> None:
    archive = _tar(tmp_path / f"demo-1.0{suffix}", GOOD)
    tree = extract_sdist(archive, tmp_path / "out")
    assert tree == tmp_path / "out" / "demo-1.0"
    assert (tree / "demo" / "__init__.py").read_text() == "x = 1\n"
    assert (tree / "demo" / "alias.py").is_symlink()
    assert (tree / "demo" / "alias.py").read_text() == "x = 1\n"
    assert (tree / "copy.txt").read_text().startswith("Metadata-Version")
    # Modes sanitized: the setuid and group-write bits are gone, the execute bits stay.
    assert stat.S_IMODE((tree / "configure").stat().st_mode) == 0o755
    assert stat.S_IMODE((tree / "PKG-INFO").stat().st_mode) == 0o644


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (_file("demo-1.0/../../evil"), "leaves the target"),
        (_file("../evil"), "leaves the target"),
        (_file("/tmp/evil"), "has an absolute path"),
        (_special("demo-1.0/link", tarfile.SYMTYPE, "../../outside"), "links outside the target"),
        (_special("demo-1.0/link", tarfile.SYMTYPE, "/etc/passwd"), "links outside the target"),
        (_special("demo-1.0/hard", tarfile.LNKTYPE, "../outside"), "links outside the target"),
        (_special("demo-1.0/hard", tarfile.LNKTYPE, "/etc/passwd"), "links outside the target"),
        (_special("demo-1.0/null", tarfile.CHRTYPE), "is a device or other special file"),
        (_special("demo-1.0/disk", tarfile.BLKTYPE), "is a device or other special file"),
        (_special("demo-1.0/pipe", tarfile.FIFOTYPE), "is a device or other special file"),
    ],
    ids=["dotdot", "dotdot-top", "absolute", "symlink-up", "symlink-abs", "hardlink-up",
         "hardlink-abs", "chardev", "blockdev", "fifo"],
)
def test_unsafe_tar_member_refused_before_anything_is_written(
    tmp_path: Path, member: tuple[tarfile.TarInfo, bytes | None], reason: str, data_filter: bool
) -> None:
    archive = _tar(tmp_path / "x-1.0.tar.gz", [*GOOD[:3], member])
    out = tmp_path / "out"
    with pytest.raises(UnsafeArchiveMemberError) as exc:
        extract_sdist(archive, out)
    assert exc.value.member == member[0].name
    assert str(exc.value) == f"Refusing to extract `x-1.0.tar.gz`: member `{member[0].name}` {reason}"
    assert list(out.iterdir()) == []
    assert not (tmp_path / "evil").exists()


def test_symlink_chain_resolved_on_disk_is_refused(tmp_path: Path, data_filter: bool) -> None:
    # Each member alone looks inside the target (nothing is on disk when they are first
    # checked); once `up` exists (-> the target itself), `up/out` -> `..` points above it,
    # and a file written through it would land beside the target. The check at extraction
    # time, against the disk, refuses the second link.
    members = [
        _dir("demo-1.0"),
        _special("demo-1.0/up", tarfile.SYMTYPE, ".."),
        _special("demo-1.0/up/out", tarfile.SYMTYPE, ".."),
        _file("demo-1.0/up/out/escaped"),
    ]
    archive = _tar(tmp_path / "x-1.0.tar", members)
    with pytest.raises(UnsafeArchiveMemberError) as exc:
        extract_sdist(archive, tmp_path / "out")
    assert exc.value.member == "demo-1.0/up/out"
    assert exc.value.reason == "links outside the target"
    assert not (tmp_path / "escaped").exists()


def test_several_top_level_entries_return_dest(tmp_path: Path) -> None:
    archive = _tar(tmp_path / "flat.tar.gz", [_file("setup.py"), _file("flat/__init__.py")])
    out = tmp_path / "out"
    assert extract_sdist(archive, out) == out
    assert (out / "setup.py").is_file()


def _zip(path: Path, entries: list[tuple[str, bytes, int]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


ZIP_GOOD = [
    ("demo-1.0/", b"", stat.S_IFDIR | 0o755),
    ("demo-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n", stat.S_IFREG | 0o644),
    ("demo-1.0/demo/__init__.py", b"x = 1\n", stat.S_IFREG | 0o644),
    ("demo-1.0/configure", b"#!/bin/sh\n", stat.S_IFREG | 0o775),
    ("demo-1.0/demo/alias.py", b"__init__.py", stat.S_IFLNK | 0o777),
    ("demo-1.0/README", b"plain\n", 0),  # made on a system that records no mode
]


def test_good_zip_sdist(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "demo-1.0.zip", ZIP_GOOD)
    tree = extract_sdist(archive, tmp_path / "out")
    assert tree == tmp_path / "out" / "demo-1.0"
    assert (tree / "demo" / "__init__.py").read_text() == "x = 1\n"
    assert (tree / "demo" / "alias.py").is_symlink()
    assert (tree / "demo" / "alias.py").read_text() == "x = 1\n"
    assert os.access(tree / "configure", os.X_OK)
    assert not os.access(tree / "PKG-INFO", os.X_OK)
    assert (tree / "README").read_text() == "plain\n"


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (("demo-1.0/../../evil", b"x", stat.S_IFREG | 0o644), "leaves the target"),
        (("/tmp/evil", b"x", stat.S_IFREG | 0o644), "has an absolute path"),
        (("demo-1.0\\..\\..\\evil", b"x", stat.S_IFREG | 0o644), "leaves the target"),
        (("demo-1.0/link", b"../../outside", stat.S_IFLNK | 0o777), "links outside the target"),
        (("demo-1.0/link", b"/etc/passwd", stat.S_IFLNK | 0o777), "links outside the target"),
        (("demo-1.0/null", b"", stat.S_IFCHR | 0o644), "is a device or other special file"),
    ],
    ids=["dotdot", "absolute", "backslash-dotdot", "symlink-up", "symlink-abs", "chardev"],
)
def test_unsafe_zip_member_refused(
    tmp_path: Path, entry: tuple[str, bytes, int], reason: str
) -> None:
    archive = _zip(tmp_path / "x-1.0.zip", [*ZIP_GOOD[:3], entry])
    out = tmp_path / "out"
    with pytest.raises(UnsafeArchiveMemberError) as exc:
        extract_sdist(archive, out)
    assert str(exc.value) == f"Refusing to extract `x-1.0.zip`: member `{entry[0]}` {reason}"
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("suffix", [".tar.gz", ".tar.bz2", ".tar.xz", ".zip"])
def test_truncated_archive_is_corrupt(tmp_path: Path, suffix: str) -> None:
    good = tmp_path / f"demo-1.0{suffix}"
    if suffix == ".zip":
        _zip(good, [*ZIP_GOOD, ("demo-1.0/big", os.urandom(200_000), stat.S_IFREG | 0o644)])
    else:
        _tar(good, [*GOOD, _file("demo-1.0/big", os.urandom(200_000))])
    data = good.read_bytes()
    bad = tmp_path / f"bad-1.0{suffix}"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptArchiveError) as exc:
        extract_sdist(bad, tmp_path / "out")
    assert str(exc.value).startswith(f"Failed to read `bad-1.0{suffix}`: ")
    assert exc.value.__cause__ is not None


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip", ".tar"])
def test_garbage_is_corrupt(tmp_path: Path, suffix: str) -> None:
    bad = tmp_path / f"bad-1.0{suffix}"
    bad.write_bytes(b"<html>not an archive</html>\n" * 40)
    with pytest.raises(CorruptArchiveError):
        extract_sdist(bad, tmp_path / "out")


def test_flipped_bytes_in_gzip_stream_are_corrupt(tmp_path: Path) -> None:
    good = _tar(tmp_path / "demo-1.0.tar.gz", [*GOOD, _file("demo-1.0/big", os.urandom(50_000))])
    data = bytearray(good.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0xFF
    bad = tmp_path / "bad-1.0.tar.gz"
    bad.write_bytes(bytes(data))
    with pytest.raises(CorruptArchiveError):
        extract_sdist(bad, tmp_path / "out")


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "demo-1.0.rar"
    path.write_bytes(b"Rar!")
    with pytest.raises(UnsupportedArchiveError, match=r"`demo-1.0.rar`"):
        extract_sdist(path, tmp_path / "out")


def test_errors_are_sula_errors() -> None:
    from sula.errors import SulaError

    for cls in (CorruptArchiveError, UnsafeArchiveMemberError, UnsupportedArchiveError):
        assert issubclass(cls, _archive.ArchiveError)
        assert issubclass(cls, SulaError)
