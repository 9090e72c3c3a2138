"""Several installs into one environment at once: the environment lock is taken before
site-packages is read, so each plans from the state the previous one left and the environment
ends with exactly one complete dist-info of the package, round after round.

Three worker processes (real processes, each with its own lock file descriptor, as three
`sula pip install` commands have) each import sula once and then install on a signal, so a
round costs three plans and three link steps rather than three start-ups: small wheels,
caches warmed first and ``offline=True`` (the warm cache's index page, no HTTP) keep it cheap
enough for many rounds. The first round runs the command itself, three processes at once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from _pip_helpers import make_venv, record_problems
from fixtures.cli import sula_env
from fixtures.dists import build_wheel

pytestmark = pytest.mark.slow

VERSIONS = ("1.0", "2.0", "3.0")
ROUNDS = 40

# One line in (`VERSION CACHE_DIR`), one line out (`ok` or the error), until stdin closes.
_WORKER = """
import sys
import traceback
import sula
venv, url = sys.argv[1:3]
for line in sys.stdin:
    version, cache = line.split()
    try:
        sula.install([f"race=={version}"], python=venv, index_url=url, cache_dir=cache,
                     link_mode="copy", offline=True)
        print("ok", flush=True)
    except Exception as err:
        traceback.print_exc()
        print(repr(err).replace("\\n", " "), flush=True)
"""


def _install(venv: Path, url: str, version: str, cache: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "sula", "pip", "install", f"race=={version}",
           "--python", str(venv / "bin" / "python"), "--index-url", url, "--link-mode", "copy"]
    return subprocess.Popen(cmd, env=sula_env(cache), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _check(site: Path, round_no: int) -> str:
    infos = sorted(p.name for p in site.glob("race-*.dist-info"))
    assert len(infos) == 1, f"round {round_no}: {infos}"
    assert record_problems(site) == [], f"round {round_no}"
    version = infos[0].removeprefix("race-").removesuffix(".dist-info")
    assert (site / "race" / "__init__.py").read_text() == f"__version__ = {version!r}\n"
    return version


def test_concurrent_installs_leave_one_complete_dist_info(
    index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    for version in VERSIONS:
        # Enough files that a link step is not instant: the window a stale plan needs.
        files = {f"race/m{j}.py": f"V = {version!r}\n" * 20 for j in range(60)}
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

    # Round 0: the command, three processes at once.
    procs = [_install(venv, server.url, v, c) for v, c in zip(VERSIONS, caches, strict=True)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    _check(site, 0)

    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(venv), server.url],
                                env=sula_env(None, {"SULA_NO_CONFIG": "1"}), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True) for _ in VERSIONS]
    finals: set[str] = set()
    started = time.monotonic()
    try:
        for round_no in range(1, ROUNDS + 1):
            shared = round_no % 2 == 1
            for worker, version, cache in zip(workers, VERSIONS, caches, strict=True):
                assert worker.stdin is not None
                worker.stdin.write(f"{version} {caches[0] if shared else cache}\n")
                worker.stdin.flush()
            for worker in workers:
                assert worker.stdout is not None
                assert worker.stdout.readline() == "ok\n", f"round {round_no}"
            finals.add(_check(site, round_no))
    finally:
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.close()
            worker.wait(timeout=60)
    elapsed = time.monotonic() - started
    assert (venv / ".lock").is_file()
    # The installs raced: more than one of them was the last to link in some round.
    assert len(finals) > 1, finals
    print(f"{ROUNDS} rounds of {len(VERSIONS)} installs in {elapsed:.1f} s; last to link: {sorted(finals)}")
