"""Several `sula pip install` processes into one environment at once: the environment lock is
taken before site-packages is read, so each plans from the state the previous one left and the
environment ends with exactly one complete dist-info of the package, round after round."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _pip_helpers import make_venv, record_problems
from fixtures.cli import sula_env
from fixtures.dists import build_wheel

pytestmark = pytest.mark.slow

VERSIONS = ("1.0", "2.0", "3.0")


def _install(venv: Path, url: str, version: str, cache: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "sula", "pip", "install", f"race=={version}",
           "--python", str(venv / "bin" / "python"), "--index-url", url, "--link-mode", "copy"]
    return subprocess.Popen(cmd, env=sula_env(cache), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _run_round(venv: Path, url: str, caches: list[Path]) -> None:
    procs = [_install(venv, url, v, c) for v, c in zip(VERSIONS, caches, strict=True)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()


def test_concurrent_installs_leave_one_complete_dist_info(
    index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    for version in VERSIONS:
        # Enough files that linking and uninstalling take a while: the window a stale plan needs.
        files = {f"race/m{j}.py": f"V = {version!r}\n" * 20 for j in range(400)}
        files["race/__init__.py"] = f"__version__ = {version!r}\n"
        server.add(build_wheel(dists_dir, "race", version, files=files))
    venv = tmp_path / "env"
    site = make_venv(venv)
    # Warmed caches, so that the installs overlap in their link step. Even rounds give each
    # process its own cache (the lock must not depend on the cache directory), odd rounds
    # share one (the lock must come before site-packages is read).
    caches = [tmp_path / f"cache{i}" for i in range(len(VERSIONS))]
    for i, version in enumerate(VERSIONS):
        for cache in {caches[i], caches[0]}:
            warm = tmp_path / f"warm-{version}-{cache.name}"
            make_venv(warm)
            assert _install(warm, server.url, version, cache).wait(timeout=120) == 0
    for round_no in range(6):
        _run_round(venv, server.url, caches if round_no % 2 == 0 else [caches[0]] * len(caches))
        infos = sorted(p.name for p in site.glob("race-*.dist-info"))
        assert len(infos) == 1, f"round {round_no}: {infos}"
        assert record_problems(site) == [], f"round {round_no}"
        version = infos[0].removeprefix("race-").removesuffix(".dist-info")
        assert (site / "race" / "__init__.py").read_text() == f"__version__ = {version!r}\n"
    assert (venv / ".lock").is_file()
