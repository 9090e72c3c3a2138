"""Killing `sula pip sync` (SIGKILL, SIGINT) at several points never leaves a dist-info without
its files or a partial cache entry, and the next run completes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _pip_helpers import (
    cache_entries_complete,
    make_venv,
    popen_interruptible,
    real_pip,
    record_problems,
)
from fixtures.cli import sula_env
from fixtures.dists import build_wheel

pytestmark = pytest.mark.slow


def _publish(index_server, dists: Path) -> tuple[object, list[str]]:
    server = index_server()
    pins = []
    for i in range(4):
        files = {f"many{i}/m{j}.py": f"X = {j}\n" * 20 for j in range(600)}
        files[f"many{i}/__init__.py"] = ""
        server.add(build_wheel(dists, f"many{i}", "1.0", files=files,
                               entry_points={"console_scripts": {f"many{i}": f"many{i}:main"}}))
        pins.append(f"many{i}==1.0")
    server.add(build_wheel(dists, "bulky", "1.0", size_padding=25_000_000))
    pins.append("bulky==1.0")
    return server, pins


def _sync_cmd(reqs: Path, venv: Path, server_url: str) -> list[str]:
    return [sys.executable, "-m", "sula", "pip", "sync", str(reqs), "--python", str(venv / "bin/python"),
            "--index-url", server_url, "--link-mode", "copy"]


def test_interrupted_syncs_leave_consistent_state(index_server, dists_dir: Path, tmp_path: Path) -> None:
    server, pins = _publish(index_server, dists_dir)
    reqs = tmp_path / "r.txt"
    reqs.write_text("\n".join(pins) + "\n")
    url = server.url  # type: ignore[attr-defined]

    # Measure one full run to place the interruptions across its phases.
    venv0 = tmp_path / "v0"
    make_venv(venv0)
    t0 = time.perf_counter()
    subprocess.run(_sync_cmd(reqs, venv0, url), env=sula_env(tmp_path / "c0"), check=True,
                   capture_output=True)
    total = time.perf_counter() - t0

    # Warm timing (cache c0 already filled): the link phase dominates it.
    venvw = tmp_path / "vw"
    make_venv(venvw)
    done = subprocess.run(_sync_cmd(reqs, venvw, url), env=sula_env(tmp_path / "c0"), check=True,
                          capture_output=True, text=True)
    # Warm runs are timed from the `Resolved` line: the link phase is what follows it.
    installed = next(line for line in done.stderr.splitlines() if line.startswith("Installed"))
    amount = installed.rsplit(" ", 1)[1]
    warm = float(amount[:-2]) / 1000 if amount.endswith("ms") else float(amount[:-1])

    cold_points = [(0.25, signal.SIGKILL), (0.45, signal.SIGINT), (0.75, signal.SIGKILL)]
    warm_points = [(0.2, signal.SIGKILL), (0.5, signal.SIGKILL), (0.7, signal.SIGINT),
                   (0.9, signal.SIGKILL), (1.0, signal.SIGKILL)]
    runs = [(f, sig, False) for f, sig in cold_points] + [(f, sig, True) for f, sig in warm_points]
    for i, (fraction, sig, is_warm) in enumerate(runs):
        cache = tmp_path / ("c0" if is_warm else f"c{i + 1}")
        venv = tmp_path / f"v{i + 1}"
        site = make_venv(venv)
        length = warm if is_warm else total
        env = sula_env(cache)
        proc = popen_interruptible(_sync_cmd(reqs, venv, url), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        first = b""
        if is_warm:
            assert proc.stderr is not None
            first = proc.stderr.readline()
        time.sleep(length * fraction)
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)
        err = first + err
        # SIGINT: "Interrupted" and 130 (0: the run was done before the signal).
        expected = (0, 130) if sig == signal.SIGINT else (0, -signal.SIGKILL)
        assert proc.returncode in expected, err
        assert proc.returncode != 130 or b"error: Interrupted" in err, err
        assert b"Traceback" not in err
        # Whatever was committed is whole.
        assert record_problems(site) == [], (fraction, sig)
        assert cache_entries_complete(cache) == [], (fraction, sig)
        # The next run completes and leaves exactly the pins.
        subprocess.run(_sync_cmd(reqs, venv, url), env=env, check=True, capture_output=True)
        assert record_problems(site) == []
        assert not [n for n in os.listdir(site) if n.startswith(".sula-tmp-")]
        frozen = real_pip(venv, "list", "--format=freeze").stdout.split()
        assert sorted(frozen) == sorted(pins)
        assert (venv / "bin" / "many0").exists()


def _publish_two_versions(index_server, dists: Path) -> tuple[object, list[str], list[str]]:
    """Four packages of 600 modules in 1.0 and 2.0; each version has one module of its own."""
    server = index_server()
    old, new = [], []
    for i in range(4):
        for version, own in (("1.0", "only1"), ("2.0", "only2")):
            files = {f"many{i}/m{j}.py": f"X = {j!r}, {version!r}\n" * 20 for j in range(600)}
            files[f"many{i}/__init__.py"] = f"VERSION = {version!r}\n"
            files[f"many{i}/{own}.py"] = "OWN = True\n"
            server.add(build_wheel(dists, f"many{i}", version, files=files,
                                   entry_points={"console_scripts": {f"many{i}": f"many{i}:main"}}))
        old.append(f"many{i}==1.0")
        new.append(f"many{i}==2.0")
    return server, old, new


_IMPORTABLE = """
import importlib, importlib.util
for i in range(4):
    pkg = f"many{i}"
    importlib.import_module(pkg)
    for j in range(600):
        importlib.import_module(f"{pkg}.m{j}")
    own = [m for m in ("only1", "only2") if importlib.util.find_spec(f"{pkg}.{m}") is not None]
    assert own, pkg
