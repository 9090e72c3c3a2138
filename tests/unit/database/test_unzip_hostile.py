"""unzip_wheel refuses every hostile wheel kind (tests/fixtures/hostile.py) with one line naming
the wheel and the member, and writes nothing outside the directory it unpacks into."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from fixtures.hostile import HOSTILE_WHEELS, forge_declared_size, hostile_wheel, tree_snapshot

from sula._archive import ArchiveLimitError
from sula.database import InvalidArchiveError
from sula.database.unzip import unzip_wheel
from sula.errors import SulaError
from sula.installer import InvalidWheelError, Layout, Linker, LinkMode, UnpackedWheel, install_wheel


@pytest.mark.parametrize("kind", sorted(HOSTILE_WHEELS))
def test_hostile_wheel_is_refused_and_nothing_leaves_the_target(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = HOSTILE_WHEELS[kind]
    for key, value in hostile.env:
        monkeypatch.setenv(key, value)
    wheel = hostile.build(tmp_path / "dists")
    around = tmp_path / "a" / "b" / "c"
    target = around / "target"
    target.mkdir(parents=True)
    before = tree_snapshot(tmp_path, skip=[target])
    with pytest.raises(InvalidArchiveError) as info:
        unzip_wheel(wheel, target, wheel.name)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"Invalid wheel `{wheel.name}`: ")
    assert hostile.expect in message
    assert tree_snapshot(tmp_path, skip=[target]) == before
    assert not Path("/tmp/sula-hostile-escape.py").exists()


@pytest.mark.parametrize("kind", sorted(k for k in HOSTILE_WHEELS if k.startswith("entry-point")))
def test_hostile_entry_points_are_refused_before_anything_is_linked(kind: str, tmp_path: Path) -> None:
    """An unpacked wheel whose entry points went bad after it was cached (an older sula's
    cache entry, a hand edit) refuses the install before any file reaches the environment."""
    wheel = hostile_wheel(tmp_path / "dists", [("evil/__init__.py", b"def main(): pass\n")])
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    unzip_wheel(wheel, unpacked, wheel.name)
    with zipfile.ZipFile(HOSTILE_WHEELS[kind].build(tmp_path / "bad")) as zf:
        text = zf.read("evil-1.0.dist-info/entry_points.txt")
    (unpacked / "evil-1.0.dist-info" / "entry_points.txt").write_bytes(text)
    env = tmp_path / "deep" / "env"
    layout = Layout.for_venv(env, (3, 11), python=Path(sys.executable))
    layout.purelib.mkdir(parents=True)
    before = tree_snapshot(tmp_path / "deep")
    with pytest.raises(InvalidWheelError) as info:
        install_wheel(UnpackedWheel.open(unpacked), layout, Linker(LinkMode.COPY))
    assert "\n" not in str(info.value) and HOSTILE_WHEELS[kind].expect in str(info.value)
    assert tree_snapshot(tmp_path / "deep") == before
    assert not (tmp_path / "escape").exists() and not (tmp_path / "pwned").exists()


def test_a_good_wheel_next_to_the_hostile_ones_unpacks(tmp_path: Path) -> None:
    wheel = hostile_wheel(tmp_path, [("evil/__init__.py", b"x = 1\n"), ("evil/\u00e9t\u00e9.py", b"")],
                          entry_points="[console_scripts]\nevil-tool = evil.cli:main [extra]\n")
    (tmp_path / "out").mkdir()
    unzip_wheel(wheel, tmp_path / "out", wheel.name)
    assert (tmp_path / "out" / "evil" / "\u00e9t\u00e9.py").exists()


def test_the_size_limit_is_read_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = hostile_wheel(tmp_path, [("evil/zeros.bin", bytes(3 << 20))])
    (tmp_path / "ok").mkdir()
    monkeypatch.setenv("SULA_MAX_UNPACKED_SIZE", "4MiB")
    unzip_wheel(wheel, tmp_path / "ok", wheel.name)
    # A declared size past the default 16 GiB cap is refused whatever the ratio.
    monkeypatch.delenv("SULA_MAX_UNPACKED_SIZE")
    monkeypatch.setenv("SULA_MAX_UNPACKED_RATIO", "0")
    forge_declared_size(wheel, "evil/zeros.bin", 0xFFFF_FFFF)
    big = hostile_wheel(tmp_path / "big", [(f"evil/{i}.bin", b"") for i in range(5)])
    for i in range(5):
        forge_declared_size(big, f"evil/{i}.bin", 0xFFFF_FFFF)
    (tmp_path / "no").mkdir()
    with pytest.raises(InvalidArchiveError, match=r"member `evil/4\.bin` unpacks past the limit of 16 GiB"):
        unzip_wheel(big, tmp_path / "no", big.name)
    assert not any((tmp_path / "no").iterdir())
    monkeypatch.setenv("SULA_MAX_UNPACKED_SIZE", "lots")
    with pytest.raises(ArchiveLimitError, match=r"Invalid `SULA_MAX_UNPACKED_SIZE=lots`: expected a size"):
        unzip_wheel(wheel, tmp_path / "no", wheel.name)
    monkeypatch.setenv("SULA_MAX_UNPACKED_SIZE", "1G")
    monkeypatch.setenv("SULA_MAX_UNPACKED_RATIO", "-3")
    with pytest.raises(SulaError, match="SULA_MAX_UNPACKED_RATIO=-3"):
        unzip_wheel(wheel, tmp_path / "no", wheel.name)
