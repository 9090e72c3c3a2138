from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sula import _warnings
from sula.database.record import hash_file, parse_record
from sula.installer import InstallOptions, Layout, Linker, LinkMode, install_wheel
from sula.installer.scripts import shebang
from sula.installer.wheel import UnpackedWheel

Unpack = Callable[[Path], UnpackedWheel]


def _record_ok(dist_info: Path) -> list[str]:
    """Every RECORD row's file exists with that hash and size; returns the paths."""
    site = dist_info.parent
    rows = parse_record((dist_info / "RECORD").read_text())
    for row in rows:
        path = site / row.path
        assert path.is_file(), row.path
        if row.path.endswith("/RECORD"):
            assert row.hash == "" and row.size is None
            continue
        assert hash_file(path) == (row.hash, row.size), row.path
    return [r.path for r in rows]


def test_install_writes_record_installer_requested_direct_url(
    wheel_factory, unpack: Unpack, layout: Layout
) -> None:
    whl = wheel_factory("Demo.Pkg", "1.0", files={"demo_pkg/__init__.py": "X = 1\n", "demo_pkg/sub/m.py": ""})
    url = {"url": "file:///somewhere/demo_pkg-1.0-py3-none-any.whl", "archive_info": {}}
    d = install_wheel(unpack(whl), layout, Linker(), InstallOptions(requested=True, direct_url=url))
    assert d == layout.purelib / "demo_pkg-1.0.dist-info"
    paths = _record_ok(d)
    assert "demo_pkg/sub/m.py" in paths
    assert (d / "INSTALLER").read_text() == "sula\n"
    assert (d / "REQUESTED").exists()
    assert json.loads((d / "direct_url.json").read_text()) == url
    assert {"demo_pkg-1.0.dist-info/INSTALLER", "demo_pkg-1.0.dist-info/direct_url.json"} <= set(paths)
    # No temporaries left in site-packages.
    assert not [n for n in os.listdir(layout.purelib) if n.startswith(".")]


def test_entry_points_and_data_scripts_run(wheel_factory, unpack: Unpack, layout: Layout) -> None:
    whl = wheel_factory(
        "tool", "2.0",
        files={"tool/__init__.py": "def main():\n    print('tool main')\n    return 3\n"},
        entry_points={"console_scripts": {"tool-cli": "tool:main"}, "gui_scripts": {"tool-gui": "tool:main"}},
        data={
            "scripts": {"raw-script": "#!python\nimport sys\nprint('data script', sys.executable)\n",
                        "shell.sh": "#!/bin/sh\necho shell ok\n"},
            "data": {"share/tool/x.txt": "data"},
            "headers": {"tool.h": "int x;\n"},
            "purelib": {"tool_extra.py": "Y = 2\n"},
        },
    )
    d = install_wheel(unpack(whl), layout, Linker(), InstallOptions())
    env = {**os.environ, "PYTHONPATH": str(layout.purelib)}
    proc = subprocess.run([str(layout.scripts / "tool-cli")], capture_output=True, text=True, env=env)
    assert (proc.returncode, proc.stdout) == (3, "tool main\n")
    assert (layout.scripts / "tool-gui").stat().st_mode & 0o111
    proc = subprocess.run([str(layout.scripts / "raw-script")], capture_output=True, text=True, env=env)
    assert proc.stdout.startswith("data script "), proc.stderr
    first = (layout.scripts / "raw-script").read_text().splitlines()[0]
    assert first == f"#!{sys.executable}"
    assert subprocess.run([str(layout.scripts / "shell.sh")], capture_output=True, text=True).stdout == "shell ok\n"
    assert (layout.data / "share/tool/x.txt").read_text() == "data"
    assert (layout.headers / "tool" / "tool.h").exists()
    assert (layout.purelib / "tool_extra.py").exists()
    paths = _record_ok(d)
    assert "../../../bin/tool-cli" in paths and "../../../share/tool/x.txt" in paths


def test_hardlinks_share_inodes_with_cache(wheel_factory, unpack: Unpack, layout: Layout) -> None:
    whl = wheel_factory("linked", "1.0")
    wheel = unpack(whl)
    d = install_wheel(wheel, layout, Linker(LinkMode.HARDLINK))
    src = wheel.root / "linked" / "__init__.py"
    dst = layout.purelib / "linked" / "__init__.py"
    assert src.stat().st_ino == dst.stat().st_ino
    # Generated files are never links into the cache.
    assert (d / "RECORD").stat().st_ino != (wheel.root / wheel.dist_info / "RECORD").stat().st_ino
    assert (d / "RECORD").read_text() != (wheel.root / wheel.dist_info / "RECORD").read_text()


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs a tmpfs at /dev/shm")
def test_hardlink_across_filesystems_falls_back_to_copy(
    wheel_factory, unpack: Unpack, tmp_path: Path
) -> None:
    import tempfile

    warnings: list[str] = []
    _warnings._seen.clear()
    _warnings.set_sink(warnings.append)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        layout = Layout.for_venv(Path(shm) / "env", (3, 11), python=Path(sys.executable))
        if os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
            pytest.skip("/dev/shm is on the same filesystem here")
        wheel = unpack(wheel_factory("crossfs", "1.0"))
        linker = Linker(LinkMode.HARDLINK)
        try:
            d = install_wheel(wheel, layout, linker)
        finally:
            _warnings.set_sink(None)
        assert linker.mode is LinkMode.COPY
        assert any("falling back to copying" in w for w in warnings)
        src = wheel.root / "crossfs" / "__init__.py"
        dst = layout.purelib / "crossfs" / "__init__.py"
        assert src.stat().st_ino != dst.stat().st_ino or src.stat().st_dev != dst.stat().st_dev
        assert dst.read_bytes() == src.read_bytes()
        _record_ok(d)


