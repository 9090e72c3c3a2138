"""PEP 735 dependency groups and PEP 723 scripts through `sula pip compile | install | sync`."""

from __future__ import annotations

import re
from pathlib import Path

from _pip_helpers import make_venv, real_pip
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel

PYPROJECT = """\
[project]
name = "proj"
version = "0.1"
dependencies = ["base"]

[dependency-groups]
test = ["runner", {include-group = "lint"}]
lint = ["checker==1.0"]
loop = [{include-group = "loop"}]
"""


def _index(index_server, dists_dir: Path):  # type: ignore[no-untyped-def]
    server = index_server()
    server.add(build_wheel(dists_dir, "base", "1.0"))
    server.add(build_wheel(dists_dir, "runner", "2.0", requires=["helper"]))
    server.add(build_wheel(dists_dir, "helper", "1.5"))
    for version in ("1.0", "2.0"):
        server.add(build_wheel(dists_dir, "checker", version))
    return server


def test_compile_group_with_include(run_sula: SulaRunner, index_server, dists_dir: Path,
                                    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _index(index_server, dists_dir)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    r = run_sula("pip", "compile", "--group", "test", "--index-url", server.url, "--no-header",
                 cwd=tmp_path).check()
    # As uv writes it: the group alone (no `base`), annotated with the group.
    assert r.stdout == (
        "checker==1.0\n    # via proj (pyproject.toml:test)\n"
        "helper==1.5\n    # via runner\n"
        "runner==2.0\n    # via proj (pyproject.toml:test)\n"
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    both = run_sula("pip", "compile", "../pyproject.toml", "--group", "../pyproject.toml:lint",
                    "--index-url", server.url, "--no-header", "--no-annotate", cwd=sub).check()
    assert both.stdout == "base==1.0\nchecker==1.0\n"


def test_group_errors_on_the_command_line(run_sula: SulaRunner, index_server, dists_dir: Path,
                                          tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _index(index_server, dists_dir)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    for group, message in [
        ("nope", "error: Requested dependency group `nope` is not defined in `pyproject.toml` "
                 "(defined: `test`, `lint`, `loop`)"),
        ("loop", "error: Dependency groups in `pyproject.toml` include each other: "
                 "`loop` -> `loop`"),
        ("setup.cfg:x", "error: Invalid `--group` value `setup.cfg:x`: the path must name a "
                        "`pyproject.toml` file"),
    ]:
        r = run_sula("pip", "compile", "--group", group, "--index-url", server.url, cwd=tmp_path)
        assert r.exit_code == 1, r.stderr
        assert r.stderr.splitlines()[0] == message
        assert "Traceback" not in r.stderr


def test_install_and_sync_group(run_sula: SulaRunner, index_server, dists_dir: Path,
                                tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _index(index_server, dists_dir)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT)
    venv = tmp_path / "venv"
    make_venv(venv)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    r = run_sula("pip", "install", "--group", "test", *py, cwd=project).check()
    assert r.stderr.splitlines()[-3:] == [" + checker==1.0", " + helper==1.5", " + runner==2.0"]
    assert real_pip(venv, "check").returncode == 0
    # sync: the group's entries are requirements like the files' (pinned, as sync needs).
    (tmp_path / "pins.txt").write_text("base==1.0\n")
    s = run_sula("pip", "sync", str(tmp_path / "pins.txt"), "--group", "project/pyproject.toml:lint",
                 *py, cwd=tmp_path).check()
    listed = real_pip(venv, "list", "--format=freeze").stdout.split()
    assert listed == ["base==1.0", "checker==1.0"], s.stderr
    unpinned = run_sula("pip", "sync", str(tmp_path / "pins.txt"), "--group",
                        "project/pyproject.toml:test", *py, cwd=tmp_path)
    assert unpinned.exit_code == 1
    assert "`runner`" in unpinned.stderr


SCRIPT = """\
# /// script
# requires-python = ">=3.8"
# dependencies = ["runner", "checker<2"]
# ///
import runner
"""


def test_compile_and_install_a_script(run_sula: SulaRunner, index_server, dists_dir: Path,
                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = _index(index_server, dists_dir)
    (tmp_path / "tool.py").write_text(SCRIPT)
    r = run_sula("pip", "compile", "tool.py", "--index-url", server.url, "--no-header",
                 "--no-annotate", cwd=tmp_path).check()
    assert r.stdout == "checker==1.0\nhelper==1.5\nrunner==2.0\n"
    venv = tmp_path / "venv"
    make_venv(venv)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    run_sula("pip", "install", "-r", "tool.py", *py, cwd=tmp_path).check()
    assert real_pip(venv, "list", "--format=freeze").stdout.split() == [
        "checker==1.0", "helper==1.5", "runner==2.0"]
    (tmp_path / "new.py").write_text(SCRIPT.replace(">=3.8", ">=3.99"))
    for cmd in (["compile", "new.py"], ["install", "-r", "new.py", "--python",
                                         str(venv / "bin/python")]):
        bad = run_sula("pip", *cmd, "--index-url", server.url, cwd=tmp_path)
        assert bad.exit_code == 1
        assert re.sub(r"(?m)^Using Python .*\n", "", bad.stderr).startswith("error: The script `new.py` requires Python `>=3.99`, "
                                     "but the target Python is 3."), bad.stderr
    (tmp_path / "plain.py").write_text("print(1)\n")
    plain = run_sula("pip", "compile", "plain.py", "--index-url", server.url, cwd=tmp_path)
    assert plain.exit_code == 1
    assert plain.stderr.splitlines()[0] == (
        "error: Invalid inline script metadata in `plain.py`: no `# /// script` block")
