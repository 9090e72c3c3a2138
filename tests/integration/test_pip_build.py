"""Source builds end to end: sdists from the local index built by real backends in build
environments that sula fills from the same index (the backends' real wheels are served there)."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel
from fixtures.index import IndexServer

PY = f"{sys.version_info[0]}.{sys.version_info[1]}"


def make_sdist(dest: Path, name: str, version: str, files: dict[str, str | bytes],
               *, members: list[tarfile.TarInfo] | None = None) -> Path:
    """``<name>-<version>.tar.gz`` holding ``<name>-<version>/<files>`` with an old-style
    PKG-INFO (Metadata-Version 2.1: only a build can tell the dependencies)."""
    stem = f"{name}-{version}"
    path = dest / f"{stem}.tar.gz"
    dest.mkdir(parents=True, exist_ok=True)
    content = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", **files}
    with tarfile.open(path, "w:gz") as tf:
        for rel, data in content.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(f"{stem}/{rel}")
            info.size = len(raw)
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(raw))
        for member in members or []:
            tf.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    return path


def setup_py(name: str, version: str, *, log: Path, requires: list[str] = (),  # type: ignore[assignment]
             body: str = "") -> dict[str, str]:
    """A setup.py-only project (no pyproject.toml) whose every run appends to ``log``."""
    module = name.replace("-", "_")
    return {
        "setup.py": textwrap.dedent(f"""\
            with open({str(log)!r}, "a") as f:
                f.write("{name}\\n")
            """) + body + textwrap.dedent(f"""
            from setuptools import setup
            setup(name={name!r}, version={version!r}, py_modules=[{module!r}],
                  install_requires={list(requires)!r})
            """),
        f"{module}.py": f"NAME = {name!r}\n",
    }


@pytest.fixture
def build_index(index_server, backend_wheels: Path) -> IndexServer:  # type: ignore[no-untyped-def]
    server: IndexServer = index_server()
    server.add_dir(backend_wheels)
    return server


def _runs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def _python(venv: Path, code: str) -> str:
    return subprocess.run([str(venv / "bin" / "python"), "-c", code], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_setup_py_sdist_installs_and_warm_runs_call_no_backend(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path) -> None:
    log = tmp_path / "backend.log"
    dists = tmp_path / "dists"
    build_index.add(build_wheel(dists, "dep", "1.0"))
    build_index.add(make_sdist(dists, "legacy", "2.0", setup_py("legacy", "2.0", log=log, requires=["dep"])))
    py = ["--python", str(venv / "bin" / "python"), "--index-url", build_index.url]
    r = run_sula("pip", "install", "legacy", *py).check()
    assert "+ legacy==2.0" in r.stderr and "+ dep==1.0" in r.stderr
    assert _python(venv, "import legacy, dep; print(legacy.NAME)") == "legacy"
    assert _runs(log) > 0
    # The metadata and the wheel are cached: a compile and an install elsewhere build nothing.
    before = _runs(log)
    (tmp_path / "in.txt").write_text("legacy\n")
    out = run_sula("pip", "compile", str(tmp_path / "in.txt"), "--python", str(venv / "bin" / "python"),
                   "--index-url", build_index.url, "--no-header", "--no-annotate").check()
    assert out.stdout == "dep==1.0\nlegacy==2.0\n"
    other = tmp_path / "other"
    make_venv(other)
    run_sula("pip", "install", "legacy", "--python", str(other / "bin" / "python"),
             "--index-url", build_index.url).check()
    assert _python(other, "import legacy; print(legacy.NAME)") == "legacy"
    assert _runs(log) == before


def test_compile_asks_the_backend_once_then_never(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    dists = tmp_path / "dists"
    build_index.add(build_wheel(dists, "dep", "1.0"))
    for i in range(3):
        build_index.add(make_sdist(dists, f"src{i}", "1.0",
                                   setup_py(f"src{i}", "1.0", log=log, requires=["dep"])))
    (tmp_path / "in.txt").write_text("src0\nsrc1\nsrc2\n")
    args = ["pip", "compile", str(tmp_path / "in.txt"), "--python", sys.executable,
            "--index-url", build_index.url, "--no-header", "--no-annotate"]
    first = run_sula(*args).check()
    assert first.stdout == "dep==1.0\nsrc0==1.0\nsrc1==1.0\nsrc2==1.0\n"
    # Metadata only: no wheel was built (setuptools' prepare_metadata_for_build_wheel hook).
    assert _runs(log) > 0
    before = _runs(log)
    second = run_sula(*args).check()
    assert second.stdout == first.stdout
    assert _runs(log) == before


def test_a_wheel_for_another_platform_gives_the_metadata_and_the_sdist_is_built_to_install(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path) -> None:
    """As uv resolves: a version whose only wheel is for another platform is resolved from that
    wheel's metadata (no backend runs for `pip compile`), and installed from its sdist."""
    log = tmp_path / "backend.log"
    dists = tmp_path / "dists"
    build_index.add(build_wheel(dists, "dep", "1.0"))
    build_index.add(build_wheel(dists, "native", "1.0", requires=["dep"],
                                tag="cp39-cp39-win_amd64"))
    build_index.add(make_sdist(dists, "native", "1.0",
                               setup_py("native", "1.0", log=log, requires=["dep"])))
    (tmp_path / "in.txt").write_text("native\n")
    compiled = run_sula("pip", "compile", str(tmp_path / "in.txt"), "--python", sys.executable,
                        "--index-url", build_index.url, "--no-header", "--no-annotate").check()
    assert compiled.stdout == "dep==1.0\nnative==1.0\n"
    assert not log.exists()  # the windows wheel's metadata: no backend asked
    run_sula("pip", "install", "native", "--python", str(venv / "bin" / "python"),
             "--index-url", build_index.url).check()
    assert _runs(log) > 0  # built from its sdist for this platform
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert {p.name.split("-")[0] for p in site.glob("*.dist-info")} >= {"dep", "native"}


