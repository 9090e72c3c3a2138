"""Shared fixtures: wheel and sdist factories, a local index server, and ``run_sula``.

See tests/README.md for the rig's API. The helpers live in ``tests/fixtures/`` (importable as
``fixtures.dists``, ``fixtures.index``, ``fixtures.cli``); this file only binds them to pytest.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from fixtures.cli import SulaRunner  # noqa: E402
from fixtures.cli import sula_env as _sula_env  # noqa: E402
from fixtures.dists import build_sdist, build_wheel  # noqa: E402
from fixtures.index import IndexServers  # noqa: E402


class WheelFactory:
    """``wheel_factory(name, version, **kw) -> Path``: ``build_wheel`` into a per-test dir."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest

    def __call__(self, name: str, version: str, *, dest_dir: Path | None = None, **kw: Any) -> Path:
        return build_wheel(dest_dir or self.dest, name, version, **kw)


class SdistFactory:
    """``sdist_factory(name, version, **kw) -> Path``: ``build_sdist`` into a per-test dir."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest

    def __call__(self, name: str, version: str, *, dest_dir: Path | None = None, **kw: Any) -> Path:
        return build_sdist(dest_dir or self.dest, name, version, **kw)


@pytest.fixture
def dists_dir(tmp_path: Path) -> Path:
    """Where the factories put what they build (one dir per test)."""
    d = tmp_path / "dists"
    d.mkdir(exist_ok=True)
    return d


@pytest.fixture
def wheel_factory(dists_dir: Path) -> WheelFactory:
    return WheelFactory(dists_dir)


@pytest.fixture
def sdist_factory(dists_dir: Path) -> SdistFactory:
    return SdistFactory(dists_dir)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh, empty sula cache directory for this test."""
    d = tmp_path / "cache"
    yield d


@pytest.fixture
def index_server() -> Iterator[IndexServers]:
    """``index_server(**switches) -> IndexServer``: a real index on 127.0.0.1, stopped after."""
    servers = IndexServers()
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture
def run_sula(tmp_path: Path, cache_dir: Path, index_server: IndexServers) -> SulaRunner:
    """``run_sula(*args, cwd=None, env=None, input=None) -> SulaResult``: sula in a subprocess
    with ``SULA_CACHE_DIR=<tmp>/cache``, a clean env and a temp HOME; ``.snapshot()`` redacts."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return SulaRunner(temp_dir=tmp_path, cache_dir=cache_dir, home=home, index_source=index_server)


@pytest.fixture
def sula_env(tmp_path: Path, cache_dir: Path) -> dict[str, str]:
    """The env dict ``run_sula`` uses (for tests that start sula or a venv's tools themselves)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return _sula_env(cache_dir, home=home)


@pytest.fixture(scope="session")
def backend_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real build backends and their dependencies as wheels (setuptools, wheel,
    hatchling, flit-core, pdm-backend), downloaded once per session with the machine's pip
    from its configured index: what build environments are filled from in tests."""
    import subprocess

    from fixtures.builds import BACKENDS

    dest = tmp_path_factory.mktemp("backend-wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
         "--only-binary", ":all:", "-d", str(dest), *BACKENDS],
        check=True, capture_output=True, timeout=600,
    )
    return dest
