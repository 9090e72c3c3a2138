"""`sula pip uninstall | freeze | list | show | check | tree` on real environments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _pip_helpers import make_venv, real_pip
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel

pytestmark = pytest.mark.usefixtures("without_using_line")


@pytest.fixture
def populated(run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path) -> Path:
    """A venv with app → (lib-a, lib-b → lib-a), a marker-only dep, and `tool` installed by real pip."""
    server = index_server()
    server.add(build_wheel(dists_dir, "App", "1.0", requires=[
        "lib-a>=1", "lib_b==2.*", "winonly; sys_platform == 'win32'", "extra-dep; extra == 'x'",
    ], summary="The app"))
    server.add(build_wheel(dists_dir, "lib-a", "1.5"))
    server.add(build_wheel(dists_dir, "lib-b", "2.1", requires=["lib-a<1.2"]))
    venv = tmp_path / "venv"
    make_venv(venv)
    reqs = tmp_path / "r.txt"
    reqs.write_text("app==1.0\nlib-a==1.5\nlib-b==2.1\n")
    run_sula("pip", "sync", str(reqs), "--python", str(venv / "bin/python"), "--index-url", server.url).check()
    tool = build_wheel(dists_dir, "tool", "0.1", entry_points={"console_scripts": {"tool": "tool:main"}})
    assert real_pip(venv, "install", "--no-deps", "--no-index", "--find-links", str(tool.parent), "tool").returncode == 0
    return venv


def test_freeze_list_show(run_sula: SulaRunner, populated: Path) -> None:
    py = ["--python", str(populated / "bin/python")]
    assert run_sula("pip", "freeze", *py).check().stdout.splitlines() == [
        "App==1.0", "lib-a==1.5", "lib-b==2.1", "tool==0.1",
    ]
    assert run_sula("pip", "list", *py).check().stdout.splitlines() == [
        "Package Version",
        "------- -------",
        "App     1.0",
        "lib-a   1.5",
        "lib-b   2.1",
        "tool    0.1",
    ]
    rows = json.loads(run_sula("pip", "list", "--format", "json", *py).check().stdout)
    assert rows[0] == {"name": "App", "version": "1.0"}
    assert json.loads(real_pip(populated, "list", "--format=json").stdout) == rows
    show = run_sula("pip", "show", "lib-a", "tool", "--files", *py).check().stdout.splitlines()
    assert "Name: lib-a" in show and "Required-by: App, lib-b" in show and "Installer: sula" in show
    assert "---" in show and "Installer: pip" in show
    assert "  tool/__init__.py" in show
    app = run_sula("pip", "show", "app", *py).check().stdout.splitlines()
    assert "Requires: lib-a, lib_b" in app and "Summary: The app" in app
    missing = run_sula("pip", "show", "nope", *py)
    assert missing.exit_code == 1 and "Package(s) not found for: nope" in missing.stderr


def test_check_and_tree(run_sula: SulaRunner, populated: Path) -> None:
    py = ["--python", str(populated / "bin/python")]
    result = run_sula("pip", "check", *py)
    assert result.exit_code == 1
    assert result.redacted_stderr().splitlines() == [
        "Checked 4 packages in [TIME]",
        "Found 1 incompatibility",
        "The package `lib-b` requires `lib-a<1.2`, but `1.5` is installed",
    ]
    assert real_pip(populated, "check").returncode == 1
    assert run_sula("pip", "tree", *py).check().stdout.splitlines() == [
        "app v1.0",
        "├── lib-a v1.5",
        "└── lib-b v2.1",
        "    └── lib-a v1.5",
        "tool v0.1",
    ]
    assert run_sula("pip", "tree", "--invert", "--package", "lib-a", *py).check().stdout.splitlines() == [
        "lib-a v1.5",
        "├── app v1.0",
        "└── lib-b v2.1",
        "    └── app v1.0",
    ]
    assert run_sula("pip", "tree", "--depth", "1", "--package", "app", *py).check().stdout.splitlines() == [
        "app v1.0", "├── lib-a v1.5", "└── lib-b v2.1",
    ]


def test_uninstall(run_sula: SulaRunner, populated: Path, tmp_path: Path) -> None:
    py = ["--python", str(populated / "bin/python")]
    result = run_sula("pip", "uninstall", "tool", "LIB_B", "ghost", *py).check()
    assert result.redacted_stderr().splitlines() == [
        "warning: Skipping `ghost` as it is not installed",
        "Uninstalled 2 packages in [TIME]",
        " - lib-b==2.1",
        " - tool==0.1",
    ]
    assert not (populated / "bin" / "tool").exists()
    reqs = tmp_path / "u.txt"
    reqs.write_text("app==1.0\n")
    run_sula("pip", "uninstall", "-r", str(reqs), *py).check()
    assert real_pip(populated, "list", "--format=freeze").stdout.split() == ["lib-a==1.5"]
    none = run_sula("pip", "uninstall", "ghost", *py)
    # Not installed is what was asked: pip and uv warn and succeed (issue 8, item 10).
    assert none.exit_code == 0, none.stderr
    assert none.redacted_stderr().splitlines() == [
        "warning: Skipping `ghost` as it is not installed", "warning: No packages to uninstall",
    ]
