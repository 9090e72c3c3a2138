"""PEP 751 locks of the benchmark's trio.in, live: uv's lock installs with sula, sula's with uv,
both giving uv's pins (pinned with --exclude-newer)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _pip_helpers import make_venv, real_pip
from fixtures.cli import SulaRunner

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.network

UV = shutil.which("uv", path=str(Path(sys.executable).parent))
TRIO = Path(__file__).resolve().parents[2] / "tests" / "data" / "requirements" / "bench" / "trio.in"
CUTOFF = "2026-11-01"


def _uv(cwd: Path, *args: str) -> None:
    assert UV is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    proc = subprocess.run([UV, *args, "--cache-dir", str(cwd / "uv-cache")], capture_output=True,
                          text=True, env=env, cwd=cwd, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _pins(lock: Path) -> set[str]:
    data = tomllib.loads(lock.read_text())
    return {f"{p['name']}=={p['version']}" for p in data["packages"]}


def _installed(venv: Path) -> set[str]:
    listed = real_pip(venv, "list", "--format=freeze").stdout.split()
    return {line.lower().replace("_", "-") for line in listed}


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_trio_locks_interchange_with_uv(run_sula: SulaRunner, tmp_path: Path) -> None:
    shutil.copy(TRIO, tmp_path / "trio.in")
    (tmp_path / "uv").mkdir()
    py = sys.executable
    _uv(tmp_path, "pip", "compile", "trio.in", "-o", "uv/pylock.toml", "--python", py,
        "--exclude-newer", CUTOFF)
    uv_pins = _pins(tmp_path / "uv" / "pylock.toml")
    run_sula("pip", "compile", "trio.in", "-o", "pylock.toml", "--python", py,
             "--exclude-newer", CUTOFF, cwd=tmp_path).check()
    assert _pins(tmp_path / "pylock.toml") == uv_pins
    by_sula = tmp_path / "by-sula"
    make_venv(by_sula)
    run_sula("pip", "sync", "uv/pylock.toml", "--python", str(by_sula / "bin/python"),
             cwd=tmp_path).check()
    by_uv = tmp_path / "by-uv"
    make_venv(by_uv)
    _uv(tmp_path, "pip", "sync", "pylock.toml", "--python", str(by_uv / "bin/python"))
    assert _installed(by_sula) == _installed(by_uv) == {p.lower() for p in uv_pins}
    assert real_pip(by_sula, "check").returncode == 0
