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