def test_failing_build_names_the_package_and_shows_the_output(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path) -> None:
    files = setup_py("broken", "1.0", log=tmp_path / "log",
                     body="print('compiling the broken part'); raise SystemExit('no compiler here')")
    build_index.add(make_sdist(tmp_path / "dists", "broken", "1.0", files))
    r = run_sula("pip", "install", "broken", "--python", str(venv / "bin" / "python"),
                 "--index-url", build_index.url)
    assert r.exit_code == 1 and "Traceback (most recent call last)" not in r.stderr.split("no compiler")[0]
    assert "`broken==1.0`" in r.stderr
    assert "no compiler here" in r.stderr and "compiling the broken part" in r.stderr
    assert not list((venv / "lib").glob("python3.*/site-packages/broken*"))


def test_no_build_names_the_sdist_only_package(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path) -> None:
    build_index.add(make_sdist(tmp_path / "dists", "onlysrc", "1.0",
                               setup_py("onlysrc", "1.0", log=tmp_path / "log")))
    (tmp_path / "pins.txt").write_text("onlysrc==1.0\n")
    py = ["--python", str(venv / "bin" / "python"), "--index-url", build_index.url]
    r = run_sula("pip", "sync", str(tmp_path / "pins.txt"), "--no-build", *py)
    assert r.exit_code == 1
    assert "onlysrc==1.0" in r.stderr and "--no-build" in r.stderr
    c = run_sula("pip", "install", "onlysrc", "--no-build", *py)
    assert c.exit_code == 1 and "onlysrc" in c.stderr
    assert not (tmp_path / "log").exists()


def test_no_binary_builds_from_the_sdist(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path) -> None:
    log = tmp_path / "log"
    dists = tmp_path / "dists"
    build_index.add(build_wheel(dists, "both", "1.0", files={"both.py": "NAME = 'wheel'\n"}))
    files = setup_py("both", "1.0", log=log)
    files["both.py"] = "NAME = 'built'\n"
    build_index.add(make_sdist(dists, "both", "1.0", files))
    run_sula("pip", "install", "both", "--no-binary", "both", "--python", str(venv / "bin" / "python"),
             "--index-url", build_index.url).check()
    assert _python(venv, "import both; print(both.NAME)") == "built"


