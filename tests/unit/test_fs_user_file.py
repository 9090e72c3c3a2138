"""`sula._fs.write_user_file` (``pip compile -o``): a regular file is replaced atomically; a
device or FIFO is written in place, a symbolic link's target replaced with the link kept."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

from sula._fs import write_user_file


def test_a_fifo_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_user_file(fifo, "a==1.0\n")
    reader.join(timeout=5)
    assert got == [b"a==1.0\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary file left beside it


def test_a_symlink_keeps_pointing_at_its_rewritten_target(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "requirements.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "requirements.txt"
    link.symlink_to(target)
    write_user_file(link, "new\n")
    assert link.is_symlink()
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_a_regular_file_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "requirements.txt"
    out.write_text("old\n")
    out.chmod(0o600)
    write_user_file(out, "new\n")
    assert out.read_text() == "new\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_the_temporary_file_beside_a_target_is_new_private_and_named_after_it(tmp_path: Path) -> None:
    from sula._fs import _mkstemp

    made = [_mkstemp(tmp_path, ".out.txt.", ".tmp") for _ in range(20)]
    try:
        names = {os.path.basename(name) for _fd, name in made}
        assert len(names) == 20 and all(n.startswith(".out.txt.") and n.endswith(".tmp") for n in names)
        assert all(stat.S_IMODE(os.stat(name).st_mode) == 0o600 for _fd, name in made)
        assert all(os.get_inheritable(fd) is False for fd, _name in made)
    finally:
        for fd, _name in made:
            os.close(fd)