@pytest.mark.parametrize("mode", [LinkMode.COPY, LinkMode.CLONE, LinkMode.SYMLINK])
def test_other_link_modes(mode: LinkMode, wheel_factory, unpack: Unpack, layout: Layout) -> None:
    wheel = unpack(wheel_factory("modes", "1.0", data={"scripts": {"s": "#!/bin/sh\necho hi\n"}}))
    _warnings.set_sink(lambda _m: None)
    try:
        d = install_wheel(wheel, layout, Linker(mode))
    finally:
        _warnings.set_sink(None)
    dst = layout.purelib / "modes" / "__init__.py"
    src = wheel.root / "modes" / "__init__.py"
    if mode is LinkMode.SYMLINK:
        assert dst.is_symlink() and os.readlink(dst) == str(src)
    else:
        assert not dst.is_symlink() and dst.stat().st_ino != src.stat().st_ino
    assert dst.read_bytes() == src.read_bytes()
    assert os.access(layout.scripts / "s", os.X_OK)
    _record_ok(d)


def test_copy_never_writes_through_an_existing_hardlink(wheel_factory, unpack: Unpack, layout: Layout) -> None:
    first = unpack(wheel_factory("shared", "1.0", files={"shared/__init__.py": "A = 1\n"}))
    install_wheel(first, layout, Linker(LinkMode.HARDLINK))
    cache_file = first.root / "shared" / "__init__.py"
    other = unpack(wheel_factory("other", "1.0", files={"shared/__init__.py": "B = 2\n", "other.py": ""}))
    _warnings.set_sink(lambda _m: None)
    try:
        install_wheel(other, layout, Linker(LinkMode.COPY))
    finally:
        _warnings.set_sink(None)
    assert cache_file.read_text() == "A = 1\n"
    assert (layout.purelib / "shared" / "__init__.py").read_text() == "B = 2\n"


def test_conflicting_files_overwrite_in_order_with_a_warning(
    wheel_factory, unpack: Unpack, layout: Layout
) -> None:
    a = unpack(wheel_factory("alpha", "1.0", files={"common/data.py": "WHO = 'alpha'\n"}))
    b = unpack(wheel_factory("beta", "1.0", files={"common/data.py": "WHO = 'beta'\n"}))
    warnings: list[str] = []
    _warnings._seen.clear()
    _warnings.set_sink(warnings.append)
    try:
        linker = Linker()
        install_wheel(a, layout, linker)
        install_wheel(b, layout, linker)
    finally:
        _warnings.set_sink(None)
    assert (layout.purelib / "common/data.py").read_text() == "WHO = 'beta'\n"
    assert len(warnings) == 1 and "`beta==1.0`" in warnings[0] and "common/data.py" in warnings[0]


def test_reinstall_over_leftovers_of_an_interrupted_run_is_quiet(
    wheel_factory, unpack: Unpack, layout: Layout
) -> None:
    wheel = unpack(wheel_factory("again", "1.0"))
    d = install_wheel(wheel, layout, Linker())
    import shutil

    shutil.rmtree(d)  # as if killed before the dist-info rename
    warnings: list[str] = []
    _warnings.set_sink(warnings.append)
    try:
        install_wheel(wheel, layout, Linker())
    finally:
        _warnings.set_sink(None)
    assert warnings == []
    _record_ok(d)


def test_long_and_spaced_interpreter_paths_use_a_sh_trampoline(tmp_path: Path) -> None:
    assert shebang("/usr/bin/python3") == "#!/usr/bin/python3\n"
    spaced = tmp_path / "with space" / ("x" * 150) / "python"
    spaced.parent.mkdir(parents=True)
    spaced.symlink_to(sys.executable)
    script = tmp_path / "script"
    script.write_text(shebang(str(spaced)) + "import sys\nprint('ran', sys.argv[1:])\n")
    script.chmod(0o755)
    out = subprocess.run([str(script), "a b"], capture_output=True, text=True)
    assert out.stdout == "ran ['a b']\n", out.stderr


def test_files_are_linked_by_the_cached_record(wheel_factory, unpack: Unpack, layout: Layout) -> None:
    from sula.installer import InvalidWheelError

    whl = wheel_factory("odd", "1.0", files={
        "odd/__init__.py": "",
        "odd/a,b.txt": "comma",
        'odd/q"uote.txt': "quote",
        "odd/deep/er/x.py": "",
        "odd-1.0.dist-info/licenses/LICENSE": "MIT",
        "top.py": "",
    })
    wheel = unpack(whl)
    d = install_wheel(wheel, layout, Linker(), InstallOptions())
    paths = _record_ok(d)
    assert {"odd/a,b.txt", 'odd/q"uote.txt', "odd/deep/er/x.py", "top.py",
            "odd-1.0.dist-info/licenses/LICENSE"} <= set(paths)
    assert (layout.purelib / "odd" / "a,b.txt").read_text() == "comma"
    # A damaged cache entry (a listed file gone) is an error naming the file, not a silent skip.
    os.unlink(wheel.root / "odd" / "deep" / "er" / "x.py")
    other = Layout.for_venv(layout.purelib.parents[2] / "env2", (3, 11), python=Path(sys.executable))
    with pytest.raises(InvalidWheelError, match=r"odd/deep/er/x\.py"):
        install_wheel(wheel, other, Linker(), InstallOptions())
    assert not (other.purelib / "odd-1.0.dist-info").exists()
