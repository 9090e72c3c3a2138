"""A cache within a budget, end to end: `sula cache size`, `prune --max-size`, SULA_CACHE_MAX_SIZE.

Real entries only: wheels from the fixture index, installed by sula into real venvs, so the
cache holds what a user's does (index pages, wheel metadata, unpacked wheels hard-linked into
environments) and the size totals are the ones sula's writers kept.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from _pip_helpers import make_venv
from fixtures.cli import SulaRunner, sula_env
from fixtures.dists import build_wheel

from sula.cache import Cache, CacheBucket, cache_key
from sula.cache.evict import walk_cache
from sula.cache.usage import LEDGER, exact_totals, read_totals, tree_bytes

NAMES = tuple(f"big{i}" for i in range(6))
# Each wheel unpacks to about 70 KiB of files (plus its directories).
PAYLOAD = {f"m{j}.py": f"# {j}\n" + "VALUE = 'x' * 64\n" * 500 for j in range(8)}


@pytest.fixture
def index(index_server, dists_dir: Path):  # type: ignore[no-untyped-def]
    server = index_server()
    for name in NAMES:
        files = {f"{name}/{k}": v for k, v in PAYLOAD.items()}
        files[f"{name}/__init__.py"] = f"NAME = {name!r}\n"
        server.add(build_wheel(dists_dir, name, "1.0", files=files))
    return server


def _install(run_sula: SulaRunner, venv: Path, url: str, *names: str, env: dict[str, str] | None = None,
             link_mode: str = "hardlink") -> str:
    if not venv.exists():
        make_venv(venv)
    result = run_sula("pip", "install", *names, "--python", venv / "bin" / "python", "--index-url", url,
                      "--link-mode", link_mode, env=env).check()
    return result.stderr


def _size(run_sula: SulaRunner, *flags: str) -> int:
    return int(run_sula("cache", "size", *flags).check().stdout)


def _wheel_entry(cache_dir: Path, url: str, name: str) -> Path:
    return Cache(cache_dir).shard(CacheBucket.WHEELS, cache_key(url), name, f"{name}-1.0-py3-none-any")


def _bookkeeping(cache_dir: Path) -> int:
    """What `du -sb` counts in the root besides the buckets: the root itself, `.lock`,
    `.sizes`, the tag, `.gitignore`, `.tmp/`."""
    total = os.lstat(cache_dir).st_size
    for name in os.listdir(cache_dir):
        if not name.endswith(("-v1", "-v2")):
            total += tree_bytes(str(cache_dir / name))
    return total


def _du(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def _walks_agree(cache_dir: Path) -> None:
    """The eviction's one walk finds each bucket's size as `du` would (exact_totals)."""
    assert walk_cache(Cache(cache_dir))[1] == exact_totals(Cache(cache_dir))


def _imports(venv: Path, *names: str) -> None:
    code = "; ".join(f"import {n}; assert {n}.NAME == {n!r}" for n in names)
    subprocess.run([str(venv / "bin" / "python"), "-c", code], check=True)


def test_size_from_the_running_totals_matches_a_walk_and_du(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path,
) -> None:
    assert run_sula("cache", "size").check().stdout == "0\n"  # no cache yet: nothing made
    assert not cache_dir.exists()
    _install(run_sula, tmp_path / "a", index.url, "big0", "big1")
    _install(run_sula, tmp_path / "a", index.url, "big2")
    fast = _size(run_sula)
    # Kept by the writers: a header and one line per change, no walk needed.
    assert (cache_dir / LEDGER).read_text().startswith("sula-cache-sizes 1\n")
    assert fast == sum(exact_totals(Cache(cache_dir)).values())
    assert _du(cache_dir) == fast + _bookkeeping(cache_dir)
    # Linked into a second environment, the cache's files have three links: counted once.
    _install(run_sula, tmp_path / "b", index.url, "big0", "big1", "big2")
    assert os.stat(_wheel_entry(cache_dir, index.url, "big0") / "big0" / "m0.py").st_nlink == 3
    # (The new venv's interpreter entry is the one new thing in the cache.)
    now = _size(run_sula)
    assert now == _size(run_sula, "--exact")
    assert _du(cache_dir) == now + _bookkeeping(cache_dir)
    _walks_agree(cache_dir)
    assert run_sula("cache", "size", "--human").check().stdout == f"{now / 1024:.1f} KiB\n"
    # `--exact` compacts the totals to one line per bucket.
    lines = (cache_dir / LEDGER).read_text().splitlines()
    assert lines[0] == "sula-cache-sizes 1"
    assert sorted(line.split()[0] for line in lines[1:]) == ["interpreters-v2", "simple-v1", "wheels-v1"]


def test_size_of_a_cache_without_totals_is_walked_and_repaired(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path,
) -> None:
    _install(run_sula, tmp_path / "a", index.url, "big0")
    expected = _size(run_sula)
    (cache_dir / LEDGER).unlink()  # a cache from before the totals existed
    assert read_totals(Cache(cache_dir)) is None
    assert _size(run_sula) == expected
    assert read_totals(Cache(cache_dir)) is not None
    # Drift (a process killed between a write and its line) is repaired by any eviction walk.
    with open(cache_dir / LEDGER, "a") as f:
        f.write("wheels-v1 12345\n")
    assert _size(run_sula) == expected + 12345
    assert "is within" in run_sula("cache", "prune", "--max-size", "1G").check().stderr
    assert _size(run_sula) == expected


def test_prune_max_size_evicts_least_recently_used_first(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path,
) -> None:
    _install(run_sula, tmp_path / "a", index.url, *NAMES)
    time.sleep(0.05)
    # A later run uses big0 and big1 again (pages, metadata and wheels): they are the recent ones.
    _install(run_sula, tmp_path / "b", index.url, "big0", "big1")
    entries = {n: _wheel_entry(cache_dir, index.url, n) for n in NAMES}
    wheel_size = tree_bytes(str(entries["big0"]))
    total = _size(run_sula)
    _walks_agree(cache_dir)
    budget = total - 2 * wheel_size - 1024  # room for all but about three wheels
    dry = run_sula("cache", "prune", "--max-size", str(budget), "--dry-run").check()
    assert "Would evict" in dry.stderr
    assert all(e.exists() for e in entries.values())  # a dry run removes nothing
    out = run_sula("cache", "prune", "--max-size", str(budget)).check().stderr
    assert "Evicted" in out
    after = _size(run_sula)
    assert after <= budget
    assert after == _size(run_sula, "--exact")
    assert _du(cache_dir) == after + _bookkeeping(cache_dir)
    kept = {n for n, e in entries.items() if e.exists()}
    # Least recently used first: the wheels of the first run only, big2 before big3…
    assert {"big0", "big1"} <= kept
    gone = [n for n in NAMES if n not in kept]
    assert gone and gone == sorted(gone) and gone[0] == "big2"
    # Pages and metadata go before wheels used in the same hour: none is left.
    assert not list(cache_dir.glob("simple-v1/*/*.msgpack"))
    assert not list(cache_dir.glob("wheels-v1/*/*/*.msgpack"))
    for n in gone:  # the entry went whole, with its sidecar; no empty package directory stays
        assert not entries[n].with_name(entries[n].name + ".sha256").exists()
        assert not entries[n].parent.exists()
    # Both environments still import everything: their files live on through their links.
    _imports(tmp_path / "a", *NAMES)
    _imports(tmp_path / "b", "big0", "big1")
    # What was evicted is fetched again when needed.
    _install(run_sula, tmp_path / "c", index.url, *NAMES)
    _imports(tmp_path / "c", *NAMES)
    assert all(e.exists() for e in entries.values())


def test_prune_max_size_to_nothing_keeps_environments_working(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path,
) -> None:
    _install(run_sula, tmp_path / "hard", index.url, *NAMES[:3])
    _install(run_sula, tmp_path / "copy", index.url, *NAMES[:3], link_mode="copy")
    out = run_sula("cache", "prune", "--max-size", "0").check().stderr
    assert "Evicted" in out
    assert not list((cache_dir / "wheels-v1").iterdir())
    assert not list((cache_dir / "simple-v1").iterdir())
    assert (cache_dir / "interpreters-v2").iterdir()  # interpreter entries stay
    assert _size(run_sula) == sum(exact_totals(Cache(cache_dir)).values())
    _imports(tmp_path / "hard", *NAMES[:3])
    _imports(tmp_path / "copy", *NAMES[:3])
    # Nothing left to evict: said, not an error.
    again = run_sula("cache", "prune", "--max-size", "0").check().stderr
    assert "No entry left to evict" in again


def test_budget_from_the_environment_evicts_after_a_writing_command(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path,
) -> None:
    budget = 300 * 1024
    env = {"SULA_CACHE_MAX_SIZE": "300K"}
    _install(run_sula, tmp_path / "a", index.url, *NAMES[:2], env=env)
    assert _size(run_sula) <= budget  # under the budget: nothing evicted
    assert all(_wheel_entry(cache_dir, index.url, n).exists() for n in NAMES[:2])
    err = _install(run_sula, tmp_path / "b", index.url, *NAMES, env=env)
    assert "Evicted" in err
    assert _size(run_sula) <= budget * 0.9  # brought below the low-water mark
    assert _size(run_sula) == _size(run_sula, "--exact")
    _imports(tmp_path / "b", *NAMES)
    # A command that writes nothing evicts nothing and leaves the totals alone, even over budget.
    before = (cache_dir / LEDGER).read_bytes()
    result = run_sula("pip", "install", *NAMES, "--python", tmp_path / "b" / "bin" / "python",
                      "--index-url", index.url, env={"SULA_CACHE_MAX_SIZE": "1"}).check()
    assert "Evicted" not in result.stderr
    assert (cache_dir / LEDGER).read_bytes() == before


def test_no_eviction_offline(run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path) -> None:
    _install(run_sula, tmp_path / "a", index.url, *NAMES)
    make_venv(tmp_path / "b")
    # Writes (the new environment's interpreter entry), but what it would evict could not come back.
    result = run_sula("--offline", "pip", "install", *NAMES, "--python", tmp_path / "b" / "bin" / "python",
                      "--index-url", index.url, env={"SULA_CACHE_MAX_SIZE": "1"}).check()
    assert "Evicted" not in result.stderr
    assert all(_wheel_entry(cache_dir, index.url, n).exists() for n in NAMES)
    _imports(tmp_path / "b", *NAMES)


def test_budget_from_sula_toml(run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "sula.toml").write_text('cache-max-size = "200K"\n')
    make_venv(tmp_path / "a")
    result = run_sula("pip", "install", *NAMES, "--python", tmp_path / "a" / "bin" / "python",
                      "--index-url", index.url, cwd=project).check()
    assert "Evicted" in result.stderr
    assert _size(run_sula) <= 200 * 1024


@pytest.mark.parametrize(("where", "value"), [("env", "lots"), ("flag", "10Q"), ("toml", "-1G")])
def test_a_bad_size_is_one_clear_error(
    run_sula: SulaRunner, index, tmp_path: Path, where: str, value: str,
) -> None:
    make_venv(tmp_path / "a")
    if where == "flag":
        result = run_sula("cache", "prune", "--max-size", value)
        source = "`--max-size`"
    else:
        cwd = tmp_path / "project"
        cwd.mkdir()
        env = {"SULA_CACHE_MAX_SIZE": value} if where == "env" else {}
        if where == "toml":
            (cwd / "sula.toml").write_text(f'cache-max-size = "{value}"\n')
        result = run_sula("pip", "install", "big0", "--python", tmp_path / "a" / "bin" / "python",
                          "--index-url", index.url, env=env, cwd=cwd)
        source = "`SULA_CACHE_MAX_SIZE`" if where == "env" else f"`{cwd / 'sula.toml'}`"
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: Invalid cache size `{value}` in {source}: expected bytes or a number with K, M, "
        f"G or T (for example `10G` or `500M`)"
    )
    assert "Traceback" not in result.stderr


def test_no_eviction_while_another_sula_process_uses_the_cache(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path,
) -> None:
    _install(run_sula, tmp_path / "a", index.url, *NAMES[:3])
    cache = Cache(cache_dir)
    with cache.lock_shared():  # as a running `sula pip install` holds it
        err = _install(run_sula, tmp_path / "b", index.url, *NAMES, env={"SULA_CACHE_MAX_SIZE": "1"})
        assert "Evicted" not in err  # it does not wait for us, and takes nothing from us
        assert all(_wheel_entry(cache_dir, index.url, n).exists() for n in NAMES)
        # An explicit prune waits for the lock; an install started meanwhile goes through.
        prune = subprocess.Popen(
            [sys.executable, "-m", "sula", "cache", "prune", "--max-size", "0"],
            env=sula_env(cache_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        time.sleep(0.5)
        assert prune.poll() is None
        _install(run_sula, tmp_path / "c", index.url, *NAMES)
        assert all(_wheel_entry(cache_dir, index.url, n).exists() for n in NAMES)
    _, err = prune.communicate(timeout=120)
    assert prune.returncode == 0, err
    assert "Waiting for another sula process" in err and "Evicted" in err
    assert not list((cache_dir / "wheels-v1").iterdir())
    _imports(tmp_path / "c", *NAMES)


@pytest.mark.slow
def test_concurrent_installs_during_eviction_succeed(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path,
) -> None:
    _install(run_sula, tmp_path / "warm", index.url, *NAMES)
    env = sula_env(cache_dir)
    stop = threading.Event()
    failures: list[str] = []
    evictions = 0

    def evict_again_and_again() -> None:
        nonlocal evictions
        while not stop.is_set():
            proc = subprocess.run([sys.executable, "-m", "sula", "cache", "prune", "--max-size", "0"],
                                  env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                failures.append(proc.stderr)
            elif "Evicted" in proc.stderr:
                evictions += 1

    thread = threading.Thread(target=evict_again_and_again)
    thread.start()
    try:
        for i in range(4):
            venv = tmp_path / f"v{i}"
            _install(run_sula, venv, index.url, *NAMES, env={"SULA_CACHE_MAX_SIZE": "150K"})
            _imports(venv, *NAMES)
    finally:
        stop.set()
        thread.join(timeout=120)
    assert failures == []
    assert evictions >= 1
    # Whatever interleaving happened, the totals still agree with a walk and no partial entry
    # is left: every wheel directory in the cache has its dist-info.
    assert _size(run_sula) == _size(run_sula, "--exact")
    for entry in cache_dir.glob("wheels-v1/*/*/*-py3-none-any"):
        assert (entry / f"{entry.name.split('-')[0]}-1.0.dist-info" / "RECORD").is_file()


def test_a_built_wheels_revision_is_one_entry(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path, dists_dir: Path,
) -> None:
    from fixtures.dists import build_sdist

    index.add(build_sdist(dists_dir, "src1", "1.0", metadata_version="2.2"))
    (tmp_path / "req.in").write_text("src1\nbig0\n")
    run_sula("pip", "compile", tmp_path / "req.in", "--index-url", index.url).check()
    revisions = [p for p in cache_dir.glob("built-wheels-v1/index/*/src1/src1-1.0.tar.gz/*") if p.is_dir()]
    assert len(revisions) == 1
    assert {p.name for p in revisions[0].iterdir()} == {"metadata.msgpack", "src1-1.0.tar.gz"}
    assert _size(run_sula) == sum(exact_totals(Cache(cache_dir)).values())
    _walks_agree(cache_dir)
    run_sula("cache", "prune", "--max-size", "0").check()
    # The revision went whole, with its lock beside it and the directories above it.
    assert list((cache_dir / "built-wheels-v1").iterdir()) == []
    assert _size(run_sula) == sum(exact_totals(Cache(cache_dir)).values())


def test_clean_keeps_the_totals_right(run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path) -> None:
    _install(run_sula, tmp_path / "a", index.url, *NAMES[:3])
    run_sula("cache", "clean", "big1").check()
    assert _size(run_sula) == sum(exact_totals(Cache(cache_dir)).values())
    run_sula("cache", "clean").check()
    assert read_totals(Cache(cache_dir)) == {}
    assert _size(run_sula) == 0


def test_a_long_totals_file_is_compacted_by_a_writing_command(
    run_sula: SulaRunner, index, cache_dir: Path, tmp_path: Path,
) -> None:
    _install(run_sula, tmp_path / "a", index.url, "big0")
    with open(cache_dir / LEDGER, "a") as f:  # as thousands of writes leave it
        f.write("simple-v1 7\nsimple-v1 -7\n" * 5000)
    _install(run_sula, tmp_path / "b", index.url, "big1")  # no budget set: compaction only
    assert (cache_dir / LEDGER).stat().st_size < 200
    assert read_totals(Cache(cache_dir)) == exact_totals(Cache(cache_dir))


def test_the_python_api_keeps_the_budget_too(run_sula: SulaRunner, index, cache_dir: Path,
                                              tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    make_venv(tmp_path / "api")
    code = (f"import sula; sula.install({list(NAMES)!r}, python={str(tmp_path / 'api' / 'bin' / 'python')!r}, "
            f"index_url={index.url!r}, cache_dir={str(cache_dir)!r})")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SULA_", "VIRTUAL_ENV"))}
    env["SULA_CACHE_MAX_SIZE"] = "300K"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    assert _size(run_sula) <= 300 * 1024 * 0.9
    _imports(tmp_path / "api", *NAMES)
