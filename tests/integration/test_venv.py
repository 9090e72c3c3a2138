"""`sula venv` end to end: real interpreters 3.8–3.13, activation in bash, seeding, options, errors."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
from fixtures.cli import SulaRunner


def _pyenv_python(minor: str) -> Path:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    for d in sorted((root / "versions").glob(f"{minor}.*"), reverse=True):
        exe = d / "bin" / f"python{minor}"
        if exe.is_file():
            return exe
    pytest.skip(f"Python {minor} is not installed in pyenv")


def _bash(script: str, cwd: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=cwd, env=env, check=True)
    return proc.stdout.splitlines()


@pytest.mark.parametrize("minor", ["3.8", "3.10", "3.12", "3.13"])
def test_venv_for_each_python(minor: str, run_sula: SulaRunner, tmp_path: Path) -> None:
    _pyenv_python(minor)
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
    exe = _pyenv_python("3.12")
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


def test_seed_gives_pip(run_sula: SulaRunner, tmp_path: Path) -> None:
    _pyenv_python("3.10")
    result = run_sula("venv", "seeded", "--python", "3.10", "--seed").check()
    assert " + pip==" in result.stderr
    assert " + setuptools==" in result.stderr  # bundled before 3.12
    out = subprocess.run([str(tmp_path / "seeded" / "bin" / "pip"), "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert str(tmp_path / "seeded" / "lib" / "python3.10" / "site-packages" / "pip") in out


def test_system_site_packages_and_prompt(run_sula: SulaRunner, tmp_path: Path) -> None:
    exe = _pyenv_python("3.12")
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
    exe = _pyenv_python("3.12")
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
    run_sula("venv", "env", "--python", str(_pyenv_python("3.12"))).check()
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
    exe = str(_pyenv_python("3.12"))
    fish = run_sula("venv", "f", "--python", exe, env={"SHELL": "/usr/bin/fish"}).check()
    assert "Activate with: source f/bin/activate.fish" in fish.stderr
    nu = run_sula("venv", "n", "--python", exe, env={"SHELL": "/usr/bin/nu"}).check()
    assert "Activate with: overlay use n/bin/activate.nu" in nu.stderr


def test_interpreter_query_is_cached(run_sula: SulaRunner, cache_dir: Path) -> None:
    exe = str(_pyenv_python("3.12"))
    run_sula("venv", "one", "--python", exe).check()
    entries = sorted((cache_dir / "interpreters-v2").glob("*.marshal"))
    assert len(entries) == 1
    before = entries[0].stat().st_mtime_ns
    run_sula("venv", "two", "--python", exe, "-v").check()
    assert entries[0].stat().st_mtime_ns == before  # read, not rewritten
    run_sula("venv", "three", "--python", exe, "--cache-dir", str(cache_dir.parent / "other")).check()
    assert len(list((cache_dir.parent / "other" / "interpreters-v2").glob("*.marshal"))) == 1


def test_relocatable_flag(run_sula: SulaRunner, tmp_path: Path) -> None:
    run_sula("venv", "r", "--python", str(_pyenv_python("3.12")), "--relocatable").check()
    (tmp_path / "r").rename(tmp_path / "moved")
    lines = _bash(f"source {shlex.quote(str(tmp_path / 'moved' / 'bin' / 'activate'))}; echo \"$VIRTUAL_ENV\"",
                  tmp_path)
    assert lines == [str(tmp_path / "moved")]
