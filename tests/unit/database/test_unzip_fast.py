"""unzip_wheel inflates members straight from the archive's bytes (zlib-ng's inflater when it is
installed, the standard library's otherwise): the same files and RECORD as zipfile extracts,
and every kind of damaged member data refused by name."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from fixtures.hostile import forge_declared_size, hostile_wheel

from sula.database import InvalidArchiveError, unzip
from sula.database.record import parse_record

INFLATERS = ["zlib"]
try:
    from zlib_ng import zlib_ng
except ImportError:  # the fast inflater is optional on platforms without its wheels
    zlib_ng = None
else:
    INFLATERS.append("zlib-ng")

MEMBERS = [
    ("pkg/__init__.py", b"from .core import *\n"),
    ("pkg/core.py", b"".join(b"def f%d(x):\n    return x * %d\n" % (i, i) for i in range(3000))),
    ("pkg/data.bin", os.urandom(70_000)),  # incompressible: stored larger than it deflates
    ("pkg/empty.txt", b""),
    ("pkg/zeros.bin", bytes(300_000)),
]


@pytest.fixture(params=INFLATERS)
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    chosen = zlib.decompressobj if request.param == "zlib" else zlib_ng.decompressobj
    monkeypatch.setattr(unzip, "_INFLATE", chosen)
    return str(request.param)


def _stored_and_deflated(path: Path) -> Path:
    """The fixture wheel rewritten with its data member stored (method 0), the rest deflated."""
    src = zipfile.ZipFile(path)
    out = path.with_name("mixed-" + path.name)
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            method = zipfile.ZIP_STORED if info.filename.endswith("data.bin") else zipfile.ZIP_DEFLATED
            dst.writestr(info.filename, src.read(info), compress_type=method)
    src.close()
    out.replace(path)
    return path


def _data_offset(path: Path, member: str) -> tuple[int, int]:
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    data = path.read_bytes()
    n, m = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info.header_offset + 30 + n + m, info.compress_size


@pytest.mark.parametrize("big", [False, True])
def test_same_files_and_record_as_zipfile_extracts(
    tmp_path: Path, inflater: str, big: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if big:  # members above the limit take zipfile's streaming path
        monkeypatch.setattr(unzip, "_BIG", 1000)
    wheel = _stored_and_deflated(hostile_wheel(tmp_path / "d", MEMBERS, name="pkg"))
    for source in (wheel, io.BytesIO(wheel.read_bytes())):
        dest = tmp_path / f"out-{type(source).__name__}"
        dest.mkdir()
        unzip.unzip_wheel(source, dest, wheel.name)
        for name, data in MEMBERS:
            assert (dest / name).read_bytes() == data
        rows = {r.path: r for r in parse_record((dest / "pkg-1.0.dist-info/RECORD").read_text())}
        assert rows["pkg/zeros.bin"].size == 300_000
        assert rows["pkg/empty.txt"].size == 0
        assert rows["pkg/empty.txt"].hash == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


def _patched(tmp_path: Path, at: int | str, replace: bytes | None = None) -> Path:
    """The fixture wheel with bytes overwritten: ``replace`` at offset ``at``, or one byte
    flipped in the middle of member ``at``'s data."""
    wheel = hostile_wheel(tmp_path / "d", MEMBERS, name="pkg")
    data = bytearray(wheel.read_bytes())
    if isinstance(at, str):
        start, size = _data_offset(wheel, at)
        data[start + size // 2] ^= 0x55
    else:
        assert replace is not None
        data[at : at + len(replace)] = replace
    wheel.write_bytes(bytes(data))
    return wheel


def _refused(tmp_path: Path, wheel: Path, pattern: str) -> Path:
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(InvalidArchiveError, match=pattern):
        unzip.unzip_wheel(wheel, dest, wheel.name)
    return dest


def test_a_flipped_byte_in_member_data_is_refused(tmp_path: Path, inflater: str) -> None:
    wheel = _patched(tmp_path, "pkg/core.py")
    _refused(tmp_path, wheel, r"^Invalid wheel `pkg-1\.0-py3-none-any\.whl`: corrupt member data")


@pytest.mark.parametrize(("member", "size", "pattern"), [
    ("pkg/zeros.bin", 1000, r"corrupt member data .*inflates to more than its declared size"),
    ("pkg/zeros.bin", 0, r"corrupt member data .*(inflates to more than its declared size|not the declared 0)"),
    ("pkg/__init__.py", 5000, r"corrupt member data .*not the declared 5000"),
])
def test_a_member_whose_declared_size_lies_is_refused(
    tmp_path: Path, inflater: str, member: str, size: int, pattern: str
) -> None:
    wheel = hostile_wheel(tmp_path / "d", MEMBERS, name="pkg")
    forge_declared_size(wheel, member, size)
    dest = _refused(tmp_path, wheel, pattern)
    assert not (dest / member).exists() or (dest / member).stat().st_size == 0


def test_a_local_header_that_is_not_one_is_refused(tmp_path: Path, inflater: str) -> None:
    wheel = hostile_wheel(tmp_path / "d", MEMBERS, name="pkg")
    with zipfile.ZipFile(wheel) as zf:
        offset = zf.getinfo("pkg/core.py").header_offset
    _refused(tmp_path, _patched(tmp_path, offset, b"XXXX"), r"no local header for `pkg/core\.py`")
