"""Helpers for the `pip` command tests: a fresh venv, real pip against it, RECORD checks."""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


def make_venv(path: Path) -> Path:
    """A fresh venv without pip (as `uv venv` makes them); returns its site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return next((path / "lib").glob("python3.*/site-packages"))


def site_of(venv: Path) -> Path:
    """The site-packages directory of a POSIX virtual environment."""
    return next((venv / "lib").glob("python3.*/site-packages"))


def hatch_project(name: str, init: str = "") -> dict[str, str]:
    """The files of a minimal hatchling project ``name`` (a package of that name)."""
    return {
        "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
                          f'[project]\nname = "{name}"\nversion = "1.0"\n'
                          f'[tool.hatch.build.targets.wheel]\npackages = ["{name}"]\n',
        f"{name}/__init__.py": init,
    }


def popen_interruptible(cmd: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen(cmd)`` with SIGINT at its default in the child, as a terminal starts
    a command. A shell starts a script's background job (a CI run, ``nohup``) with SIGINT
    ignored, an ignored signal stays ignored through fork and exec, and Python then keeps it
    ignored: the SIGINT a test sends would never reach sula. A handled signal is reset to
    its default at exec, so the test process handles it while it forks."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(cmd, **kwargs)
    finally:
        signal.signal(signal.SIGINT, old)


def real_pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The test environment's pip acting on ``venv`` (``pip --python``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV"))}
    return subprocess.run(
        [*PIP, "--python", str(venv / "bin" / "python"), *args],
        capture_output=True, text=True, env=env,
    )


def record_problems(site: Path) -> list[str]:
    """Every dist-info's RECORD checked against the files: missing files and bad hashes/sizes."""
    problems: list[str] = []
    for record in site.glob("*.dist-info/RECORD"):
        with open(record, newline="") as f:
            for row in csv.reader(f):
                if not row:
                    continue
                path = (site / row[0]).resolve() if not os.path.isabs(row[0]) else Path(row[0])
                path = Path(os.path.normpath(site / row[0]))
                if not path.exists():
                    problems.append(f"missing {row[0]} of {record.parent.name}")
                    continue
                if len(row) < 2 or not row[1]:
                    continue
                algo, _, want = row[1].partition("=")
                data = path.read_bytes()
                got = base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=").decode()
                if got != want or (row[2] and int(row[2]) != len(data)):
                    problems.append(f"hash/size mismatch {row[0]}")
    return problems


def cache_entries_complete(cache: Path) -> list[str]:
    """Problems with unpacked wheels in the cache: an entry must hold a RECORD whose files exist."""
    problems: list[str] = []
    wheels = cache / "wheels-v1"
    if not wheels.exists():
        return problems
    # <index>/<name>/<wheel stem>/<name>.dist-info (a vendored one deeper down is the wheel's)
    for info in wheels.glob("*/*/*/*.dist-info"):
        entry = info.parent
        record = info / "RECORD"
        if not record.exists():
            problems.append(f"no RECORD in {entry}")
            continue
        with open(record, newline="") as f:
            for row in csv.reader(f):
                if row and not (entry / row[0]).exists():
                    problems.append(f"{entry.name} lacks {row[0]}")
    return problems


def make_base_python(root: Path) -> Path:
    """A base (non-venv) interpreter of the test's Python at ``root``, whose standard library
    directory belongs to the test (so it can hold a PEP 668 ``EXTERNALLY-MANAGED`` marker):
    the real executable copied into ``root/bin``, every stdlib entry linked into
    ``root/lib/pythonX.Y``, an empty site-packages. Python finds its prefix from the
    executable's location, so ``sys.prefix`` is ``root``. Returns ``root/bin/pythonX.Y``."""
    import shutil
    import sysconfig

    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    stdlib = Path(sysconfig.get_path("stdlib"))
    lib = root / "lib" / f"python{minor}"
    lib.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name != "site-packages":
            (lib / entry.name).symlink_to(entry)
    (lib / "site-packages").mkdir()
    bin_dir = root / "bin"
    bin_dir.mkdir()
    exe = bin_dir / f"python{minor}"
    shutil.copy2(os.path.realpath(getattr(sys, "_base_executable", sys.executable)), exe)
    (bin_dir / "python3").symlink_to(exe.name)
    return exe


# The `Using Python X environment at: PATH` line every environment command starts with
# (checked in test_pip_safety.py); tests of the lines after it filter it out.
USING_LINE = (r"(?m)^Using (Python \S+ environment|\S+ \S+ interpreter) at: .*\n", "")
