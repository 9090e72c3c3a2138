"""The start-up budget of the two commands that are mostly start-up (issue 13): an offline
`pip compile` from a warm cache and a no-op `pip sync --offline`. Checked by the modules they
import (``PYTHONPROFILEIMPORTTIME``), not by a timing: each name below was measured to cost
milliseconds (docs/performance.md) and is needed only on another path (a download, a build,
a change to the environment, another input format). Adding one back to these paths needs a
reason, and a line in docs/performance.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel

# Imported by neither command: what only a download, a build, an install or another input
# format needs (asyncio is only the resolver's here, sula.builder only a source build's), and
# argparse (a plain line is parsed by sula.cli._quickparse.Recorder).
NEITHER = (
    "argparse", "aiohttp", "filelock", "rich", "platformdirs", "email", "email.parser", "json", "shutil",
    "tempfile", "zipfile", "bz2", "lzma", "urllib.request", "http.client", "html",
    "sula.builder", "sula.venv", "sula.git", "sula.installer.install", "sula.installer.installer",
    "sula.installer.wheel", "sula.installer.uninstall", "sula.requirements.pylock",
    "sula.requirements.script", "sula.requirements.groups", "sula.resolver.pylock",
    "sula.dispatch.lock",
    "sula.database.source", "sula.database.select", "sula.requirements.pyproject",
)
# A no-op sync reads the files and site-packages and stops: no event loop, no index client,
# no resolver, no msgspec; `name==version` lines need no packaging (whose import is ~40% of
# the rest), debug records no logging, and nothing asks pip for the default index.
SYNC_ALSO = (
    "packaging", "logging", "pip",
    "asyncio", "ssl", "socket", "concurrent.futures", "msgspec", "sula.client.registry",
    "sula.client.http", "sula.client.simple", "sula.resolver.api", "sula.resolver.resolver",
    "sula.resolver.pubgrub", "sula.resolver.provider", "sula.installer.check",
)
# An offline compile resolves from the cache: nothing of the installer, no page parser or
# remote-zip reader (the cache holds parsed pages and metadata), no event loop, sockets, TLS
# or thread pool (every wait is on the cache: sula._aio's local loop runs the resolver's
# coroutines, asyncio's import was ~30-40 ms), no logging, and no packaging parser for
# requirements and markers of the common shapes (sula.distribution.simple_marker; with
# packaging.utils it pulls in packaging.tags, platform, sysconfig and subprocess).
COMPILE_ALSO = ("sula.installer", "sula.dispatch.install", "sula.interpreter.environment",
                "sula.client.simple", "sula.client.remote_zip", "concurrent.futures",
                "queue", "asyncio", "ssl", "socket", "selectors", "logging", "hashlib")
PACKAGING_PARSERS = ("packaging.requirements", "packaging.markers", "packaging._parser",
                     "packaging._tokenizer", "packaging.utils", "packaging.tags")


def _packaging_parsers() -> tuple[str, ...]:
    """Forbidden when sula's marker reader knows the installed packaging's rules; another
    packaging release sends every marker to packaging (slower, not wrong): then a warning
    says the reader must be checked against that release, and CI does not fail on a release."""
    import warnings

    from sula.distribution import simple_marker

    if simple_marker._supported():
        return PACKAGING_PARSERS
    import packaging

    warnings.warn(f"packaging {packaging.__version__}: sula.distribution.simple_marker is not "
                  "checked against this release, so every marker is read by packaging", stacklevel=2)
    return ()


def _imported(stderr: str) -> set[str]:
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def _forbidden(loaded: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded
                  if any(m == n or m.startswith(n + ".") for n in names))


@pytest.fixture
def warm(run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path) -> Path:
    """A requirements file whose resolution is in the cache; returns it."""
    server = index_server()
    server.add(build_wheel(dists_dir, "alpha", "1.0",
                           requires=["beta>=1", 'gamma ; sys_platform == "win32"']))
    server.add(build_wheel(dists_dir, "beta", "1.0"))
    reqs = tmp_path / "requirements.in"
    reqs.write_text('alpha ; python_version >= "3"\n')
    run_sula.env["SULA_INDEX_URL"] = server.url
    result = run_sula("pip", "compile", reqs)
    assert result.exit_code == 0, result.stderr
    return reqs


def test_offline_compile_imports_only_the_resolver(run_sula: SulaRunner, warm: Path) -> None:
    result = run_sula("pip", "compile", warm, "--offline", env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.exit_code == 0, result.stderr
    assert 'alpha==1.0 ; python_version >= "3"' in result.stdout and "beta==1.0" in result.stdout
    loaded = _imported(result.stderr)
    assert "sula.resolver.resolver" in loaded  # the import log is read at all
    assert _forbidden(loaded, NEITHER + COMPILE_ALSO + _packaging_parsers()) == []


# pip-compile's usual run: `-o` names the file of the last run, whose pins are kept as
# preferences and which is then replaced: its lines are read without packaging's requirement
# parser, and the new file is written without tempfile.
def test_offline_recompile_of_an_output_file_imports_no_more(
    run_sula: SulaRunner, warm: Path, tmp_path: Path
) -> None:
    out = tmp_path / "requirements.txt"
    out.write_text('alpha==1.0 ; python_version >= "3"\nbeta==1.0\n    # via alpha\n')
    result = run_sula("pip", "compile", warm, "--offline", "-o", out,
                      env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.exit_code == 0, result.stderr
    assert "beta==1.0" in out.read_text()
    loaded = _imported(result.stderr)
    assert "sula.resolver.resolver" in loaded
    assert _forbidden(loaded, NEITHER + COMPILE_ALSO + _packaging_parsers()) == []


def test_noop_sync_imports_no_event_loop_and_no_resolver(
    run_sula: SulaRunner, warm: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    make_venv(venv)
    pins = tmp_path / "requirements.txt"
    pins.write_text("alpha==1.0\nbeta==1.0\n")
    python = str(venv / "bin" / "python")
    first = run_sula("pip", "sync", pins, "--python", python)
    assert first.exit_code == 0, first.stderr
    result = run_sula("pip", "sync", pins, "--python", python, "--offline",
                      env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert result.exit_code == 0, result.stderr
    assert "Audited 2 packages" in result.stderr
    loaded = _imported(result.stderr)
    assert "sula.installer.site_packages" in loaded
    assert _forbidden(loaded, NEITHER + SYNC_ALSO) == []


# An offline compile runs its resolution on sula._aio's local loop (no asyncio); what needs
# asyncio (here: the metadata of a changed local project, read in the database's thread pool
# under its lock) makes the run start again under asyncio, with the answer it would give.
def test_offline_compile_of_a_project_falls_back_to_asyncio(
    run_sula: SulaRunner, warm: Path, tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "proj"\nversion = "0.1"\ndependencies = ["beta"]\n')
    with_project = tmp_path / "project.in"
    with_project.write_text(f"alpha\n{project.as_uri()}\n")
    args = ("--no-header", "--no-annotate")
    online = run_sula("pip", "compile", with_project, *args).check().stdout
    assert online == f"alpha==1.0\nbeta==1.0\n{project.as_uri()}\n"

    # Only cache reads: the local loop, no asyncio.
    quick = run_sula("pip", "compile", warm, *args, "--offline",
                     env={"PYTHONPROFILEIMPORTTIME": "1"}).check()
    assert quick.stdout == 'alpha==1.0 ; python_version >= "3"\nbeta==1.0\n'
    assert "asyncio" not in _imported(quick.stderr) and "sula._aio" in _imported(quick.stderr)

    # A changed project's metadata is read again, under the database's lock and in its
    # thread pool: asyncio.
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "proj"\nversion = "0.2"\ndependencies = ["beta", "alpha"]\n')
    again = run_sula("pip", "compile", with_project, *args, "--offline",
                     env={"PYTHONPROFILEIMPORTTIME": "1"}).check()
    assert again.stdout == online
    assert "asyncio" in _imported(again.stderr)
