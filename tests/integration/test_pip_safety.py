"""Drop-in safety (issue 8, items 1-4): `pip sync` and `pip install` never damage an environment
they were not meant to change."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from _pip_helpers import make_base_python, make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel
from fixtures.index import IndexServer

MINOR = f"{sys.version_info[0]}.{sys.version_info[1]}"


def _index(index_server, dists: Path) -> IndexServer:
    server = index_server()
    for name, version in [("six", "1.16.0"), ("pip", "23.2.1"), ("setuptools", "68.0.0"),
                          ("wheel", "0.41.0")]:
        server.add(build_wheel(dists, name, version))
    return server


def _managed_base(root: Path, error: str) -> tuple[Path, Path]:
    """A base interpreter whose PEP 668 marker says ``error``; its executable and site-packages."""
    exe = make_base_python(root)
    (root / "lib" / f"python{MINOR}" / "EXTERNALLY-MANAGED").write_text(
        f"[externally-managed]\nError={error}\n")
    return exe, root / "lib" / f"python{MINOR}" / "site-packages"


def _names(site: Path) -> set[str]:
    return {p.name.split("-")[0] for p in site.glob("*.dist-info")}


def test_sync_keeps_the_seed_packages_of_an_environment_sula_did_not_create(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = _index(index_server, dists_dir)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("six==1.16.0\n")
    # `python -m venv` made it, then pip and setuptools were installed into it.
    site = make_venv(tmp_path / "pv")
    python = str(tmp_path / "pv" / "bin" / "python")
    run_sula("pip", "install", "pip", "setuptools", "--python", python, "-i", server.url).check()
    result = run_sula("pip", "sync", str(reqs), "--python", python, "-i", server.url)
    assert result.exit_code == 0, result.stderr
    assert " - pip" not in result.stderr and " - setuptools" not in result.stderr
    assert _names(site) == {"pip", "setuptools", "six"}
    # In an environment `sula venv` made without --seed, sync removes them (as uv does).
    run_sula("venv", str(tmp_path / "sv")).check()
    python = str(tmp_path / "sv" / "bin" / "python")
    run_sula("pip", "install", "pip", "--python", python, "-i", server.url).check()
    result = run_sula("pip", "sync", str(reqs), "--python", python, "-i", server.url)
    assert " - pip==23.2.1" in result.stderr
    assert "seed = true" not in (tmp_path / "sv" / "pyvenv.cfg").read_text()


def test_an_empty_requirements_file_does_not_empty_the_environment(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = _index(index_server, dists_dir)
    site = make_venv(tmp_path / "v")
    python = str(tmp_path / "v" / "bin" / "python")
    run_sula("pip", "install", "six", "--python", python, "-i", server.url).check()
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing pinned yet\n")
    result = run_sula("pip", "sync", str(empty), "--python", python, "-i", server.url)
    assert result.exit_code == 0
    assert "does not contain any dependencies" in result.stderr
    assert "No requirements found (hint: use `--allow-empty-requirements`" in result.stderr
    assert _names(site) == {"six"}
    result = run_sula("pip", "sync", str(empty), "--allow-empty-requirements", "--python", python,
                      "-i", server.url)
    assert result.exit_code == 0, result.stderr
    assert " - six==1.16.0" in result.stderr
    assert _names(site) == set()


def test_an_externally_managed_python_is_refused_unless_asked(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = _index(index_server, dists_dir)
    exe, site = _managed_base(tmp_path / "base", "To install Python packages system-wide, use apt.")
    result = run_sula("pip", "install", "six", "--python", str(exe), "-i", server.url)
    assert result.exit_code == 1
    assert "error: The interpreter at `base` is externally managed" in result.stderr
    assert "To install Python packages system-wide, use apt." in result.stderr
    assert "--break-system-packages" in result.stderr
    assert _names(site) == set()
    result = run_sula("pip", "install", "six", "--python", str(exe), "-i", server.url,
                      "--break-system-packages")
    assert result.exit_code == 0, result.stderr
    assert _names(site) == {"six"}
    assert run_sula("pip", "uninstall", "six", "--python", str(exe)).exit_code == 1
    assert run_sula("pip", "freeze", "--python", str(exe)).stdout == "six==1.16.0\n"
    # A venv made from that interpreter is not externally managed.
    run_sula("venv", str(tmp_path / "v"), "--python", str(exe)).check()
    result = run_sula("pip", "install", "six", "--python", str(tmp_path / "v"), "-i", server.url)
    assert result.exit_code == 0, result.stderr


def test_the_python_api_refuses_an_externally_managed_python_unless_asked(
    index_server, dists_dir: Path, tmp_path: Path
) -> None:
    import pytest

    import sula
    from sula.interpreter import ExternallyManagedError

    server = _index(index_server, dists_dir)
    exe, site = _managed_base(tmp_path / "base", "Use the distribution's packages.")
    cache = tmp_path / "cache"
    with pytest.raises(ExternallyManagedError) as err:
        sula.install(["six"], python=exe, index_url=server.url, cache_dir=cache)
    assert "Use the distribution's packages." in str(err.value)
    assert "`break_system_packages=True`" in str(err.value)  # the keyword, not the flag
    assert _names(site) == set()
    sula.install(["six"], python=exe, index_url=server.url, cache_dir=cache, break_system_packages=True)
    assert _names(site) == {"six"}
    # --target is a directory of the caller's, not the interpreter's: no marker applies.
    sula.install(["six"], python=exe, index_url=server.url, cache_dir=cache, target=tmp_path / "t")
    assert _names(tmp_path / "t") == {"six"}


def test_a_version_request_finds_only_virtual_environments_without_system(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = _index(index_server, dists_dir)
    exe = make_base_python(tmp_path / "base")
    path = os.pathsep.join([str(exe.parent), os.environ.get("PATH", "")])
    run_sula.env = {**(run_sula.env or {}), "PATH": path}
    site = tmp_path / "base" / "lib" / f"python{MINOR}" / "site-packages"
    result = run_sula("pip", "install", "six", "--python", MINOR, "-i", server.url)
    assert result.exit_code == 1
    assert f"error: No virtual environment found for Python {MINOR}" in result.stderr
    assert "`--system`" in result.stderr
    assert _names(site) == set()
    result = run_sula("pip", "install", "six", "--python", MINOR, "--system", "-i", server.url)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0].startswith(f"Using Python {MINOR}.")
    assert result.stderr.splitlines()[0].endswith("environment at: base")  # relative to cwd
    assert _names(site) == {"six"}
    # A venv of that version in ./.venv is what the version finds; -q hides the line.
    subprocess.run([str(exe), "-m", "venv", "--without-pip", str(tmp_path / ".venv")], check=True)
    result = run_sula("pip", "install", "six", "--python", MINOR, "-i", server.url, "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert list((tmp_path / ".venv").glob("lib/python*/site-packages/six-1.16.0.dist-info"))
    result = run_sula("pip", "freeze", "--python", MINOR)
    assert "Using Python" in result.stderr and "environment at: .venv" in result.stderr
