"""sula.toml end to end: the index and cache it names are used unless the command line says otherwise."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

COMPILE = ["pip", "compile", "--python", sys.executable, "--python-version", "3.11", "requirements.in"]


def test_index_url_from_sula_toml(index_server: Any, wheel_factory: Any, run_sula: Any,
                                  tmp_path: Path) -> None:
    server = index_server()
    server.add(wheel_factory("configured", "1.0"))
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.in").write_text("configured\n")
    (project / "sula.toml").write_text(f'index-url = "{server.url}"\n')
    result = run_sula(*COMPILE, "--no-header", cwd=project)
    assert result.exit_code == 0, result.stderr
    assert "configured==1.0" in result.stdout
    assert server.count("/simple/configured/") >= 1

    # --no-config: the file is not read, so the index is pip's default; offline, nothing cached.
    result = run_sula(*COMPILE, "--no-config", "--offline", cwd=project)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr


def test_bad_config_is_a_one_line_error(run_sula: Any, tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("anything\n")
    (tmp_path / "sula.toml").write_text("index-url = 1\n")
    result = run_sula(*COMPILE, cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: `index-url` in `")
    assert "Traceback" not in result.stderr
