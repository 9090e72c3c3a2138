"""`sula venv` end to end: real interpreters 3.8–3.13, activation in bash, seeding, options, errors."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.cli import SulaRunner
from fixtures.index import IndexServer, IndexServers
from fixtures.pythons import require_python


def _bash(script: str, cwd: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=cwd, env=env, check=True)
    return proc.stdout.splitlines()


@pytest.mark.parametrize("minor", ["3.8", "3.10", "3.12", "3.13"])
def test_venv_for_each_python(minor: str, run_sula: SulaRunner, tmp_path: Path) -> None:
    require_python(minor)
    result = run_sula("venv", "env", "--python", minor).check()
    assert "Creating virtual environment at: env" in result.stderr
    assert "Activate with: source env/bin/activate" in result.stderr
    assert f"Using CPython {minor}." in result.stderr
    root = tmp_path / "env"
    out = subprocess.run(
        [str(root / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2]); print(sys.prefix)"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    major, minor_num = minor.split(".")
    assert out == [f"({major}, {minor_num})", str(root)]
    lines = _bash(
        'source env/bin/activate && echo "${PATH%%:*}" && command -v python && python -c "import sys; print(sys.prefix)"',
        tmp_path,
    )
    assert lines == [str(root / "bin"), str(root / "bin" / "python"), str(root)]


def test_output_snapshot(run_sula: SulaRunner, tmp_path: Path) -> None:
    exe = require_python("3.12")
    result = run_sula("venv", "--python", str(exe), env={"SHELL": "/bin/bash"})
    version = subprocess.run([str(exe), "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Using CPython {version} interpreter at: {exe}",
        "Creating virtual environment at: .venv",
        "Activate with: source .venv/bin/activate",
    ]
    assert (tmp_path / ".venv" / "pyvenv.cfg").is_file()


# A stand-in for pip on the local index: `pip --version` says where it runs from.
_PIP_FILES = {
    "pip/__init__.py": '__version__ = "99.0"\n',
    "pip/_cli.py": (
        "import os, sys\n"
        "import pip\n"
        "def main():\n"
        "    where = os.path.dirname(pip.__file__)\n"
        "    print(f'pip {pip.__version__} from {where} (python {sys.version_info[0]}.{sys.version_info[1]})')\n"
        "    return 0\n"
    ),
}


@pytest.fixture
def seed_index(index_server: IndexServers, wheel_factory: Callable[..., Path]) -> IndexServer:
    server = index_server()
    scripts = {"console_scripts": {"pip": "pip._cli:main", "pip3": "pip._cli:main"}}
    server.add(wheel_factory("pip", "99.0", files=_PIP_FILES, entry_points=scripts))
    server.add(wheel_factory("setuptools", "70.0"))
    server.add(wheel_factory("wheel", "0.44.0"))
    return server


@pytest.mark.parametrize("minor", ["3.8", "3.12"])
def test_seed_installs_pip_from_the_index(
    minor: str, run_sula: SulaRunner, tmp_path: Path, seed_index: IndexServer
) -> None:
    exe = require_python(minor)
    result = run_sula("venv", "seeded", "--python", str(exe), "--seed", "-i", seed_index.url,
                      env={"SHELL": "/bin/bash"}).check()
    seeded = [" + pip==99.0"] if minor == "3.12" else [" + pip==99.0", " + setuptools==70.0", " + wheel==0.44.0"]
    assert result.stderr.splitlines()[1:] == [
        "Creating virtual environment with seed packages at: seeded",
        *seeded,
        "Activate with: source seeded/bin/activate",
    ]
    site = tmp_path / "seeded" / "lib" / f"python{minor}" / "site-packages"
    for line in seeded:
        name, version = line[3:].split("==")
        assert (site / f"{name}-{version}.dist-info" / "INSTALLER").read_text() == "sula\n"
    out = subprocess.run([str(tmp_path / "seeded" / "bin" / "pip"), "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out == f"pip 99.0 from {site / 'pip'} (python {minor})\n"


def test_second_seed_works_offline(run_sula: SulaRunner, tmp_path: Path, seed_index: IndexServer) -> None:
    exe = str(require_python("3.12"))
    run_sula("venv", "one", "--python", exe, "--seed", "--index-url", seed_index.url).check()
    seed_index.wait_idle()
    seed_index.clear_log()
    again = run_sula("--offline", "venv", "two", "--python", exe, "--index-url", seed_index.url,
                     env={"SULA_VENV_SEED": "1"})
    assert " + pip==99.0" in again.check().stderr
    seed_index.wait_idle()
    assert seed_index.count() == 0
    assert (tmp_path / "two" / "bin" / "pip").is_file()


def test_seed_failure_is_a_clean_error(run_sula: SulaRunner, tmp_path: Path, seed_index: IndexServer) -> None:
    # Offline with nothing cached: like uv, the environment stays, without seed packages.
    exe = str(require_python("3.12"))
    result = run_sula("venv", "env", "--python", exe, "--seed", "-i", seed_index.url, "--offline")
    assert result.exit_code == 1
    lines = result.redacted_stderr().splitlines()
    assert lines[2:4] == [
        "error: Failed to install the seed packages `pip` into the virtual environment at "
        "`[TEMP]/env`, which is left without them",
        "  Caused by: Network access is disabled (`--offline`), and the index page of `pip` is not "
        "in the cache (`[INDEX]/pip/`)",
    ]
    assert "Traceback" not in result.stderr
    assert (tmp_path / "env" / "pyvenv.cfg").is_file()
    assert not (tmp_path / "env" / "bin" / "pip").exists()

    # An index that has no pip: the resolver says so.
    empty = run_sula("venv", "env2", "--python", exe, "--seed", "--no-index")
    assert empty.exit_code == 1
    assert "Because pip was not found" in empty.stderr
    assert "Traceback" not in empty.stderr

    # A bad index flag stops sula before it creates anything.
    bad = run_sula("venv", "env3", "--python", exe, "--seed", "--exclude-newer", "yesterday")
    assert bad.exit_code == 1
    assert "error: Invalid `--exclude-newer` value `yesterday`" in bad.stderr
    assert not (tmp_path / "env3").exists()


@pytest.mark.network
def test_seed_real_pip_from_the_default_index(run_sula: SulaRunner, tmp_path: Path) -> None:
    exe = str(require_python("3.12"))
    result = run_sula("venv", "env", "--python", exe, "--seed", "--exclude-newer", "2026-11-01T00:00:00Z").check()
    assert " + pip==" in result.stderr
    site = tmp_path / "env" / "lib" / "python3.12" / "site-packages"
    out = subprocess.run([str(tmp_path / "env" / "bin" / "pip"), "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("pip ")
    assert f"from {site / 'pip'} (python 3.12)" in out


def test_system_site_packages_and_prompt(run_sula: SulaRunner, tmp_path: Path) -> None:
    exe = require_python("3.12")
    run_sula("venv", "a", "--python", str(exe), "--system-site-packages", "--prompt", "hello").check()
    cfg = (tmp_path / "a" / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = true" in cfg
    assert "prompt = hello" in cfg
    base_site = subprocess.run([str(exe), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip()
    path = subprocess.run([str(tmp_path / "a" / "bin" / "python"), "-c", "import sys; print(sys.path)"],
                          capture_output=True, text=True, check=True).stdout
    assert base_site in path
    assert _bash('PS1="> "; source a/bin/activate; echo "$PS1"', tmp_path) == ["(hello) > "]

    run_sula("venv", "b", "--python", str(exe)).check()
    path = subprocess.run([str(tmp_path / "b" / "bin" / "python"), "-c", "import sys; print(sys.path)"],
                          capture_output=True, text=True, check=True).stdout
    assert base_site not in path
    assert _bash('PS1="> "; source b/bin/activate; echo "$PS1"', tmp_path) == ["(b) > "]


def test_existing_environment_needs_clear(run_sula: SulaRunner, tmp_path: Path) -> None:
    exe = require_python("3.12")
    run_sula("venv", "env", "--python", str(exe)).check()
    (tmp_path / "env" / "lib" / "python3.12" / "site-packages" / "leftover.py").write_text("")
    again = run_sula("venv", "env", "--python", str(exe))
    assert again.exit_code == 1
    assert "error: A virtual environment already exists at `env`" in again.stderr
    assert "hint: Use `--clear`" in again.stderr
    assert "Traceback" not in again.stderr
    run_sula("venv", "env", "--python", str(exe), "--clear").check()
    assert not (tmp_path / "env" / "lib" / "python3.12" / "site-packages" / "leftover.py").exists()
    run_sula("venv", "env", "--python", str(exe), env={"SULA_VENV_CLEAR": "1"}).check()

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    refused = run_sula("venv", "notes", "--python", str(exe))
    assert refused.exit_code == 1
    assert "A directory that is not a virtual environment already exists at `notes`" in refused.stderr
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"


def test_fish_and_csh_scripts_name_the_environment(run_sula: SulaRunner, tmp_path: Path) -> None:
    run_sula("venv", "env", "--python", str(require_python("3.12"))).check()
    root = tmp_path / "env"
    fish = (root / "bin" / "activate.fish").read_text()
    csh = (root / "bin" / "activate.csh").read_text()
    assert f"set -gx VIRTUAL_ENV '{root}'" in fish
    assert f"setenv VIRTUAL_ENV '{root}'" in csh
    assert f"r#'{root}'#" in (root / "bin" / "activate.nu").read_text()
    assert f"$env:VIRTUAL_ENV = '{root}'" in (root / "bin" / "activate.ps1").read_text()


def test_unknown_python_is_a_clean_error(run_sula: SulaRunner) -> None:
    result = run_sula("venv", "env", "--python", "3.99")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: No interpreter found for `3.99`")
    assert "hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_activation_hint_follows_the_shell(run_sula: SulaRunner) -> None:
    exe = str(require_python("3.12"))
    fish = run_sula("venv", "f", "--python", exe, env={"SHELL": "/usr/bin/fish"}).check()
    assert "Activate with: source f/bin/activate.fish" in fish.stderr
    nu = run_sula("venv", "n", "--python", exe, env={"SHELL": "/usr/bin/nu"}).check()
    assert "Activate with: overlay use n/bin/activate.nu" in nu.stderr


def test_interpreter_query_is_cached(run_sula: SulaRunner, cache_dir: Path) -> None:
    exe = str(require_python("3.12"))
    run_sula("venv", "one", "--python", exe).check()
    entries = sorted((cache_dir / "interpreters-v2").glob("*.marshal"))
    assert len(entries) == 1
    before = entries[0].stat().st_mtime_ns
    run_sula("venv", "two", "--python", exe, "-v").check()
    assert entries[0].stat().st_mtime_ns == before  # read, not rewritten
    run_sula("venv", "three", "--python", exe, "--cache-dir", str(cache_dir.parent / "other")).check()
    assert len(list((cache_dir.parent / "other" / "interpreters-v2").glob("*.marshal"))) == 1


def test_relocatable_flag(run_sula: SulaRunner, tmp_path: Path) -> None:
    run_sula("venv", "r", "--python", str(require_python("3.12")), "--relocatable").check()
    (tmp_path / "r").rename(tmp_path / "moved")
    lines = _bash(f"source {shlex.quote(str(tmp_path / 'moved' / 'bin' / 'activate'))}; echo \"$VIRTUAL_ENV\"",
                  tmp_path)
    assert lines == [str(tmp_path / "moved")]
