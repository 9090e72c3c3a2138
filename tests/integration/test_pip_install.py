"""`sula pip install`: resolve against the environment, install, keep what satisfies."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pip_helpers import make_venv, real_pip, record_problems
from fixtures.cli import SulaRunner
from fixtures.dists import build_sdist, build_wheel

pytestmark = pytest.mark.usefixtures("without_using_line")


def test_install_resolves_keeps_and_upgrades(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    for version in ("1.0", "2.0"):
        server.add(build_wheel(dists_dir, "lib", version))
    server.add(build_wheel(dists_dir, "app", "1.0", requires=["lib>=1"]))
    server.add(build_sdist(dists_dir, "srconly", "1.0"))
    venv = tmp_path / "venv"
    site = make_venv(venv)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]

    run_sula("pip", "install", "lib==1.0", *py).check()
    result = run_sula("pip", "install", "app", *py).check()
    # The installed lib 1.0 satisfies app's `lib>=1`: it is kept, not upgraded.
    assert result.redacted_stderr().splitlines() == [
        "Resolved 2 packages in [TIME]",
        "Prepared 1 package in [TIME]",
        "Installed 1 package in [TIME]",
        " + app==1.0",
    ]
    assert (site / "app-1.0.dist-info" / "REQUESTED").exists()
    server.clear_log()
    again = run_sula("pip", "install", "app", *py).check()
    assert again.redacted_stderr().splitlines() == ["Audited 2 packages in [TIME]"]
    assert server.requests == []
    up = run_sula("pip", "install", "-U", "app", *py).check()
    assert " - lib==1.0" in up.stderr and " + lib==2.0" in up.stderr
    assert real_pip(venv, "check").returncode == 0
    assert record_problems(site) == []
    src = run_sula("pip", "install", "srconly", *py)
    assert src.exit_code != 0 and "srconly" in src.stderr and "Traceback" not in src.stderr


def test_install_no_deps_and_dry_run(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "lib", "1.0"))
    server.add(build_wheel(dists_dir, "app", "1.0", requires=["lib"]))
    venv = tmp_path / "venv"
    make_venv(venv)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    dry = run_sula("pip", "install", "--dry-run", "app", *py).check()
    assert " + app==1.0" in dry.stderr and real_pip(venv, "list", "--format=freeze").stdout == ""
    run_sula("pip", "install", "--no-deps", "app", *py).check()
    assert real_pip(venv, "list", "--format=freeze").stdout.split() == ["app==1.0"]
    strict = run_sula("pip", "install", "--strict", "--no-deps", "app", *py)
    assert strict.exit_code == 1 and "requires `lib`, but it's not installed" in strict.stderr


def test_install_no_deps_resolves_only_the_requirements(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    # `app`'s dependency is not on the index, and `lib` 2.0 conflicts with `app` 1.0's pin.
    server.add(build_wheel(dists_dir, "app", "1.0", requires=["missing>=1", "lib==1.0"]))
    server.add(build_wheel(dists_dir, "app", "2.0", requires=["missing>=1"]))
    server.add(build_wheel(dists_dir, "lib", "2.0"))
    server.add(build_wheel(dists_dir, "extra-pkg", "1.0", extras={"more": ["missing"]}))
    venv = tmp_path / "venv"
    site = make_venv(venv)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    full = run_sula("pip", "install", "app", *py)
    assert full.exit_code == 1 and "missing" in full.stderr
    server.clear_log()
    result = run_sula("pip", "install", "--no-deps", "app==1.0", "lib", "extra-pkg[more]", *py).check()
    assert result.redacted_stderr().splitlines() == [
        "Resolved 3 packages in [TIME]",
        "Prepared 3 packages in [TIME]",
        "Installed 3 packages in [TIME]",
        " + app==1.0",
        " + extra-pkg==1.0",
        " + lib==2.0",
    ]
    # Only index pages were read: no metadata of the chosen versions, nothing of `missing`.
    paths = [r.path for r in server.requests]
    assert paths and not [p for p in paths if "missing" in p or p.endswith(".metadata")]
    assert sorted(real_pip(venv, "list", "--format=freeze").stdout.split()) == [
        "app==1.0", "extra-pkg==1.0", "lib==2.0",
    ]
    assert record_problems(site) == []
    # Already installed: satisfied without following (missing) dependencies, no network.
    server.clear_log()
    again = run_sula("pip", "install", "--no-deps", "app", *py).check()
    assert again.redacted_stderr().splitlines() == ["Audited 1 package in [TIME]"]
    assert server.requests == []
    up = run_sula("pip", "install", "--no-deps", "-U", "app", *py).check()
    assert " - app==1.0" in up.stderr and " + app==2.0" in up.stderr
    none = run_sula("pip", "install", "--no-deps", "nothere", *py)
    assert none.exit_code == 1 and "nothere" in none.stderr and "Traceback" not in none.stderr