def test_build_constraints_reach_the_build_environment(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path) -> None:
    dists = tmp_path / "dists"
    for version in ("1.0", "2.0"):
        build_index.add(build_wheel(dists, "helper", version,
                                    files={"helper.py": f"VERSION = {version!r}\n"}))
    log = tmp_path / "log"
    files = setup_py("uses-helper", "1.0", log=log,
                     body=f"import helper\nopen({str(tmp_path / 'helper.txt')!r}, 'w').write(helper.VERSION)")
    files["pyproject.toml"] = ('[build-system]\nrequires = ["setuptools", "helper"]\n'
                               'build-backend = "setuptools.build_meta"\n')
    build_index.add(make_sdist(dists, "uses-helper", "1.0", files))
    (tmp_path / "build-constraints.txt").write_text("helper<2\n")
    run_sula("pip", "install", "uses-helper", "--build-constraints",
             str(tmp_path / "build-constraints.txt"), "--python", str(venv / "bin" / "python"),
             "--index-url", build_index.url).check()
    assert (tmp_path / "helper.txt").read_text() == "1.0"
    assert _python(venv, "import uses_helper; print(uses_helper.NAME)") == "uses-helper"


def test_url_sdist_compiles_and_installs(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path) -> None:
    log = tmp_path / "log"
    path = make_sdist(tmp_path / "dists", "direct", "3.0", setup_py("direct", "3.0", log=log))
    build_index.add(path)
    url = build_index.file_url(path.name)
    (tmp_path / "in.txt").write_text(f"direct @ {url}\n")
    out = run_sula("pip", "compile", str(tmp_path / "in.txt"), "--python", sys.executable,
                   "--index-url", build_index.url, "--no-header", "--no-annotate").check()
    assert out.stdout == f"direct @ {url}\n"
    run_sula("pip", "install", f"direct @ {url}", "--python", str(venv / "bin" / "python"),
             "--index-url", build_index.url).check()
    assert _python(venv, "import direct; print(direct.NAME)") == "direct"
    local = run_sula("pip", "install", "--reinstall", f"direct @ {path.as_uri()}",
                     "--python", str(venv / "bin" / "python"), "--index-url", build_index.url)
    local.check()
    assert _python(venv, "import direct; print(direct.NAME)") == "direct"


def test_sdist_with_an_escaping_member_is_refused(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path) -> None:
    link = tarfile.TarInfo("evil-1.0/escape")
    link.type = tarfile.SYMTYPE
    link.linkname = "../../../../outside"
    files = setup_py("evil", "1.0", log=tmp_path / "log")
    build_index.add(make_sdist(tmp_path / "dists", "evil", "1.0", files, members=[link]))
    r = run_sula("pip", "install", "evil", "--python", str(venv / "bin" / "python"),
                 "--index-url", build_index.url)
    assert r.exit_code == 1
    assert "evil-1.0.tar.gz" in r.stderr and "evil-1.0/escape" in r.stderr
    assert not (tmp_path / "log").exists()


