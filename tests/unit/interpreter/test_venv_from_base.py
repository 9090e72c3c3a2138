"""A virtual environment's interpreter, taken from its base interpreter's answer, is exactly
what its own probe reports, for every Python on the machine (pyenv's 3.8 to 3.13 and the
system's), and its ``python`` is not run for it."""

from __future__ import annotations

import glob
import os
import re
import subprocess
from pathlib import Path

import pytest

from sula.cache import Cache
from sula.interpreter import query
from sula.interpreter.query import query_interpreter, run_probe

PYTHONS = sorted(
    p for p in {*glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3.*")), *glob.glob("/usr/bin/python3.*")}
    if re.fullmatch(r"python3\.\d+", os.path.basename(p)) and os.access(p, os.X_OK)
)
SUPPORTED = [p for p in PYTHONS if not any(f"/3.{m}." in p for m in (6, 7))]


@pytest.mark.skipif(not SUPPORTED, reason="no Python 3.8+ besides the test's")
@pytest.mark.parametrize("python", SUPPORTED or ["none"])
def test_a_venvs_interpreter_from_its_base_is_its_own_probes_answer(
    python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    venv = tmp_path / "v"
    made = subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"{python} cannot make a venv: {made.stderr.decode()[-200:]}")
    exe = str(venv / "bin" / "python")
    own = run_probe(exe).to_dict()

    cache = Cache(tmp_path / "cache")
    probed: list[str] = []
    real_probe = query.run_probe

    def counting(executable: object) -> object:
        probed.append(os.fspath(executable))  # type: ignore[arg-type]
        return real_probe(executable)  # type: ignore[arg-type]

    monkeypatch.setattr(query, "run_probe", counting)
    derived = query_interpreter(exe, cache=cache).to_dict()
    assert derived == own
    assert exe not in probed and len(probed) == 1  # the base, once
    # A second venv of the same base runs nothing at all.
    other = tmp_path / "w"
    subprocess.run([python, "-m", "venv", "--without-pip", str(other)], check=True, capture_output=True)
    probed.clear()
    again = query_interpreter(str(other / "bin" / "python"), cache=cache).to_dict()
    assert probed == []
    assert again == run_probe(str(other / "bin" / "python")).to_dict()
    # The answer is cached under the venv's own key: asked again, nothing is derived or run.
    assert query_interpreter(exe, cache=cache).to_dict() == own


def test_a_copied_venv_python_is_probed_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    import sys

    venv = tmp_path / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--copies", str(venv)], check=True,
                   capture_output=True)
    probed: list[str] = []
    real_probe = query.run_probe
    monkeypatch.setattr(query, "run_probe", lambda e: probed.append(os.fspath(e)) or real_probe(e))
    exe = str(venv / "bin" / "python")
    got = query_interpreter(exe, cache=Cache(tmp_path / "cache"))
    assert probed == [exe]
    assert got.prefix == str(venv)
    assert shutil.which("python", path=str(venv / "bin")) is not None
