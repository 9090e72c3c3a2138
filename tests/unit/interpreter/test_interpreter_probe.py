"""The probe, run in real interpreters, agrees with packaging's tags and markers run there."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import packaging
import pytest

from sula.interpreter.query import PROBE, PROBE_VERSION, run_probe

# The packaging that sula itself uses (its tag order is the reference: since 26.3, native
# linux_* tags come before manylinux), put on the path of the interpreter under test.
PACKAGING_DIR = str(Path(packaging.__file__).resolve().parent.parent)

_REFERENCE = """
import json, sys
from packaging import tags
from packaging.markers import default_environment
json.dump({"tags": [str(t) for t in tags.sys_tags()], "markers": default_environment()}, sys.stdout)
"""


def _reference(exe: Path, pythonpath: str) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    out = subprocess.run(
        [str(exe), "-c", _REFERENCE], env=env, capture_output=True, text=True, check=True
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.parametrize("minor", ["3.10", "3.11", "3.12", "3.13"])
def test_tags_and_markers_equal_packaging(minor: str, require_python: Callable[[str], Path]) -> None:
    exe = require_python(minor)
    interpreter = run_probe(exe)
    ref = _reference(exe, PACKAGING_DIR)
    assert interpreter.tags == ref["tags"]
    assert interpreter.markers == ref["markers"]
    assert interpreter.tags[-1] == "py30-none-any"
    assert interpreter.tag_priority(interpreter.tags[0]) == 0


def test_tags_on_38_match_its_own_pip_packaging(require_python: Callable[[str], Path]) -> None:
    """3.8 cannot import today's packaging; its pip's vendored packaging is older: it puts
    linux_* tags last and has no ``cp38-none-any`` (added in packaging 21.3's successors).
    Apart from those, the lists are equal, in order."""
    exe = require_python("3.8")
    code = (
        "import json, sys\n"
        "from pip._vendor.packaging import tags\n"
        "json.dump([str(t) for t in tags.sys_tags()], sys.stdout)\n"
    )
    proc = subprocess.run([str(exe), "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip("Python 3.8 has no pip to compare with")
    ref: list[str] = json.loads(proc.stdout)
    ours = [t for t in run_probe(exe).tags if t != "cp38-none-any"]

    def without_linux(tags: list[str]) -> list[str]:
        return [t for t in tags if not t.split("-")[2].startswith("linux_")]

    assert set(ours) == set(ref)
    assert without_linux(ours) == without_linux(ref)


def test_probe_reports_prefixes_paths_and_version(require_python: Callable[[str], Path]) -> None:
    exe = require_python("3.12")
    i = run_probe(exe)
    assert i.probe_version == PROBE_VERSION
    assert i.python_version[:2] == (3, 12)
    assert i.python_minor == "3.12"
    assert i.implementation == "CPython"
    assert i.implementation_name == "cpython"
    assert i.pointer_size in (32, 64)
    assert not i.is_venv()
    assert i.prefix == i.base_prefix
    assert i.real_executable == os.path.realpath(exe)
    assert i.paths.purelib.endswith(os.path.join("python3.12", "site-packages"))
    assert i.paths.purelib.startswith(i.prefix)
    assert i.venv_scheme.purelib == os.path.join("lib", "python3.12", "site-packages")
    assert i.venv_scheme.scripts == "bin"
    assert i.prefix_scheme.data == ""
    assert (Path(i.stdlib) / "os.py").is_file()


def test_probe_sees_a_venv_without_site_on_old_pythons(
    tmp_path: Path, require_python: Callable[[str], Path]
) -> None:
    """Before 3.11 a venv's sys.prefix is set by `site`, which the probe does not import."""
    from sula.venv import create_venv

    exe = require_python("3.8")
    venv = create_venv(tmp_path / "env", run_probe(exe))
    inside = run_probe(venv.python)
    assert inside.is_venv()
    assert inside.prefix == str(tmp_path / "env")
    assert inside.paths.purelib == str(tmp_path / "env" / "lib" / "python3.8" / "site-packages")
    assert inside.paths.scripts == str(tmp_path / "env" / "bin")


def test_probe_is_isolated_from_python_environment_variables(
    tmp_path: Path, require_python: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    exe = require_python("3.12")
    (tmp_path / "sysconfig.py").write_text("raise SystemExit('shadowed')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert run_probe(exe).python_version[:2] == (3, 12)


def test_probe_file_runs_standalone() -> None:
    probe = Path(PROBE)
    assert probe.is_file()
    text = probe.read_text()
    assert "import sula" not in text and "from sula" not in text
