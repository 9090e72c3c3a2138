"""`--no-binary NAME`: never install a wheel for NAME (its sdist would need a build)."""

from __future__ import annotations

from pathlib import Path

from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_sdist, build_wheel


def test_no_binary_refuses_the_wheel(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "pkg", "1.0"))
    server.add(build_sdist(dists_dir, "pkg", "1.0"))
    server.add(build_wheel(dists_dir, "other", "1.0"))
    venv = tmp_path / "venv"
    site = make_venv(venv)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]

    result = run_sula("pip", "install", "pkg", "other", "--no-binary", "pkg", *py)
    assert result.exit_code == 1, result.stderr
    assert "`pkg==1.0` needs building from source" in result.stderr
    assert not list(site.glob("*.dist-info"))  # refused before anything was installed

    (tmp_path / "pins.txt").write_text("--no-binary :all:\nother==1.0\n")
    synced = run_sula("pip", "sync", str(tmp_path / "pins.txt"), *py)
    assert synced.exit_code == 1
    assert "`other==1.0` needs building from source" in synced.stderr

    # Without the option the wheel is used.
    run_sula("pip", "install", "pkg", *py).check()
    assert (site / "pkg-1.0.dist-info").is_dir()
