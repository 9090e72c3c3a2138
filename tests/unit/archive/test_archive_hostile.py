"""extract_sdist refuses every hostile sdist kind (tests/fixtures/hostile.py), tar and zip, with
one line naming the archive and the member, before anything is written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from fixtures.hostile import HOSTILE_SDISTS, tree_snapshot

from sula._archive import UnsafeArchiveMemberError, extract_sdist


@pytest.mark.parametrize("kind", sorted(HOSTILE_SDISTS))
def test_hostile_sdist_is_refused_before_anything_is_written(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = HOSTILE_SDISTS[kind]
    for key, value in hostile.env:
        monkeypatch.setenv(key, value)
    sdist = hostile.build(tmp_path / "dists")
    target = tmp_path / "a" / "b" / "target"
    target.mkdir(parents=True)
    before = tree_snapshot(tmp_path)
    with pytest.raises(UnsafeArchiveMemberError) as info:
        extract_sdist(sdist, target)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"Refusing to extract `{sdist.name}`: member `")
    assert hostile.expect in message
    # Checked before writing: the target is as empty as it was, and nothing appeared around it.
    assert tree_snapshot(tmp_path) == before
    assert not Path("/tmp/sula-hostile-escape.py").exists()


def test_zip_sdist_bomb_and_bad_utf8_names_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = tmp_path / "evil-1.0.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("evil-1.0/PKG-INFO", "Name: evil\nVersion: 1.0\n")
        zf.writestr("evil-1.0/zeros.bin", bytes(4 << 20))
    monkeypatch.setenv("SULA_MAX_UNPACKED_SIZE", "2M")
    with pytest.raises(UnsafeArchiveMemberError, match=r"member `evil-1\.0/zeros\.bin` unpacks past the limit of 2 MiB"):
        extract_sdist(bomb, tmp_path / "out1")
    assert list((tmp_path / "out1").iterdir()) == []
    monkeypatch.delenv("SULA_MAX_UNPACKED_SIZE")
    assert (extract_sdist(bomb, tmp_path / "ok") / "zeros.bin").stat().st_size == 4 << 20
    bad = tmp_path / "bad-1.0.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("bad-1.0/\u00e9.py", "")
    bad.write_bytes(bad.read_bytes().replace("\u00e9".encode(), b"\xc3\x28"))
    with pytest.raises(UnsafeArchiveMemberError, match=r"member `bad-1\.0/\\xc3\(\.py` has a file name that is not valid UTF-8"):
        extract_sdist(bad, tmp_path / "out2")
    assert list((tmp_path / "out2").iterdir()) == []
