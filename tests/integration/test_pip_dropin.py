"""Drop-in command lines (issue 8, items 5-10): what pip, pip-tools and uv users type."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel
from fixtures.index import IndexServer

pytestmark = pytest.mark.usefixtures("without_using_line")


@pytest.fixture
def server(index_server, dists_dir: Path) -> IndexServer:
    server = index_server()
    for name, version, kw in [
        ("six", "1.0", {}), ("six", "2.0", {}), ("six", "3.0b1", {}),
        ("app", "1.0", {"requires": ["six"]}), ("other", "1.0", {}),
    ]:
        server.add(build_wheel(dists_dir, name, version, **kw))
    return server


@pytest.fixture
def python(tmp_path: Path) -> str:
    make_venv(tmp_path / "v")
    return str(tmp_path / "v" / "bin" / "python")


def _freeze(run_sula: SulaRunner, python: str) -> list[str]:
    return run_sula("pip", "freeze", "--python", python).check().stdout.split()


def test_long_options_are_never_abbreviated_and_pre_is_accepted(
    run_sula: SulaRunner, server: IndexServer, python: str
) -> None:
    # argparse took `--extra-ind` for `--extra-index-url` and `--pre` was ambiguous.
    result = run_sula("pip", "install", "six", "--extra-ind", "dev", "--python", python, "-i", server.url)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: unrecognized arguments: --extra-ind dev",
        "",
        "For more information, try `sula pip install --help`",
    ]
    run_sula("pip", "install", "six", "--pre", "--python", python, "-i", server.url).check()
    assert _freeze(run_sula, python) == ["six==3.0b1"]


def test_pip_tools_flags_of_compile(run_sula: SulaRunner, server: IndexServer, tmp_path: Path) -> None:
    src = tmp_path / "requirements.in"
    src.write_text("app\n")
    result = run_sula("pip", "compile", "requirements.in", "-i", server.url, "--no-header",
                      "--allow-unsafe", "--resolver=backtracking", "--no-emit-trusted-host",
                      "--no-reuse-hashes", "--build-isolation", "--no-emit-package", "six")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: pip-compile's `--allow-unsafe` has no effect (sula can safely pin `pip` and other packages)",
        "warning: pip-compile's `--resolver=backtracking` has no effect (sula always backtracks)",
        "warning: pip-compile's `--no-emit-trusted-host` has no effect (sula never emits trusted hosts)",
        "warning: pip-compile's `--no-reuse-hashes` has no effect (sula doesn't reuse hashes)",
        "warning: pip-compile's `--build-isolation` has no effect (sula isolates builds by default)",
    ]
    # As uv writes it: the pin is left out and named in a footer.
    assert result.stdout == (
        "app==1.0\n    # via -r requirements.in\n\n"
        "# The following packages were excluded from the output:\n# six\n"
    )
    result = run_sula("pip", "compile", str(src), "-i", server.url, "--no-header", "--no-annotate",
                      "--unsafe-package", "app")
    assert result.stdout == "six==2.0\n\n# The following packages were excluded from the output:\n# app\n"


def test_upgrade_package_takes_a_specifier(
    run_sula: SulaRunner, server: IndexServer, tmp_path: Path, python: str
) -> None:
    src = tmp_path / "requirements.in"
    src.write_text("app\n")
    out = tmp_path / "requirements.txt"
    run_sula("pip", "compile", str(src), "-o", str(out), "-i", server.url).check()
    assert "six==2.0\n" in out.read_text()
    run_sula("pip", "compile", str(src), "-o", str(out), "-i", server.url, "-P", "six==1.0").check()
    assert "six==1.0\n" in out.read_text()
    run_sula("pip", "compile", str(src), "-o", str(out), "-i", server.url, "-P", "six<3").check()
    assert "six==2.0\n" in out.read_text()
    run_sula("pip", "install", "app", "-P", "six<2", "--python", python, "-i", server.url).check()
    assert _freeze(run_sula, python) == ["app==1.0", "six==1.0"]


def test_habitual_install_flags(
    run_sula: SulaRunner, server: IndexServer, python: str, tmp_path: Path
) -> None:
    py = ["--python", python, "-i", server.url]
    run_sula("pip", "install", "six==2.0", "other", "--no-cache-dir", *py).check()
    # --force-reinstall is --reinstall.
    result = run_sula("pip", "install", "six==2.0", "--force-reinstall", *py).check()
    assert "Uninstalled 1 package" in result.stderr and "Installed 1 package" in result.stderr
    # --exact removes what the resolution does not hold.
    result = run_sula("pip", "install", "six==2.0", "--exact", *py).check()
    assert " - other==1.0" in result.stderr
    assert _freeze(run_sula, python) == ["six==2.0"]
    # --trusted-host is accepted with a warning; -t is --target.
    result = run_sula("pip", "install", "other", "--trusted-host", "127.0.0.1", "-t",
                      str(tmp_path / "vendor"), *py)
    assert result.exit_code == 0, result.stderr
    assert "warning: pip's `--trusted-host` has no effect" in result.stderr
    assert (tmp_path / "vendor" / "other" / "__init__.py").is_file()
    # --user: one clear error, not a usage dump.
    result = run_sula("pip", "install", "six", "--user", *py)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: pip's `--user` is not supported")
    # A requirements file passed as a package.
    (tmp_path / "requirements.txt").write_text("six\n")
    result = run_sula("pip", "install", "requirements.txt", *py)
    assert result.exit_code == 1
    assert "hint: Did you mean `-r requirements.txt`?" in result.stderr
    # uninstall -y is accepted; freeze --all lists everything (it always does).
    run_sula("pip", "uninstall", "-y", "six", "--python", python).check()
    assert run_sula("pip", "freeze", "--all", "--python", python).check().stdout == ""


def test_target_needs_no_environment(run_sula: SulaRunner, server: IndexServer, tmp_path: Path) -> None:
    # No venv anywhere: --target uses the Python on PATH, as uv does.
    result = run_sula("pip", "install", "six", "--target", str(tmp_path / "t"), "-i", server.url)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "t" / "six-2.0.dist-info").is_dir()


def test_python_names_an_environment_directory_without_dot_slash(
    run_sula: SulaRunner, server: IndexServer, python: str
) -> None:
    run_sula("pip", "install", "six", "--python", "v", "-i", server.url).check()
    assert _freeze(run_sula, python) == ["six==2.0"]


@pytest.mark.parametrize(("args", "tip"), [
    (["pip", "instal"], "a similar command exists: `sula pip install`"),
    (["install"], "a similar command exists: `sula pip install`"),
    (["pip", "frezee"], "a similar command exists: `sula pip freeze`"),
])
def test_unknown_commands_get_a_suggestion(run_sula: SulaRunner, args: list[str], tip: str) -> None:
    result = run_sula(*args)
    assert result.exit_code == 2
    assert f"  tip: {tip}" in result.stderr.splitlines()


def test_sula_alone_prints_help_and_exits_2(run_sula: SulaRunner) -> None:
    result = run_sula()
    assert result.exit_code == 2
    assert "Usage: sula [OPTIONS] <COMMAND>" in result.stderr


def test_extra_typos_and_yanked_pins_are_warned_about(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path, python: str
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "req", "1.0", extras={"security": ["six"]}))
    server.add(build_wheel(dists_dir, "six", "1.0"))
    server.add(build_wheel(dists_dir, "six", "2.0"), yanked="broken wheel tags")
    result = run_sula("pip", "install", "req[securty]", "six==2.0", "--python", python,
                      "-i", server.url)
    assert result.exit_code == 0, result.stderr
    assert "warning: The package `req==1.0` does not have an extra named `securty`" in result.stderr
    assert "warning: `six==2.0` is yanked (reason: broken wheel tags)" in result.stderr
    # A correct extra says nothing.
    result = run_sula("pip", "compile", "-", "-i", server.url, input="req[security]\n")
    assert result.exit_code == 0 and "warning" not in result.stderr
    # A re-compile that drops a yanked pin of the output file says so.
    src = tmp_path / "requirements.in"
    src.write_text("six\n")
    out = tmp_path / "requirements.txt"
    out.write_text("six==2.0\n")
    result = run_sula("pip", "compile", str(src), "-o", str(out), "-i", server.url)
    assert result.exit_code == 0, result.stderr
    assert ("warning: The pin `six==2.0` is yanked (reason: broken wheel tags); it is replaced by "
            "`six==1.0`") in result.stderr
    assert "six==1.0\n" in out.read_text()


def test_list_and_tree_show_outdated_and_uptodate_packages(
    run_sula: SulaRunner, server: IndexServer, python: str
) -> None:
    py = ["--python", python, "-i", server.url]
    run_sula("pip", "install", "six==1.0", "other", *py).check()
    result = run_sula("pip", "list", "--outdated", *py).check()
    # six 3.0b1 is a pre-release: not offered for a stable install (as uv).
    assert result.stdout.splitlines() == [
        "Package Version Latest Type", "------- ------- ------ -----", "six     1.0     2.0    wheel",
    ]
    result = run_sula("pip", "list", "-o", "--format", "json", *py).check()
    assert result.stdout.strip() == (
        '[{"name": "six", "version": "1.0", "latest_version": "2.0", "latest_filetype": "wheel"}]'
    )
    result = run_sula("pip", "list", "--uptodate", "--format", "freeze", *py).check()
    assert result.stdout.split() == ["other==1.0"]
    result = run_sula("pip", "list", "--outdated", "--format", "freeze", *py)
    assert result.exit_code == 1 and "cannot be used with `--format freeze`" in result.stderr
    result = run_sula("pip", "tree", "--outdated", *py).check()
    assert result.stdout.splitlines() == ["other v1.0", "six v1.0 (latest: v2.0)"]
