"""`--no-binary NAME`: never install a wheel for NAME; its sdist is built instead."""

from __future__ import annotations

from pathlib import Path

from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_sdist, build_wheel


def _generator(site: Path, name: str) -> str:
    wheel = next(site.glob(f"{name}-1.0.dist-info")) / "WHEEL"
    return next(line for line in wheel.read_text().splitlines() if line.startswith("Generator:"))


def test_no_binary_builds_the_sdist_instead_of_the_wheel(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path, backend_wheels: Path
) -> None:
    server = index_server()
    server.add_dir(backend_wheels)
    server.add(build_wheel(dists_dir, "pkg", "1.0"))
    server.add(build_sdist(dists_dir, "pkg", "1.0"))
    server.add(build_wheel(dists_dir, "other", "1.0"))
    server.add(build_sdist(dists_dir, "other", "1.0"))
    venv = tmp_path / "venv"
    site = make_venv(venv)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]

    run_sula("pip", "install", "pkg", "other", "--no-binary", "pkg", *py).check()
    assert "setuptools" in _generator(site, "pkg")  # built here by the sdist's backend
    assert "setuptools" not in _generator(site, "other")  # the index's wheel

    # `--no-binary :all:` in a pinned file: the sdist of `other` is built too.
    (tmp_path / "pins.txt").write_text("--no-binary :all:\nother==1.0\n")
    run_sula("pip", "sync", str(tmp_path / "pins.txt"), "--reinstall", *py).check()
    assert "setuptools" in _generator(site, "other")
    assert not list(site.glob("pkg-*.dist-info"))
