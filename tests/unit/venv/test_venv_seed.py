"""Seeding pip (and setuptools before 3.12) from the interpreter's bundled ensurepip wheels."""

from __future__ import annotations

import base64
import csv
import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sula.cache import Cache
from sula.interpreter import query_interpreter
from sula.venv import create_venv
from sula.venv._seed import _console_scripts, find_bundled_wheels, launcher_script

Require = Callable[[str], Path]


def _check_record(site_packages: Path, dist_info: Path) -> None:
    rows = list(csv.reader((dist_info / "RECORD").read_text().splitlines()))
    assert [dist_info.name + "/RECORD", "", ""] in rows
    for path, digest, size in rows:
        if path.endswith("/RECORD"):
            continue
        data = (site_packages / path).read_bytes()
        algo, _, value = digest.partition("=")
        assert algo == "sha256"
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert value == expected, path
        assert int(size) == len(data), path


@pytest.mark.parametrize("minor", ["3.8", "3.12", "3.13"])
def test_seed_gives_a_working_pip(
    minor: str, tmp_path: Path, cache: Cache, require_python: Require
) -> None:
    interpreter = query_interpreter(require_python(minor), cache=cache)
    venv = create_venv(tmp_path / "env", interpreter, seed=True)
    names = {p.name for p in venv.seeded}
    assert "pip" in names
    assert ("setuptools" in names) == (interpreter.python_version < (3, 12, 0))
    for script in ("pip", "pip3", f"pip{minor}"):
        assert (venv.scripts_dir / script).is_file(), script
    out = subprocess.run(
        [str(venv.scripts_dir / "pip"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert str(venv.site_packages / "pip") in out
    assert f"(python {minor})" in out
    for package in venv.seeded:
        dist_info = venv.site_packages / f"{package.name}-{package.version}.dist-info"
        assert (dist_info / "INSTALLER").read_text() == "sula\n"
        _check_record(venv.site_packages, dist_info)
    listed = subprocess.run(
        [str(venv.python), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    assert sorted(listed) == sorted(f"{p.name}=={p.version}" for p in venv.seeded)


def test_bundled_wheels_newest_per_project(tmp_path: Path) -> None:
    bundled = tmp_path / "ensurepip" / "_bundled"
    bundled.mkdir(parents=True)
    for name in ("pip-22.0.4-py3-none-any.whl", "pip-23.0.1-py3-none-any.whl",
                 "setuptools-56.0.0-py3-none-any.whl", "wheel-0.1-py3-none-any.whl"):
        (bundled / name).write_bytes(b"")
    old = find_bundled_wheels(str(tmp_path), (3, 8, 18))
    assert [p.name for p in old] == ["pip-23.0.1-py3-none-any.whl", "setuptools-56.0.0-py3-none-any.whl"]
    new = find_bundled_wheels(str(tmp_path), (3, 12, 1))
    assert [p.name for p in new] == ["pip-23.0.1-py3-none-any.whl"]


def test_versioned_script_names_follow_the_target_python() -> None:
    text = (
        "[console_scripts]\n"
        "pip = pip._internal.cli.main:main\n"
        "pip3 = pip._internal.cli.main:main\n"
        "pip3.11 = pip._internal.cli.main:main\n"
        "other = pkg.mod:run\n"
    )
    scripts = dict(_console_scripts(text, (3, 8, 18)))
    assert set(scripts) == {"pip", "pip3", "pip3.8", "other"}
    assert scripts["other"] == "pkg.mod:run"


def test_launcher_falls_back_to_sh_for_awkward_interpreter_paths(
    tmp_path: Path, require_python: Require
) -> None:
    spaced = tmp_path / "dir with space" / ("x" * 130)
    spaced.mkdir(parents=True)
    python = spaced / "python"
    python.symlink_to(require_python("3.12"))
    script = tmp_path / "tool"
    script.write_text(launcher_script(str(python), "platform", "python_version"))
    script.chmod(0o755)
    assert script.read_text().startswith("#!/bin/sh\n")
    proc = subprocess.run([str(script)], capture_output=True, text=True, check=False)
    # platform.python_version() returns a string: sys.exit prints it and exits 1.
    assert proc.stderr.strip().startswith("3.12")
    short = launcher_script("/usr/bin/python3", "pkg", "main")
    assert short.startswith("#!/usr/bin/python3\n")
    assert "from pkg import main" in short
