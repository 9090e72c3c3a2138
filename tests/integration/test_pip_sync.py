"""`sula pip sync` end to end against the local index, checked with real pip."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from _pip_helpers import make_venv, real_pip, record_problems, site_of
from fixtures.cli import SulaRunner
from fixtures.dists import build_sdist, build_wheel
from fixtures.index import IndexServer

pytestmark = pytest.mark.usefixtures("without_using_line")


def _publish(server: IndexServer, dists: Path) -> None:
    for name, version, kw in [
        ("alpha", "1.0", {"requires": ["beta>=1"]}),
        ("alpha", "2.0", {"requires": ["beta>=2"]}),
        ("beta", "1.0", {}),
        ("beta", "2.0", {}),
        ("gamma-tool", "0.5", {
            "entry_points": {"console_scripts": {"gamma": "gamma_tool:main"}},
            "files": {"gamma_tool/__init__.py": "def main():\n    print('gamma says hi')\n"},
            "data": {"scripts": {"gamma-raw": "#!python\nprint('raw gamma')\n"}},
        }),
    ]:
        server.add(build_wheel(dists, name, version, **kw))


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_sync_installs_exactly_the_pins_and_pip_agrees(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    server = index_server()
    _publish(server, dists_dir)
    reqs = _write(tmp_path / "requirements.txt", "alpha==2.0\nbeta==2.0\ngamma-tool==0.5\n")
    result = run_sula("pip", "sync", str(reqs), "--python", str(venv / "bin" / "python"),
                      "--index-url", server.url)
    assert result.exit_code == 0, result.stderr
    lines = result.redacted_stderr().splitlines()
    assert lines[0] == "Resolved 3 packages in [TIME]"
    assert lines[1] == "Prepared 3 packages in [TIME]"
    assert lines[2] == "Installed 3 packages in [TIME]"
    assert lines[3:] == [" + alpha==2.0", " + beta==2.0", " + gamma-tool==0.5"]
    assert real_pip(venv, "check").returncode == 0
    listed = json.loads(real_pip(venv, "list", "--format=json").stdout)
    assert {(p["name"].lower(), p["version"]) for p in listed} == {
        ("alpha", "2.0"), ("beta", "2.0"), ("gamma-tool", "0.5")
    }
    assert record_problems(site_of(venv)) == []
    out = subprocess.run([str(venv / "bin" / "gamma")], capture_output=True, text=True)
    assert out.stdout == "gamma says hi\n"
    out = subprocess.run([str(venv / "bin" / "gamma-raw")], capture_output=True, text=True)
    assert out.stdout == "raw gamma\n"
    installer = (site_of(venv) / "alpha-2.0.dist-info" / "INSTALLER").read_text()
    assert installer == "sula\n"
    # Real pip can uninstall what sula installed, scripts included.
    assert real_pip(venv, "uninstall", "-y", "gamma-tool").returncode == 0
    assert not (venv / "bin" / "gamma").exists() and not (venv / "bin" / "gamma-raw").exists()


def test_sync_to_a_smaller_file_removes_extraneous(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    server = index_server()
    _publish(server, dists_dir)
    py = ["--python", str(venv / "bin" / "python"), "--index-url", server.url]
    run_sula("pip", "sync", str(_write(tmp_path / "a.txt", "alpha==1.0\nbeta==1.0\ngamma-tool==0.5\n")), *py).check()
    result = run_sula("pip", "sync", str(_write(tmp_path / "b.txt", "beta==2.0\n")), *py).check()
    assert result.redacted_stderr().splitlines() == [
        "Resolved 1 package in [TIME]",
        "Prepared 1 package in [TIME]",
        "Uninstalled 3 packages in [TIME]",
        "Installed 1 package in [TIME]",
        " - alpha==1.0",
        " - beta==1.0",
        " + beta==2.0",
        " - gamma-tool==0.5",
    ]
    assert real_pip(venv, "list", "--format=freeze").stdout.split() == ["beta==2.0"]
    assert not (venv / "bin" / "gamma").exists()
    assert sorted(p.name for p in site_of(venv).iterdir()) == ["beta", "beta-2.0.dist-info"]
    # Nothing to do the second time, and no network needed for it.
    server.clear_log()
    again = run_sula("pip", "sync", str(tmp_path / "b.txt"), *py).check()
    assert again.redacted_stderr().splitlines() == [
        "Resolved 1 package in [TIME]", "Audited 1 package in [TIME]"
    ]
    assert server.requests == []


def test_warm_cache_install_needs_no_network_and_hardlinks_share_inodes(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path, cache_dir: Path
) -> None:
    server = index_server()
    _publish(server, dists_dir)
    reqs = _write(tmp_path / "r.txt", "beta==1.0\n")
    first = tmp_path / "one"
    make_venv(first)
    run_sula("pip", "sync", str(reqs), "--python", str(first / "bin/python"), "--index-url", server.url).check()
    server.clear_log()
    second = tmp_path / "two"
    make_venv(second)
    result = run_sula("pip", "sync", str(reqs), "--python", str(second / "bin/python"),
                      "--index-url", server.url).check()
    assert "Prepared" not in result.stderr and server.requests == []
    installed = site_of(second) / "beta" / "__init__.py"
    cached = list(cache_dir.glob("wheels-v1/*/beta/beta-1.0-py3-none-any/beta/__init__.py"))
    assert len(cached) == 1
    assert installed.stat().st_ino == cached[0].stat().st_ino


def test_copy_fallback_across_filesystems(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    import tempfile

    if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another filesystem")
    server = index_server()
    _publish(server, dists_dir)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        run_sula.cache_dir = Path(shm) / "cache"
        reqs = _write(tmp_path / "r.txt", "beta==2.0\ngamma-tool==0.5\n")
        result = run_sula("pip", "sync", str(reqs), "--python", str(venv / "bin/python"),
                          "--index-url", server.url).check()
        assert "falling back to copying" in result.stderr
        assert record_problems(site_of(venv)) == []
        out = subprocess.run([str(venv / "bin" / "gamma")], capture_output=True, text=True)
        assert out.stdout == "gamma says hi\n"
        # --link-mode=copy says so up front: no warning.
        other = tmp_path / "other"
        make_venv(other)
        quiet = run_sula("pip", "sync", str(reqs), "--python", str(other / "bin/python"),
                         "--index-url", server.url, "--link-mode", "copy").check()
        assert "warning" not in quiet.stderr


def test_compile_bytecode(run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path) -> None:
    server = index_server()
    _publish(server, dists_dir)
    reqs = _write(tmp_path / "r.txt", "beta==2.0\n")
    result = run_sula("pip", "sync", str(reqs), "--python", str(venv / "bin/python"),
                      "--index-url", server.url, "--compile-bytecode").check()
    assert "Bytecode compiled" in result.stderr
    pyc = list((site_of(venv) / "beta" / "__pycache__").glob("__init__.cpython-3*.pyc"))
    assert len(pyc) == 1


def test_best_wheel_for_the_target_and_errors(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "native", "1.0", files={"native/__init__.py": "KIND = 'pure'\n"}))
    import sysconfig

    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    import sys

    cp = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    server.add(build_wheel(dists_dir, "native", "1.0", tag=f"{cp}-{cp}-{plat}",
                           files={"native/__init__.py": "KIND = 'binary'\n"}))
    server.add(build_wheel(dists_dir, "elsewhere", "1.0", tag="py3-none-win_amd64"))
    server.add(build_sdist(dists_dir, "onlysource", "1.0"))
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    run_sula("pip", "sync", str(_write(tmp_path / "a.txt", "native==1.0\n")), *py).check()
    assert (site_of(venv) / "native" / "__init__.py").read_text() == "KIND = 'binary'\n"

    bad = run_sula("pip", "sync", str(_write(tmp_path / "b.txt", "elsewhere==1.0\n")), *py)
    assert bad.exit_code == 1
    assert "error: Cannot install `elsewhere==1.0`: no wheel is compatible with the target Python" in bad.stderr
    src = run_sula("pip", "sync", str(_write(tmp_path / "c.txt", "onlysource==1.0\n")), *py)
    assert src.exit_code == 1
    # Only an sdist: built, whose build environment needs setuptools, which this index lacks.
    assert "error: Failed to install the build requirements for `onlysource==1.0`" in src.stderr
    unpinned = run_sula("pip", "sync", str(_write(tmp_path / "d.txt", "native>=1.0\n")), *py)
    assert unpinned.exit_code == 1 and "is not pinned to one version" in unpinned.stderr
    missing = run_sula("pip", "sync", str(_write(tmp_path / "e.txt", "nosuch==1.0\n")), *py)
    assert missing.exit_code == 1 and "`nosuch==1.0`: the package is not on the index" in missing.stderr
    # Failures before any change leave the environment as it was.
    assert real_pip(venv, "list", "--format=freeze").stdout.split() == ["native==1.0"]


def test_hashes_dry_run_and_reinstall(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    import hashlib

    server = index_server()
    wheel = build_wheel(dists_dir, "hashed", "1.0")
    server.add(wheel)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    nohash = run_sula("pip", "sync", "--require-hashes", str(_write(tmp_path / "n.txt", "hashed==1.0\n")), *py)
    assert nohash.exit_code == 1 and "has no `--hash`" in nohash.stderr
    wrong = run_sula("pip", "sync", str(_write(tmp_path / "w.txt", f"hashed==1.0 --hash=sha256:{'0' * 64}\n")), *py)
    assert wrong.exit_code == 1 and "Hash mismatch" in wrong.stderr
    good = _write(tmp_path / "g.txt", f"hashed==1.0 --hash=sha256:{digest}\n")
    dry = run_sula("pip", "sync", "--dry-run", str(good), *py).check()
    assert "Would install 1 package" in dry.stderr and " + hashed==1.0" in dry.stderr
    assert real_pip(venv, "list", "--format=freeze").stdout.split() == []
    run_sula("pip", "sync", "--require-hashes", str(good), *py).check()
    marker = site_of(venv) / "hashed-1.0.dist-info" / "marker"
    marker.write_text("left by the first install")
    again = run_sula("pip", "sync", "--reinstall-package", "hashed", str(good), *py).check()
    assert again.redacted_stderr().splitlines()[1:] == [
        "Uninstalled 1 package in [TIME]", "Installed 1 package in [TIME]",
        " ~ hashed==1.0",
    ]
    assert not marker.exists()


def test_local_wheel_path_gets_direct_url_and_stays_in_place(
    run_sula: SulaRunner, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    wheel = build_wheel(dists_dir, "localpkg", "0.1")
    before = wheel.read_bytes()
    reqs = _write(tmp_path / "r.txt", f"{wheel}\n")
    run_sula("pip", "sync", str(reqs), "--python", str(venv / "bin/python"), "--no-index").check()
    assert wheel.read_bytes() == before
    info = json.loads((site_of(venv) / "localpkg-0.1.dist-info" / "direct_url.json").read_text())
    import hashlib

    assert info["url"] == wheel.as_uri()
    assert info["archive_info"]["hashes"] == {"sha256": hashlib.sha256(before).hexdigest()}
    freeze = run_sula("pip", "freeze", "--python", str(venv / "bin/python")).check()
    assert freeze.stdout == f"localpkg @ {wheel.as_uri()}\n"
    # pip adds the archive's hash as a URL fragment (from direct_url.json); uv and sula do not.
    assert real_pip(venv, "freeze").stdout.startswith(f"localpkg @ {wheel.as_uri()}")


def test_target_dir_and_url_wheel(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    server = index_server()
    _publish(server, dists_dir)
    wheel = build_wheel(dists_dir, "urlpkg", "3.0")
    server.add(wheel)
    url = server.file_url(wheel.name)
    reqs = _write(tmp_path / "r.txt", f"gamma-tool==0.5\nurlpkg @ {url}\n")
    target = tmp_path / "vendor"
    run_sula("pip", "sync", str(reqs), "--python", str(venv / "bin/python"), "--index-url", server.url,
             "--target", str(target)).check()
    assert (target / "gamma_tool" / "__init__.py").exists() and (target / "bin" / "gamma").exists()
    assert record_problems(target) == []
    info = json.loads((target / "urlpkg-3.0.dist-info" / "direct_url.json").read_text())
    assert info["url"] == url and info["archive_info"]["hashes"]["sha256"]
    assert not list(site_of(venv).iterdir())
    out = subprocess.run([str(venv / "bin/python"), "-c", "import gamma_tool, urlpkg; print('ok')"],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(target)})
    assert out.stdout == "ok\n"
    listed = run_sula("pip", "freeze", "--python", str(venv / "bin/python"), "--target", str(target)).check()
    assert listed.stdout == f"gamma-tool==0.5\nurlpkg @ {url}\n"


def test_concurrent_syncs_share_one_cache(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path, cache_dir: Path
) -> None:
    import sys

    from _pip_helpers import cache_entries_complete
    from fixtures.cli import sula_env

    server = index_server()
    _publish(server, dists_dir)
    server.add(build_wheel(dists_dir, "big", "1.0", size_padding=5_000_000))
    reqs = _write(tmp_path / "r.txt", "alpha==2.0\nbeta==2.0\ngamma-tool==0.5\nbig==1.0\n")
    # Eight processes at once on a cold cache, then eight more on the warm one.
    for round_ in ("cold", "warm"):
        procs = []
        for i in range(8):
            venv = tmp_path / f"{round_}{i}"
            make_venv(venv)
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "sula", "pip", "sync", str(reqs), "--python", str(venv / "bin/python"),
                 "--index-url", server.url],
                env=sula_env(cache_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            ))
        for p in procs:
            _out, err = p.communicate(timeout=240)
            assert p.returncode == 0, err
        for i in range(8):
            assert record_problems(site_of(tmp_path / f"{round_}{i}")) == []
            assert len(list(site_of(tmp_path / f"{round_}{i}").glob("*.dist-info"))) == 4
        assert cache_entries_complete(cache_dir) == []
    # Each wheel was downloaded once, whichever process got it first.
    assert server.count("*/big-1.0-py3-none-any.whl") == 1
