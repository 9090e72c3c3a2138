"""`sula pip sync` against the live default index (a few small pinned packages), checked with pip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _pip_helpers import make_venv, real_pip, record_problems
from fixtures.cli import SulaRunner

pytestmark = pytest.mark.network

PINS = ["attrs==23.1.0", "cattrs==23.1.2", "packaging==23.2", "typing-extensions==4.8.0", "six==1.16.0"]


def test_live_sync_then_shrink(run_sula: SulaRunner, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    site = make_venv(venv)
    full = tmp_path / "full.txt"
    full.write_text("\n".join(PINS) + "\n")
    py = ["--python", str(venv / "bin/python")]
    run_sula("pip", "sync", str(full), *py, "--exclude-newer", "2026-11-01").check()
    assert real_pip(venv, "check").returncode == 0
    listed = {(p["name"].lower().replace("_", "-"), p["version"]) for p in json.loads(real_pip(venv, "list", "--format=json").stdout)}
    assert listed == {tuple(p.split("==")) for p in PINS}
    assert record_problems(site) == []
    assert real_pip(venv, "uninstall", "-y", "six").returncode == 0
    assert not list(site.glob("six*"))
    small = tmp_path / "small.txt"
    small.write_text("packaging==23.2\n")
    result = run_sula("pip", "sync", str(small), *py).check()
    assert "Uninstalled 3 packages" in result.stderr
    assert real_pip(venv, "list", "--format=freeze").stdout.split() == ["packaging==23.2"]
