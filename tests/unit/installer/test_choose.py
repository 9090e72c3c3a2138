"""Which file a pin installs (``sula.installer.choose``): the index files a requirement's
hashes allow."""

from __future__ import annotations

from sula.client.types import DistFile, File
from sula.distribution import SdistFilename, WheelFilename
from sula.installer.choose import allowed_files

A, B = "a" * 64, "b" * 64


def _wheel(sha: str | None) -> DistFile:
    fn = WheelFilename.parse("pkg-1.0-py3-none-any.whl")
    return DistFile(fn, File(filename=fn.filename, url="http://x/w", hashes={"sha256": sha} if sha else {}), "i")


def _sdist(sha: str) -> DistFile:
    fn = SdistFilename.parse("pkg-1.0.tar.gz", "pkg")
    return DistFile(fn, File(filename=fn.filename, url="http://x/s", hashes={"sha256": sha}), "i")


def test_allowed_files_follow_pips_filter() -> None:
    files = [_wheel(A), _sdist(B), _wheel(None)]
    assert allowed_files(files, ()) == files
    assert allowed_files(files, (f"sha256:{B}",)) == [files[1], files[2]]  # unlisted kept
    assert allowed_files(files, (f"sha256:{A}", f"sha256:{B}")) == files
    assert allowed_files(files, ("sha256:" + "c" * 64,)) == files  # none: the download says so
    assert allowed_files(files, ("sha512:" + "c" * 128,)) == files  # the index lists no sha512