print("ok")
"""


def test_a_killed_upgrade_leaves_every_package_importable(index_server, dists_dir: Path, tmp_path: Path) -> None:
    """Upgrading links each new version before the old one is removed: killed at any point of
    that, every package still imports whole (the old version, the new, or both dist-infos until
    the next run), and the next run leaves exactly the new versions, old files gone."""
    server, old, new = _publish_two_versions(index_server, dists_dir)
    url = server.url  # type: ignore[attr-defined]
    old_reqs, new_reqs = tmp_path / "old.txt", tmp_path / "new.txt"
    old_reqs.write_text("\n".join(old) + "\n")
    new_reqs.write_text("\n".join(new) + "\n")
    cache = tmp_path / "cache"
    env = sula_env(cache)

    def venv_with_old(name: str) -> tuple[Path, Path]:
        venv = tmp_path / name
        site = make_venv(venv)
        subprocess.run(_sync_cmd(old_reqs, venv, url), env=env, check=True, capture_output=True)
        return venv, site

    # A first upgrade caches the new versions; a second one, timed from its first line to its
    # exit, places the kills across the removal and linking of a warm upgrade.
    venv, _site = venv_with_old("first")
    done = subprocess.run(_sync_cmd(new_reqs, venv, url), env=env, check=True, capture_output=True, text=True)
    assert "overwrote" not in done.stderr, done.stderr  # the old version's own files are no conflict
    venv, _site = venv_with_old("timed")
    proc = subprocess.Popen(_sync_cmd(new_reqs, venv, url), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    proc.stderr.readline()
    t0 = time.perf_counter()
    proc.communicate(timeout=120)
    length = time.perf_counter() - t0
    assert proc.returncode == 0

    python = lambda v: str(v / "bin" / "python")  # noqa: E731
    for fraction, sig in [(0.2, signal.SIGKILL), (0.35, signal.SIGKILL), (0.5, signal.SIGINT),
                          (0.6, signal.SIGKILL), (0.75, signal.SIGKILL), (0.9, signal.SIGKILL)]:
        venv, site = venv_with_old(f"v{fraction}")
        proc = popen_interruptible(_sync_cmd(new_reqs, venv, url), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert proc.stderr is not None
        first = proc.stderr.readline()
        time.sleep(length * fraction)
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)
        assert b"Traceback" not in first + err
        check = subprocess.run([python(venv), "-c", _IMPORTABLE], capture_output=True, text=True)
        assert check.stdout.strip() == "ok", (fraction, sig, check.stderr[-2000:])
        # The next run completes: the new versions only, the old ones' files gone.
        subprocess.run(_sync_cmd(new_reqs, venv, url), env=env, check=True, capture_output=True)
        assert record_problems(site) == []
        assert sorted(real_pip(venv, "list", "--format=freeze").stdout.split()) == sorted(new)
        assert sorted(p.name for p in site.glob("many*.dist-info")) == [f"many{i}-2.0.dist-info" for i in range(4)]
        assert not list(site.glob("many*/only1.py"))
        assert all((site / f"many{i}" / "only2.py").exists() for i in range(4))
