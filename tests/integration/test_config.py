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


def test_extra_index_url_and_find_links_from_sula_toml(
    index_server: Any, wheel_factory: Any, run_sula: Any, tmp_path: Path, sula_env: dict[str, str]
) -> None:
    from _pip_helpers import make_venv
    from fixtures.index import write_find_links_dir

    main, extra, other = index_server(), index_server(), index_server()
    main.add(wheel_factory("base", "1.0"))
    extra.add(wheel_factory("fromextra", "1.0"))
    other.add(wheel_factory("fromextra", "2.0"))
    write_find_links_dir(tmp_path / "project" / "wheels", [wheel_factory("local", "1.0")])
    project = tmp_path / "project"
    (project / "sula.toml").write_text(
        f'index-url = "{main.url}"\nextra-index-url = ["{extra.url}"]\nfind-links = ["./wheels"]\n'
    )
    # Run from a subdirectory: `./wheels` is relative to the file, not the working directory.
    sub = project / "sub"
    sub.mkdir()
    (sub / "requirements.in").write_text("base\nfromextra\nlocal\n")
    result = run_sula(*COMPILE, "--no-header", "--no-annotate", cwd=sub)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["base==1.0", "fromextra==1.0", "local==1.0"]

    # install reads them too.
    site = make_venv(tmp_path / "env")
    result = run_sula("pip", "install", "-r", "requirements.in", "--python",
                      str(tmp_path / "env" / "bin" / "python"), cwd=sub)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in site.glob("*.dist-info")) == [
        "base-1.0.dist-info", "fromextra-1.0.dist-info", "local-1.0.dist-info"]

    # So does the Python API, `sula.install`.
    import subprocess
    import sys

    api_site = make_venv(tmp_path / "api-env")
    code = ("import sula; sula.install(['base', 'fromextra', 'local'], "
            f"python={str(tmp_path / 'api-env' / 'bin' / 'python')!r})")
    proc = subprocess.run([sys.executable, "-c", code], cwd=sub, env=sula_env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in api_site.glob("*.dist-info")) == [
        "base-1.0.dist-info", "fromextra-1.0.dist-info", "local-1.0.dist-info"]

    # The command line's --extra-index-url replaces the file's.
    result = run_sula(*COMPILE, "--no-header", "--no-annotate", "--extra-index-url", other.url,
                      cwd=sub)
    assert result.exit_code == 0, result.stderr
    assert "fromextra==2.0" in result.stdout.split()
