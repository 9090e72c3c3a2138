"""`--python-platform`: install and sync pick wheels (and evaluate markers) for another platform."""

from __future__ import annotations

import sys
from pathlib import Path

from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel


def test_install_and_sync_for_windows(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "native", "1.0", tag="py3-none-win_amd64"))
    server.add(build_wheel(dists_dir, "native", "1.0", tag="py3-none-manylinux_2_17_x86_64"))
    server.add(build_wheel(dists_dir, "app", "1.0",
                           requires=["native", "winonly; sys_platform == 'win32'"]))
    server.add(build_wheel(dists_dir, "winonly", "1.0"))
    target = tmp_path / "target"
    common = ["--python", sys.executable, "--target", str(target), "--index-url", server.url]

    result = run_sula("pip", "install", "app", "--python-platform", "windows", *common).check()
    # The Windows-only dependency is included, and native's Windows wheel is the one linked.
    assert " + winonly==1.0" in result.stderr
    record = (target / "native-1.0.dist-info" / "WHEEL").read_text()
    assert "Tag: py3-none-win_amd64" in record

    (tmp_path / "pins.txt").write_text("native==1.0\n")
    synced = tmp_path / "synced"
    run_sula("pip", "sync", str(tmp_path / "pins.txt"), "--python-platform", "linux",
             "--python", sys.executable, "--target", str(synced), "--index-url", server.url).check()
    assert "manylinux_2_17_x86_64" in (synced / "native-1.0.dist-info" / "WHEEL").read_text()


def test_no_wheel_for_the_platform_is_a_user_error(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "native", "1.0", tag="py3-none-win_amd64"))
    result = run_sula("pip", "install", "native", "--python-platform", "macos",
                      "--python", sys.executable, "--target", str(tmp_path / "t"),
                      "--index-url", server.url)
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "native" in result.stderr
