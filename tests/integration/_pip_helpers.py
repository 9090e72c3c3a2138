"""Helpers for the `pip` command tests: a fresh venv, real pip against it, RECORD checks."""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import subprocess
import sys
from pathlib import Path

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


def make_venv(path: Path) -> Path:
    """A fresh venv without pip (as `uv venv` makes them); returns its site-packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return next((path / "lib").glob("python3.*/site-packages"))


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
    for info in wheels.glob("**/*.dist-info"):
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