def test_url_sdist_is_revalidated_by_http_and_rebuilt_only_when_it_changes(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    log = tmp_path / "backend.log"
    # Files with validators but no freshness (the default index sends no caching headers at
    # all; with `immutable` a copy would be used without asking).
    build_index.file_cache_control = None
    build_index.add(build_wheel(tmp_path / "dists", "dep", "1.0"))
    build_index.add(build_wheel(tmp_path / "dists", "newdep", "1.0"))
    served = tmp_path / "served"
    sdist = make_sdist(served, "byurl", "1.0", setup_py("byurl", "1.0", log=log, requires=["dep"]))
    build_index.add(sdist, name="unlisted")
    url = build_index.file_url(sdist.name)
    (tmp_path / "in.txt").write_text(f"byurl @ {url}\n")
    args = ["pip", "compile", str(tmp_path / "in.txt"), "--python", sys.executable,
            "--index-url", build_index.url, "--no-header", "--no-annotate"]
    assert run_sula(*args).check().stdout == f"byurl @ {url}\ndep==1.0\n"
    runs = _runs(log)
    assert runs > 0

    def file_requests() -> list[object]:
        return [r for r in build_index.requests if r.path.endswith(sdist.name)]

    before = len(file_requests())
    # Unchanged: one conditional request answered 304, no backend run.
    assert run_sula(*args).check().stdout == f"byurl @ {url}\ndep==1.0\n"
    assert _runs(log) == runs
    assert [r.status for r in file_requests()[before:]] == [304]  # type: ignore[attr-defined]
    # New bytes at the same URL: a new revision, its metadata built again.
    make_sdist(served, "byurl", "1.0", setup_py("byurl", "1.0", log=log, requires=["newdep"]))
    build_index.add(sdist, name="unlisted")
    revisions = list((tmp_path / "cache").glob("built-wheels-v1/url/*/byurl/*/"))
    assert len(revisions) == 1
    assert run_sula(*args).check().stdout == f"byurl @ {url}\nnewdep==1.0\n"
    assert _runs(log) > runs
    # The old revision is gone; the new one is there.
    after = list((tmp_path / "cache").glob("built-wheels-v1/url/*/byurl/*/"))
    assert len(after) == 1 and after != revisions
    # Offline, the known revision is used without asking.
    count = len(file_requests())
    assert run_sula(*args, "--offline").check().stdout == f"byurl @ {url}\nnewdep==1.0\n"
    assert len(file_requests()) == count


_SCM_PYPROJECTS = {
    "setuptools-scm": ('[build-system]\nrequires = ["setuptools>=64", "setuptools-scm>=8"]\n'
                       'build-backend = "setuptools.build_meta"\n\n[project]\nname = "{name}"\n'
                       'dynamic = ["version"]\ndependencies = ["dep"]\n\n[tool.setuptools_scm]\n'),
    "hatch-vcs": ('[build-system]\nrequires = ["hatchling", "hatch-vcs"]\nbuild-backend = "hatchling.build"\n\n'
                  '[project]\nname = "{name}"\ndynamic = ["version"]\ndependencies = ["dep"]\n\n'
                  '[tool.hatch.version]\nsource = "vcs"\n\n'
                  '[tool.hatch.build.targets.wheel]\npackages = ["{name}"]\n'),
    "pdm-backend": ('[build-system]\nrequires = ["pdm-backend"]\nbuild-backend = "pdm.backend"\n\n'
                    '[project]\nname = "{name}"\nversion = "2.0"\ndependencies = ["dep"]\n'),
}


@pytest.mark.parametrize("backend", ["setuptools", "hatchling", "flit", *_SCM_PYPROJECTS])
def test_sdists_of_each_backend_install_and_import(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, venv: Path, backend: str) -> None:
    """Registry sdists built by each backend (setuptools-scm and hatch-vcs take the version
    from the sdist's PKG-INFO, as they do outside a git work tree)."""
    from fixtures.dists import build_sdist

    name = "viabackend"
    dists = tmp_path / "dists"
    build_index.add(build_wheel(dists, "dep", "1.0"))
    files = {f"{name}/__init__.py": 'KIND = "from the sdist"\n'}
    pyproject = _SCM_PYPROJECTS[backend].format(name=name) if backend in _SCM_PYPROJECTS else None
    sdist = build_sdist(dists, name, "2.0", backend="setuptools" if pyproject else backend,
                        files=files, requires=["dep"], pyproject=pyproject, metadata_version="2.1")
    build_index.add(sdist)
    r = run_sula("pip", "install", name, "--python", str(venv / "bin" / "python"),
                 "--index-url", build_index.url).check()
    assert f"+ {name}==2.0" in r.stderr and "+ dep==1.0" in r.stderr
    assert _python(venv, f"import {name}; print({name}.KIND)") == "from the sdist"


def test_python_api_resolve_builds_sdists(build_index: IndexServer, tmp_path: Path) -> None:
    """`sula.resolve` asks a backend for an sdist's metadata as `pip compile` does."""
    import os

    log = tmp_path / "backend.log"
    build_index.add(build_wheel(tmp_path / "dists", "dep", "1.0"))
    build_index.add(make_sdist(tmp_path / "dists", "apisrc", "1.0",
                               setup_py("apisrc", "1.0", log=log, requires=["dep"])))
    code = (f"import sula; g = sula.resolve(['apisrc'], index_url={build_index.url!r}, "
            f"cache_dir={str(tmp_path / 'cache')!r}); print(sorted(g.pins().items()))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SULA_", "VIRTUAL_ENV"))}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "('apisrc', '1.0')" in out.stdout and "('dep', '1.0')" in out.stdout
    assert _runs(log) > 0
