"""Start-up cost: `sula --version` and `sula help` must not pull in the heavy libraries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = ROOT / "scripts" / "sula"  # the installed `sula` command (pyproject.toml)

HEAVY = ("packaging", "aiohttp", "msgspec", "rich", "filelock", "platformdirs", "asyncio")


def _importtime(
    *args: str, module: str | None = "sula", env: dict[str, str] | None = None,
) -> dict[str, tuple[int, int]]:
    """``module`` None: ``args`` are the interpreter's (``-c CODE``, a script and its arguments)."""
    cmd = [sys.executable, "-X", "importtime", *(["-m", module] if module else []), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    times: dict[str, tuple[int, int]] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|")
        times[name.strip()] = (int(self_us), int(cumulative_us))
    return times


@pytest.mark.parametrize("args", [("--version",), ("help",)])
def test_no_heavy_imports(args: tuple[str, ...]) -> None:
    loaded = _importtime(*args)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, f"`sula {' '.join(args)}` imports {heavy}"


def test_own_imports_under_25_ms() -> None:
    # Best of three: the machine is shared and noisy; one clean run proves the cost.
    best = min(
        sum(self_us for name, (self_us, _) in _importtime("--version").items()
            if name == "sula" or name.startswith("sula."))
        for _ in range(3)
    )
    assert best < 25_000, f"sula's own imports took {best / 1000:.1f} ms"


# `sula venv` is start-up bound (issue 2: faster than `python -m venv --without-pip`), so its
# import graph stays small. Besides the heavy libraries: `typing` and `dataclasses` (with
# `inspect`) are several milliseconds each, `hashlib` loads OpenSSL, `shutil` pulls in bz2
# and lzma, `pathlib` brings `re` and `urllib.parse`, `argparse` is left to unusual command
# lines (sula.cli._quickparse), `logging`/`subprocess`/`tempfile`/`json` are for -v or a
# cache miss.
VENV_AVOIDS = (*HEAVY, "typing", "dataclasses", "inspect", "hashlib", "shutil", "tempfile",
               "logging", "subprocess", "json", "pathlib", "re", "argparse", "urllib.parse",
               "sula.cli.commands.pip_install", "signal", "threading", "enum")


def test_venv_imports_only_what_it_needs(tmp_path: Path) -> None:
    py312 = next(iter(sorted(Path(os.path.expanduser("~/.pyenv/versions")).glob("3.12.*/bin/python3.12"))),
                 None)
    python = str(py312) if py312 else sys.executable
    cache = str(tmp_path / "cache")
    warm = ("venv", "-q", str(tmp_path / "warm"), "--python", python, "--cache-dir", cache)
    subprocess.run([sys.executable, "-m", "sula", *warm], check=True, capture_output=True)
    # Whatever the interpreter imports by itself (site, .pth files, runpy) is not sula's.
    baseline = set(_importtime("-c", "import runpy", module=None))
    loaded = _importtime("venv", "-q", str(tmp_path / "env"), "--python", python, "--cache-dir", cache)
    assert (tmp_path / "env" / "pyvenv.cfg").is_file()
    extra = set(loaded) - baseline
    avoided = sorted(m for m in extra if m in VENV_AVOIDS or m.split(".")[0] in HEAVY)
    assert not avoided, f"`sula venv` (warm interpreter cache) imports {avoided}"


# The `sula` command itself (scripts/sula: no runpy) imports less still: besides what
# `python -m sula` avoids, the standard library's helpers that the interpreter's start does
# not import and that together were ~3 ms of a ~25 ms `sula venv`: contextlib (with functools
# and collections), importlib (with warnings), types, contextvars.
LAUNCHER_AVOIDS = (*VENV_AVOIDS, "contextlib", "functools", "collections", "collections.abc",
                   "operator", "keyword", "reprlib", "itertools", "importlib", "warnings",
                   "types", "contextvars", "_contextvars", "sula.cli.commands.help")


def test_launcher_venv_imports_only_what_it_needs(tmp_path: Path) -> None:
    # Without `site` (-S): the test venv's .pth files import contextlib and importlib.util
    # themselves, which would hide sula's imports of them. sula comes from PYTHONPATH.
    import sula

    env = {**os.environ, "PYTHONPATH": str(Path(sula.__file__).resolve().parents[1])}
    python = sys.executable
    cache = str(tmp_path / "cache")
    warm = ("venv", "-q", str(tmp_path / "warm"), "--python", python, "--cache-dir", cache)
    subprocess.run([sys.executable, "-S", str(LAUNCHER), *warm], check=True, capture_output=True,
                   env=env)
    baseline = set(_importtime("-S", "-c", "pass", module=None, env=env))
    loaded = _importtime("-S", str(LAUNCHER), "venv", "-q", str(tmp_path / "env"), "--python",
                         python, "--cache-dir", cache, module=None, env=env)
    assert (tmp_path / "env" / "pyvenv.cfg").is_file()
    avoided = sorted(m for m in set(loaded) - baseline
                     if m in LAUNCHER_AVOIDS or m.split(".")[0] in HEAVY)
    assert not avoided, f"`sula venv` (the sula command, warm interpreter cache) imports {avoided}"


def test_the_sula_command_is_the_launcher_script() -> None:
    # An entry point named `sula` as well would make pip write its own launcher (which imports
    # `re`) over the script.
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["shared-scripts"] == {"scripts/sula": "sula"}
    assert "sula" not in project["project"].get("scripts", {})
    assert LAUNCHER.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3\n")
    assert os.access(LAUNCHER, os.X_OK)


# launch() ends a run that left no thread and no atexit callback with os._exit: no teardown
# (a module-level object's __del__ never runs), but stdout and stderr flushed into a pipe.
_LAUNCH = """\
import sys
class Teardown:
    def __del__(self):
        sys.__stderr__.write("teardown\\n")
keep = Teardown()
{before}
sys.argv = ["sula", "--version"]
from sula.cli.main import launch
launch()
"""


def test_launch_skips_the_teardown_of_a_plain_run() -> None:
    proc = subprocess.run([sys.executable, "-c", _LAUNCH.format(before="")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sula ") and proc.stdout.endswith("\n")
    assert "teardown" not in proc.stderr


def test_launch_exits_normally_when_something_waits_for_the_exit() -> None:
    before = "import atexit; atexit.register(lambda: sys.__stdout__.write('atexit ran\\n'))"
    proc = subprocess.run([sys.executable, "-c", _LAUNCH.format(before=before)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("sula ") and proc.stdout.endswith("atexit ran\n")
    assert "teardown" in proc.stderr


def test_launch_passes_the_exit_code_on() -> None:
    code = "import sys; sys.argv = ['sula', 'no-such-command']; from sula.cli.main import launch; launch()"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "unrecognized command `no-such-command`" in proc.stderr
