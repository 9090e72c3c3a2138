"""Crashes and concurrency around source builds and git fetches (issue 14 items 1 and 2):
SIGKILL and SIGINT while a backend runs or git fetches leave no partial cache entry and the
next run succeeds; concurrent processes building one sdist or fetching one repository all
succeed, with one build."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from _pip_helpers import (
    cache_entries_complete,
    hatch_project,
    make_venv,
    popen_interruptible,
    record_problems,
)
from fixtures.cli import sula_env
from fixtures.dists import build_wheel
from fixtures.gitrepo import make_git_repo
from fixtures.index import IndexServer
from test_pip_build import make_sdist

pytestmark = pytest.mark.slow


def _slow_setup_py(name: str, log: Path, marker: Path) -> dict[str, str]:
    """A setup.py that logs each run's command and, while `marker` exists, sleeps in the
    backend (so that a signal lands while the hook runs)."""
    module = name.replace("-", "_")
    return {
        "setup.py": textwrap.dedent(f"""\
            import os, sys, time
            with open({str(log)!r}, "a") as f:
                f.write(" ".join(sys.argv[1:2]) + "\\n")
            while os.path.exists({str(marker)!r}):
                time.sleep(0.05)
            from setuptools import setup
            setup(name={name!r}, version="1.0", py_modules=[{module!r}])
            """),
        f"{module}.py": "VALUE = 1\n",
    }


def _wait_for(path: Path, lines: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and len(path.read_text().splitlines()) >= lines:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {lines} lines")


def _signal_and_wait(proc: subprocess.Popen[bytes], sig: signal.Signals, hold: Path,
                     timeout: float = 30) -> bytes:
    """Send ``sig`` and wait for the process to end, at most ``timeout`` seconds; a run that
    does not end fails the test with the stacks of its threads (``PYTHONFAULTHANDLER``: a
    SIGABRT dumps them) and the processes it left, instead of hanging. ``hold`` (what keeps
    the backend or git waiting) is removed either way."""
    proc.send_signal(sig)
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        tree = subprocess.run(["ps", "-o", "pid,ppid,stat,args", "--ppid", str(proc.pid)],
                              capture_output=True, text=True).stdout
        proc.send_signal(signal.SIGABRT)
        hold.unlink(missing_ok=True)
        _out, err = proc.communicate(timeout=30)
        raise AssertionError(f"sula did not stop within {timeout}s of {sig.name}; its children:\n"
                             f"{tree}\nits stderr and threads:\n{err.decode(errors='replace')}") from None
    return err


def _partial_built_entries(cache: Path) -> list[str]:
    """Built wheels in the cache that are not whole (a wheel directory without its RECORD)."""
    problems = []
    for info in (cache / "built-wheels-v1").glob("**/*.dist-info"):
        if not (info / "RECORD").is_file() or not (info / "METADATA").is_file():
            problems.append(str(info))
    return problems


@pytest.fixture
def build_index(index_server, backend_wheels: Path) -> IndexServer:  # type: ignore[no-untyped-def]
    server: IndexServer = index_server()
    server.add_dir(backend_wheels)
    return server


def _install(venv: Path, url: str, *reqs: str) -> list[str]:
    return [sys.executable, "-m", "sula", "pip", "install", *reqs, "--python", str(venv / "bin" / "python"),
            "--index-url", url]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_killed_during_a_source_build_then_the_next_run_completes(
        build_index: IndexServer, tmp_path: Path, sig: signal.Signals) -> None:
    log, marker = tmp_path / "backend.log", tmp_path / "hold"
    build_index.add(make_sdist(tmp_path / "dists", "slowpkg", "1.0", _slow_setup_py("slowpkg", log, marker)))
    cache = tmp_path / "cache"
    env = sula_env(cache, extra={"PYTHONFAULTHANDLER": "1"})
    venv = tmp_path / "venv"
    site = make_venv(venv)
    # Kill points: in the metadata hook, then (a second run, metadata cached) in the wheel build.
    for point in (1, 2):
        marker.touch()
        runs_before = len(log.read_text().splitlines()) if log.exists() else 0
        proc = popen_interruptible(_install(venv, build_index.url, "slowpkg"), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait_for(log, runs_before + 1)
        err = _signal_and_wait(proc, sig, marker)
        marker.unlink()
        assert b"Traceback" not in err
        if sig == signal.SIGINT:
            assert proc.returncode == 130 and b"error: Interrupted" in err, err
        else:
            assert proc.returncode == -signal.SIGKILL
        assert _partial_built_entries(cache) == []
        assert not list(site.glob("slowpkg*"))
        if point == 1:
            # Let the metadata be computed (and cached) so that the next kill lands in the build.
            subprocess.run([sys.executable, "-m", "sula", "pip", "compile", "-", "--python",
                            str(venv / "bin" / "python"), "--index-url", build_index.url],
                           input=b"slowpkg\n", env=env, check=True, capture_output=True, timeout=120)
    time.sleep(0.5)  # an orphaned backend of the SIGKILL'd run finishes on its own
    done = subprocess.run(_install(venv, build_index.url, "slowpkg"), env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "+ slowpkg==1.0" in done.stderr
    assert record_problems(site) == [] and _partial_built_entries(cache) == []
    # `cache prune` removes what the killed runs left in the scratch space.
    subprocess.run([sys.executable, "-m", "sula", "cache", "prune", "--min-age", "0"], env=env, check=True,
                   capture_output=True)
    assert not (cache / ".tmp").exists() or not list((cache / ".tmp").iterdir())


def test_concurrent_processes_build_one_sdist_once(build_index: IndexServer, tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    marker = tmp_path / "never"
    build_index.add(make_sdist(tmp_path / "dists", "shared", "1.0", _slow_setup_py("shared", log, marker)))
    build_index.add(build_wheel(tmp_path / "dists", "other", "1.0"))
    cache = tmp_path / "cache"
    env = sula_env(cache)
    procs = []
    venvs = []
    for i in range(4):
        venv = tmp_path / f"venv{i}"
        make_venv(venv)
        venvs.append(venv)
        procs.append(subprocess.Popen(_install(venv, build_index.url, "shared", "other"), env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    for venv in venvs:
        out = subprocess.run([str(venv / "bin" / "python"), "-c", "import shared; print(shared.VALUE)"],
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "1"
    # One metadata run and one wheel build between the four processes (the entry's lock).
    commands = log.read_text().splitlines()
    assert commands.count("bdist_wheel") == 1, commands
    assert _partial_built_entries(cache) == []


def _slow_git(tmp_path: Path, hold: Path, command: str) -> dict[str, str]:
    """A `git` first on PATH that waits while `hold` exists before each `command`."""
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    bindir = tmp_path / "slowbin"
    bindir.mkdir()
    script = bindir / "git"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        for a in "$@"; do
          if [ "$a" = {command} ]; then
            touch {hold}.seen
            while [ -e {hold} ]; do sleep 0.05; done
            break
          fi
        done
        exec {real} "$@"
        """))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize("command", ["init", "fetch", "clone", "checkout"])
