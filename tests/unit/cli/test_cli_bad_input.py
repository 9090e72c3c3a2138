"""Every CLI error path prints `error:` and exits 1 or 2, never a traceback: a list of bad
invocations (unknown commands and flags, missing values and files, a bad value for each kind
of option) run through ``sula.cli.main.main`` in this process, one call each."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sula import config
from sula.cli.main import main

BAD: list[list[str]] = [
    # commands and flags
    ["frobnicate"], ["pip", "frobnicate"], ["cache", "frobnicate"], ["--bogus", "pip", "list"],
    ["pip", "install", "--bogus", "six"], ["pip", "compile", "--bogus", "in.txt"],
    ["pip", "sync", "--bogus", "in.txt"], ["pip", "uninstall", "--bogus", "six"],
    ["pip", "list", "--bogus"], ["pip", "freeze", "--bogus"], ["pip", "show", "--bogus"],
    ["pip", "tree", "--bogus"], ["pip", "check", "--bogus"], ["venv", "--bogus"],
    ["cache", "clean", "--bogus"], ["cache", "dir", "extra"],
    # missing arguments and values
    ["pip", "install"], ["pip", "sync"], ["pip", "uninstall"], ["pip", "compile"],
    ["pip", "install", "--python"], ["pip", "install", "-r"], ["pip", "compile", "in.txt", "-o"],
    ["pip", "install", "six", "--index-url"],
    # missing files
    ["pip", "install", "-r", "missing.txt"], ["pip", "sync", "missing.txt"],
    ["pip", "compile", "missing.in"], ["pip", "install", "six", "-c", "missing.txt"],
    ["pip", "install", "./missing-1.0-py3-none-any.whl"], ["pip", "install", "-e", "./missing"],
    ["pip", "compile", "missing/pyproject.toml"], ["pip", "sync", "missing/pylock.toml"],
    ["pip", "install", "-r", "."], ["--config-file", "missing.toml", "pip", "compile", "in.txt"],
    # a bad value for each kind of option
    ["pip", "install", "six", "--link-mode", "teleport"],
    ["pip", "compile", "in.txt", "--resolution", "random"],
    ["pip", "compile", "in.txt", "--prerelease", "sometimes"],
    ["pip", "compile", "in.txt", "--format", "yaml"],
    ["pip", "compile", "in.txt", "--annotation-style", "none"],
    ["pip", "tree", "--depth", "deep"], ["pip", "list", "--format", "xml"],
    ["--color", "purple", "pip", "list"],
    ["pip", "compile", "in.txt", "--exclude-newer", "yesterday-ish"],
    ["pip", "compile", "in.txt", "--python-version", "three"],
    ["pip", "compile", "in.txt", "--python-platform", "amiga"],
    ["pip", "install", "six", "--python", "/nonexistent/python"],
    ["pip", "install", "six", "--python", "99.99"],
    ["pip", "install", "six", "-C", "novalue"],
    ["pip", "compile", "in.txt", "--group", "nopath.toml:nogroup"],
    ["pip", "compile", "pyproject.toml", "--extra", "nosuchextra"],
    # bad requirements and files
    ["pip", "install", "six==="], ["pip", "install", "six[bar"],
    ["pip", "install", "six; python_version ~~ '3'"], ["pip", "install", "git+ftp://x/y"],
    ["pip", "compile", "bad.txt"], ["pip", "compile", "binary.txt"],
    ["pip", "compile", "pyproject.toml"], ["pip", "sync", "pylock.toml"],
    ["--config-file", "sula.toml", "pip", "compile", "in.txt"],
    ["venv", "/dev/null/env"],
]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty environment for every case, so that install commands get past finding it."""
    path = tmp_path_factory.mktemp("cli-bad") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, venv: Path) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith(("SULA_", "UV_", "PIP_")) or key in ("VIRTUAL_ENV", "CONDA_PREFIX"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    monkeypatch.setenv("SULA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SULA_NO_CONFIG", "1")
    monkeypatch.setenv("SULA_OFFLINE", "1")
    (tmp_path / "in.txt").write_text("six\n")
    (tmp_path / "bad.txt").write_text("six==1.0 --bogus-option\n")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00\xd8garbage")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 1\ndependencies = 'six'\n")
    (tmp_path / "pylock.toml").write_text("lock-version = '9.0'\n[[packages]]\nname = 1\n")
    (tmp_path / "sula.toml").write_text("index-url = 1\nno-such-key = true\n")
    yield tmp_path
    config.configure()


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_invocation_prints_error_and_exits_1_or_2(
    argv: list[str], workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own exits, as `python -m sula` would see them
        code = exit_.code  # type: ignore[assignment]
    out = capsys.readouterr()
    assert code in (1, 2), (code, out.err)
    # 2 is for usage errors only (argparse's and the dispatcher's, with a pointer to --help):
    # an unexpected exception also exits 2, but without one, and fails here.
    assert code == 1 or "--help" in out.err or "(choose" in out.err, out.err
    assert "Traceback" not in out.err and "Traceback" not in out.out
    assert any(line.startswith("error: ") for line in out.err.splitlines()), out.err
    # Nothing was installed into the environment by a failed command.
    assert not list(workdir.glob("env/lib/python*/site-packages/*.dist-info"))
