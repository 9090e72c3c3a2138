"""git requirements end to end (issue 11): compile pins the commit, install and sync build
the checkout, one fetch per repository per run, `--offline` reuses a known commit, and every
error names the repository."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel
from fixtures.gitrepo import GitRepo, make_git_repo
from fixtures.index import IndexServer


def _project(name: str, version: str, *, deps: tuple[str, ...] = ()) -> dict[str, str]:
    module = name.replace("-", "_")
    return {
        "pyproject.toml": (
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = {json.dumps(list(deps))}\n\n'
            f'[tool.hatch.build.targets.wheel]\npackages = ["{module}"]\n'),
        f"{module}/__init__.py": f'VERSION = "{version}"\n',
    }


@pytest.fixture
def build_index(index_server, backend_wheels: Path, tmp_path: Path) -> IndexServer:  # type: ignore[no-untyped-def]
    server: IndexServer = index_server()
    server.add_dir(backend_wheels)
    server.add(build_wheel(tmp_path / "dists", "dep", "1.0"))
    return server


@pytest.fixture
def monorepo(tmp_path: Path) -> GitRepo:
    """One repository, two projects in subdirectories; tag v1, then a newer commit on main."""
    files = {f"a/{k}": v for k, v in _project("pkg-a", "1.0", deps=("dep",)).items()}
    files.update({f"b/{k}": v for k, v in _project("pkg-b", "1.0").items()})
    repo = make_git_repo(tmp_path / "monorepo", files)
    repo.tag("v1")
    repo.commit({"a/pkg_a/__init__.py": 'VERSION = "2.0"\n',
                 "a/pyproject.toml": _project("pkg-a", "2.0", deps=("dep",))["pyproject.toml"]})
    return repo


@pytest.fixture
def counting_git(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A `git` first on PATH that logs each subcommand to a file, then runs the real one."""
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout.strip()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "git.log"
    script = bindir / "git"
    script.write_text(f'#!/bin/sh\nfor a in "$@"; do case "$a" in fetch|clone|ls-remote) '
                      f'echo "$a" >> {log}; break;; esac; done\nexec {real} "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}, log


def _fetches(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if line == "fetch") if log.exists() else 0


def test_compile_pins_the_commit_and_fetches_the_repository_once(
        run_sula: SulaRunner, build_index: IndexServer, monorepo: GitRepo, tmp_path: Path,
        counting_git: tuple[dict[str, str], Path]) -> None:
    env, log = counting_git
    tag = monorepo.rev("v1")
    req = tmp_path / "requirements.in"
    req.write_text(f"pkg-a @ git+{monorepo.url}@v1#subdirectory=a\n"
                   f"git+{monorepo.url}@v1#subdirectory=b\n")
    out = run_sula("pip", "compile", str(req), "--python", sys.executable, "--index-url", build_index.url,
                   "--no-header", "--no-annotate", env=env).check().stdout
    assert out.splitlines() == [
        "dep==1.0",
        f"pkg-a @ git+{monorepo.url}@{tag}#subdirectory=a",
        f"pkg-b @ git+{monorepo.url}@{tag}#subdirectory=b",
    ]
    assert _fetches(log) == 1
    # The default branch resolves to its newest commit.
    req.write_text(f"pkg-a @ git+{monorepo.url}#subdirectory=a\n")
    out = run_sula("pip", "compile", str(req), "--python", sys.executable, "--index-url", build_index.url,
                   "--no-header", "--no-annotate", env=env).check().stdout
    assert f"pkg-a @ git+{monorepo.url}@{monorepo.rev('main')}#subdirectory=a" in out.splitlines()


def test_install_sync_freeze_and_offline_reinstall(
        run_sula: SulaRunner, build_index: IndexServer, monorepo: GitRepo, tmp_path: Path,
        counting_git: tuple[dict[str, str], Path]) -> None:
    env, log = counting_git
    venv = tmp_path / "venv"
    make_venv(venv)
    py = str(venv / "bin" / "python")
    tag = monorepo.rev("v1")
    r = run_sula("pip", "install", f"git+{monorepo.url}@v1#subdirectory=a", "--python", py,
                 "--index-url", build_index.url, env=env).check()
    assert "+ pkg-a==1.0" in r.stderr and "+ dep==1.0" in r.stderr
    assert _fetches(log) == 1
    site = next((venv / "lib").glob("python3.*/site-packages"))
    info = json.loads((site / "pkg_a-1.0.dist-info" / "direct_url.json").read_text())
    assert info == {"url": monorepo.url, "subdirectory": "a",
                    "vcs_info": {"vcs": "git", "commit_id": tag, "requested_revision": "v1"}}
    frozen = run_sula("pip", "freeze", "--python", py).check().stdout
    assert f"pkg-a @ git+{monorepo.url}@{tag}#subdirectory=a\n" in frozen
    # The checkout stays as checked out (the build ran in a copy).
    checkouts = list((tmp_path / "cache").glob(f"git-v1/checkouts/*/{tag}"))
    assert len(checkouts) == 1 and not (checkouts[0] / "a" / "build").exists()

    # A sync of the pinned commit: nothing to do; then the repository is gone and a fresh
    # environment gets the known commit offline.
    pinned = tmp_path / "requirements.txt"
    pinned.write_text(f"pkg-a @ git+{monorepo.url}@{tag}#subdirectory=a\ndep==1.0\n")
    again = run_sula("pip", "sync", str(pinned), "--python", py, "--index-url", build_index.url, env=env).check()
    assert "+ " not in again.stderr and "- " not in again.stderr and "~ " not in again.stderr
    import shutil

    shutil.rmtree(monorepo.path)
    fresh = tmp_path / "fresh"
    make_venv(fresh)
    before = _fetches(log)
    r = run_sula("pip", "sync", str(pinned), "--python", str(fresh / "bin" / "python"),
                 "--index-url", build_index.url, "--offline", env=env).check()
    assert "+ pkg-a==1.0" in r.stderr
    assert _fetches(log) == before
    assert subprocess.run([str(fresh / "bin" / "python"), "-c", "import pkg_a; print(pkg_a.VERSION)"],
                          capture_output=True, text=True, check=True).stdout.strip() == "1.0"
    # Uninstalling removes it cleanly.
    run_sula("pip", "uninstall", "pkg-a", "--python", py).check()
    assert not list(site.glob("pkg_a*"))


def test_git_errors_name_the_source(
        run_sula: SulaRunner, build_index: IndexServer, monorepo: GitRepo, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    make_venv(venv)
    common = ["--python", str(venv / "bin" / "python"), "--index-url", build_index.url]
    missing = (tmp_path / "nowhere").as_uri()
    r = run_sula("pip", "install", f"git+{missing}", *common)
    assert r.exit_code == 1 and missing in r.stderr and "Traceback" not in r.stderr
    r = run_sula("pip", "install", f"git+{monorepo.url}@v9#subdirectory=a", *common)
    assert r.exit_code == 1 and "`v9`" in r.stderr and monorepo.url in r.stderr
    r = run_sula("pip", "install", f"git+{monorepo.url}@v1#subdirectory=zzz", *common)
    assert r.exit_code == 1 and "zzz" in r.stderr and "Traceback" not in r.stderr
    secret = "https://user:s3cret@127.0.0.1:9/repo.git"
    r = run_sula("pip", "install", f"git+{secret}", *common)
    assert r.exit_code == 1 and "s3cret" not in r.stderr and "127.0.0.1:9" in r.stderr


def test_one_file_of_every_kind_compiles_syncs_and_imports(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    """The issue's whole set with fixtures: a registry wheel, a URL wheel, a registry sdist, a
    URL sdist, a git requirement at a tag and an editable local project, in one file."""
    from fixtures.dists import build_sdist

    dists = tmp_path / "dists"
    build_index.add(build_wheel(dists, "regwheel", "1.0", requires=["dep"]))
    urlwheel = build_wheel(dists / "url", "urlwheel", "3.0.0")
    build_index.add(build_sdist(dists, "regsdist", "0.51.0", requires=["dep"]))
    urlsdist = build_sdist(dists / "url", "urlsdist", "3.0.1", backend="hatchling")
    repo = make_git_repo(tmp_path / "repo", _project("gitpkg", "1.5"))
    repo.tag("v1.5")
    local = tmp_path / "work" / "localproject"
    for rel, text in _project("localproject", "0.1", deps=("dep",)).items():
        (local / rel).parent.mkdir(parents=True, exist_ok=True)
        (local / rel).write_text(text)
    # The URL files are served by the index server, not listed on its pages.
    build_index.add(urlwheel, name="unlisted-a")
    build_index.add(urlsdist, name="unlisted-b")
    req = tmp_path / "work" / "requirements.in"
    req.write_text(
        "regwheel\n"
        f"urlwheel @ {build_index.file_url(urlwheel.name)}\n"
        "regsdist==0.51.0\n"
        f"urlsdist @ {build_index.file_url(urlsdist.name)}\n"
        f"gitpkg @ git+{repo.url}@v1.5\n"
        "-e ./localproject\n")
    common = ["--index-url", build_index.url]
    out = run_sula("pip", "compile", str(req), "-o", str(tmp_path / "work" / "requirements.txt"),
                   "--python", sys.executable, "--no-header", "--no-annotate", *common,
                   cwd=tmp_path / "work").check()
    pins = (tmp_path / "work" / "requirements.txt").read_text().splitlines()
    assert pins == [
        "-e ./localproject",
        "dep==1.0",
        f"gitpkg @ git+{repo.url}@{repo.rev('v1.5')}",
        "regsdist==0.51.0",
        "regwheel==1.0",
        f"urlsdist @ {build_index.file_url(urlsdist.name)}",
        f"urlwheel @ {build_index.file_url(urlwheel.name)}",
    ], out.stderr
    venv = tmp_path / "venv"
    make_venv(venv)
    py = str(venv / "bin" / "python")
    r = run_sula("pip", "sync", "requirements.txt", "--python", py, *common, cwd=tmp_path / "work").check()
    assert "Installed 7 packages" in r.stderr
    code = "import regwheel, urlwheel, regsdist, urlsdist, gitpkg, localproject, dep; print(gitpkg.VERSION)"
    assert subprocess.run([py, "-c", code], capture_output=True, text=True, check=True,
                          cwd=tmp_path).stdout.strip() == "1.5"
    (local / "localproject" / "__init__.py").write_text('VERSION = "edited"\n')
    assert subprocess.run([py, "-c", "import localproject; print(localproject.VERSION)"],
                          capture_output=True, text=True, check=True,
                          cwd=tmp_path).stdout.strip() == "edited"


def test_pylock_git_and_directory_packages_install(
        run_sula: SulaRunner, build_index: IndexServer, monorepo: GitRepo, tmp_path: Path) -> None:
    """A PEP 751 lock (as uv or pip write them) with a `vcs` and a `directory` package."""
    tag = monorepo.rev("v1")
    local = tmp_path / "locked" / "proj"
    for rel, text in _project("proj", "0.3").items():
        (local / rel).parent.mkdir(parents=True, exist_ok=True)
        (local / rel).write_text(text)
    lock = tmp_path / "locked" / "pylock.toml"
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "hand"\n\n'
        '[[packages]]\nname = "pkg-b"\nversion = "1.0"\n'
        f'vcs = {{ type = "git", url = "{monorepo.url}", commit-id = "{tag}", subdirectory = "b" }}\n\n'
        '[[packages]]\nname = "proj"\n'
        'directory = { path = "proj", editable = true }\n')
    venv = tmp_path / "venv"
    make_venv(venv)
    py = str(venv / "bin" / "python")
    r = run_sula("pip", "sync", str(lock), "--python", py, "--index-url", build_index.url).check()
    assert "+ pkg-b==1.0" in r.stderr and "+ proj==0.3" in r.stderr
    site = next((venv / "lib").glob("python3.*/site-packages"))
    info = json.loads((site / "pkg_b-1.0.dist-info" / "direct_url.json").read_text())
    assert info["vcs_info"]["commit_id"] == tag and info["subdirectory"] == "b"
    again = run_sula("pip", "sync", str(lock), "--python", py, "--index-url", build_index.url).check()
    assert "+ " not in again.stderr and "~ " not in again.stderr
    assert subprocess.run([py, "-c", "import pkg_b, proj; print(proj.VERSION)"], capture_output=True,
                          text=True, check=True).stdout.strip() == "0.3"


@pytest.mark.parametrize("plugin", ["setuptools-scm", "hatch-vcs"])
def test_versions_from_git_tags(run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path,
                                plugin: str) -> None:
    """setuptools-scm and hatch-vcs read the version from the checkout's tags (the copy a build
    runs on keeps its `.git`), and from a local project that is a git work tree."""
    if plugin == "setuptools-scm":
        pyproject = ('[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\n'
                     'build-backend = "setuptools.build_meta"\n\n'
                     '[project]\nname = "scmpkg"\ndynamic = ["version"]\n\n[tool.setuptools_scm]\n')
    else:
        pyproject = ('[build-system]\nrequires = ["hatchling", "hatch-vcs"]\n'
                     'build-backend = "hatchling.build"\n\n'
                     '[project]\nname = "scmpkg"\ndynamic = ["version"]\n\n[tool.hatch.version]\n'
                     'source = "vcs"\n\n[tool.hatch.build.targets.wheel]\npackages = ["scmpkg"]\n')
    repo = make_git_repo(tmp_path / "scm", {"pyproject.toml": pyproject, "scmpkg/__init__.py": ""})
    repo.tag("v1.2.3")
    venv = tmp_path / "venv"
    make_venv(venv)
    common = ["--python", str(venv / "bin" / "python"), "--index-url", build_index.url]
    r = run_sula("pip", "install", f"git+{repo.url}@v1.2.3", *common).check()
    assert "+ scmpkg==1.2.3" in r.stderr
    local = tmp_path / "local"
    make_venv(local)
    r = run_sula("pip", "install", "-e", str(repo.path), "--python", str(local / "bin" / "python"),
                 "--index-url", build_index.url).check()
    assert "+ scmpkg==1.2.3" in r.stderr