def test_killed_during_a_git_fetch_then_the_next_run_completes(
        build_index: IndexServer, tmp_path: Path, command: str) -> None:
    repo = make_git_repo(tmp_path / "repo", hatch_project("fetched"))
    hold = tmp_path / "hold"
    cache = tmp_path / "cache"
    env = sula_env(cache, extra={**_slow_git(tmp_path, hold, command), "PYTHONFAULTHANDLER": "1"})
    venv = tmp_path / "venv"
    site = make_venv(venv)
    for sig in (signal.SIGKILL, signal.SIGINT):
        hold.touch()
        seen = Path(f"{hold}.seen")
        seen.unlink(missing_ok=True)
        proc = popen_interruptible(_install(venv, build_index.url, f"git+{repo.url}"), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + 60
        while not seen.exists() and time.monotonic() < end:
            time.sleep(0.02)
        assert seen.exists()
        err = _signal_and_wait(proc, sig, hold)
        hold.unlink()
        assert b"Traceback" not in err
        if sig == signal.SIGINT:
            assert proc.returncode == 130 and b"error: Interrupted" in err, err
        else:
            assert proc.returncode == -signal.SIGKILL
        # No checkout appeared half-made.
        for checkout in (cache / "git-v1" / "checkouts").glob("*/*") if (cache / "git-v1").exists() else []:
            assert (checkout / "pyproject.toml").is_file()
    time.sleep(0.3)
    done = subprocess.run(_install(venv, build_index.url, f"git+{repo.url}"), env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "+ fetched==1.0" in done.stderr and record_problems(site) == []


def test_concurrent_processes_fetch_one_repository(build_index: IndexServer, tmp_path: Path) -> None:
    repo = make_git_repo(tmp_path / "repo", {
        f"{sub}/{rel}": text.replace("NAME", sub)
        for sub in ("one", "two", "three", "four")
        for rel, text in {
            "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
                              '[project]\nname = "NAME"\nversion = "1.0"\n'
                              '[tool.hatch.build.targets.wheel]\npackages = ["NAME"]\n',
            "NAME/__init__.py": "",
        }.items()
    })
    repo.tag("v1")
    env = sula_env(tmp_path / "cache")
    procs = []
    for i, sub in enumerate(("one", "two", "three", "four")):
        venv = tmp_path / f"venv{i}"
        make_venv(venv)
        procs.append(subprocess.Popen(
            _install(venv, build_index.url, f"git+{repo.url}@v1#subdirectory={sub}"), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    checkouts = list((tmp_path / "cache" / "git-v1" / "checkouts").glob("*/*"))
    assert [c.name for c in checkouts] == [repo.rev("v1")]


@pytest.mark.parametrize("held", ["/files/slowpkg-1.0.tar.gz", "/files/setuptools-*.whl"],
                         ids=["sdist-download", "build-env-install"])
def test_killed_while_a_download_is_held_then_the_next_run_completes(
        build_index: IndexServer, tmp_path: Path, held: str) -> None:
    """Kill points while a download hangs: the sdist itself, then the build requirement the
    build environment is being filled with (a nested install)."""
    log, marker = tmp_path / "backend.log", tmp_path / "never"
    build_index.add(make_sdist(tmp_path / "dists", "slowpkg", "1.0", _slow_setup_py("slowpkg", log, marker)))
    cache = tmp_path / "cache"
    env = sula_env(cache, extra={"PYTHONFAULTHANDLER": "1"})
    venv = tmp_path / "venv"
    site = make_venv(venv)
    for sig in (signal.SIGKILL, signal.SIGINT):
        before = len(build_index.requests_to(held))
        build_index.fault(held, "slow", delay=60)
        proc = popen_interruptible(_install(venv, build_index.url, "slowpkg"), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        end = time.monotonic() + 60
        while len(build_index.requests_to(held)) == before and time.monotonic() < end:
            time.sleep(0.02)
        assert len(build_index.requests_to(held)) > before, f"no request for {held}"
        err = _signal_and_wait(proc, sig, marker)
        assert b"Traceback" not in err
        if sig == signal.SIGINT:
            assert proc.returncode == 130 and b"error: Interrupted" in err, err
        else:
            assert proc.returncode == -signal.SIGKILL
        assert _partial_built_entries(cache) == [] and cache_entries_complete(cache) == []
        assert not list(site.glob("slowpkg*")) and not log.exists()  # no build ran
    build_index.clear_faults()
    done = subprocess.run(_install(venv, build_index.url, "slowpkg"), env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert record_problems(site) == [] and _partial_built_entries(cache) == []
    assert cache_entries_complete(cache) == []
