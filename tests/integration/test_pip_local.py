"""Local projects and editables (issue 11): `pip install ./dir`, `-e ./dir`, `pip compile` of
projects whose metadata only their backend can tell, with the real backends (setuptools,
hatchling, flit-core, pdm-backend) filled into build environments from the local index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from _pip_helpers import make_venv, record_problems, site_of
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel
from fixtures.index import IndexServer

BACKENDS = ("setuptools", "hatchling", "flit-core", "pdm-backend")


def make_project(root: Path, name: str, *, backend: str, version: str = "1.0",
                 dependencies: tuple[str, ...] = (), tests: bool = False) -> Path:
    """A small importable project built by ``backend``: ``<module>.hello()`` returns
    ``"hello"`` and, with ``tests``, a unittest suite that checks it."""
    module = name.replace("-", "_")
    root.mkdir(parents=True, exist_ok=True)
    deps = json.dumps(list(dependencies))
    requires, build_backend, extra = {
        "setuptools": ('"setuptools>=61"', "setuptools.build_meta", ""),
        "hatchling": ('"hatchling"', "hatchling.build",
                      f'[tool.hatch.build.targets.wheel]\npackages = ["src/{module}"]\n'),
        "flit-core": ('"flit_core>=3.4,<4"', "flit_core.buildapi", ""),
        "pdm-backend": ('"pdm-backend"', "pdm.backend", ""),
    }[backend]
    package = root / ("src" if backend in ("hatchling", "pdm-backend", "setuptools") else "") / module
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(
        f'"""The {name} project."""\n__version__ = "{version}"\n\ndef hello():\n    return "hello"\n')
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = [{requires}]
        build-backend = "{build_backend}"

        [project]
        name = "{name}"
        version = "{version}"
        description = "The {name} project."
        dependencies = {deps}
        """) + extra)
    if tests:
        (root / "tests").mkdir(exist_ok=True)
        (root / "tests" / "test_hello.py").write_text(textwrap.dedent(f"""\
            import unittest
            import {module}

            class HelloTest(unittest.TestCase):
                def test_hello(self):
                    self.assertEqual({module}.hello(), "hello")
            """))
    return root


def dynamic_setuptools_project(root: Path, name: str, dependencies: list[str],
                               extras: dict[str, list[str]] | None = None) -> Path:
    """A setuptools project whose dependencies are dynamic (computed in ``setup.py``)."""
    module = name.replace("-", "_")
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text("VALUE = 1\n")
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{name}"
        version = "2.0"
        dynamic = ["dependencies", "optional-dependencies"]
        """))
    (root / "setup.py").write_text(textwrap.dedent(f"""\
        from setuptools import setup
        setup(py_modules=[{module!r}], install_requires={dependencies!r},
              extras_require={extras or {}!r})
        """))
    return root


@pytest.fixture
def build_index(index_server, backend_wheels: Path, tmp_path: Path) -> IndexServer:  # type: ignore[no-untyped-def]
    server: IndexServer = index_server()
    server.add_dir(backend_wheels)
    dists = tmp_path / "dists"
    server.add(build_wheel(dists, "dep", "1.0"))
    server.add(build_wheel(dists, "extra-dep", "1.0"))
    return server


def _py(venv: Path) -> str:
    return str(venv / "bin" / "python")


def _run(venv: Path, code: str, cwd: Path | None = None) -> str:
    return subprocess.run([_py(venv), "-c", code], check=True, capture_output=True, text=True,
                          cwd=cwd).stdout.strip()


@pytest.mark.parametrize("backend", BACKENDS)
def test_install_directory_and_editable_for_each_backend(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path, backend: str) -> None:
    venv = tmp_path / "venv"
    make_venv(venv)
    name = f"proj-{backend}"
    module = name.replace("-", "_")
    project = make_project(tmp_path / name, name, backend=backend, dependencies=("dep",), tests=True)
    common = ["--python", _py(venv), "--index-url", build_index.url]

    # A regular install of the directory: built, its dependency resolved from the index.
    r = run_sula("pip", "install", str(project), *common).check()
    assert f"+ {name}==1.0" in r.stderr and "+ dep==1.0" in r.stderr
    assert _run(venv, f"import {module}; print({module}.hello())") == "hello"
    info = json.loads(next(site_of(venv).glob(f"{module}-1.0.dist-info")).joinpath("direct_url.json").read_text())
    assert info == {"url": project.as_uri(), "dir_info": {}}
    assert record_problems(site_of(venv)) == []

    # Editable: the project's own tests run against it, and an edit shows without reinstalling.
    r = run_sula("pip", "install", "-e", str(project), *common).check()
    assert f" ~ {name}==1.0" in r.stderr  # replaced: same version, now editable
    frozen = run_sula("pip", "freeze", "--python", _py(venv)).check().stdout
    assert f"-e {project.as_uri()}\n" in frozen
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    tests = subprocess.run([_py(venv), "-m", "unittest", "discover", "-s", str(project / "tests")],
                           capture_output=True, text=True, cwd=outside)
    assert tests.returncode == 0, tests.stderr
    init = next(project.glob(f"**/{module}/__init__.py"))
    init.write_text(init.read_text().replace('return "hello"', 'return "edited"'))
    assert _run(venv, f"import {module}; print({module}.hello())", cwd=outside) == "edited"
    listed = run_sula("pip", "list", "--editable", "--python", _py(venv)).check().stdout
    assert name in listed and str(project) in listed
    # An unchanged editable is left alone.
    again = run_sula("pip", "install", "-e", str(project), *common).check()
    assert "+ " not in again.stderr and "~ " not in again.stderr
    # Uninstalling removes it cleanly (the editable's .pth or finder goes too).
    run_sula("pip", "uninstall", name, "--python", _py(venv)).check()
    gone = subprocess.run([_py(venv), "-c", f"import {module}"], capture_output=True, cwd=outside)
    assert gone.returncode != 0
    assert not [p for p in site_of(venv).iterdir() if module in p.name.lower()]


def test_reinstall_of_a_directory_is_a_link_step_until_it_changes(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    project = make_project(tmp_path / "stamp", "stamp", backend="hatchling")
    common = ["--index-url", build_index.url]
    first, second = tmp_path / "v1", tmp_path / "v2"
    make_venv(first)
    make_venv(second)
    run_sula("pip", "install", str(project), "--python", _py(first), *common).check()
    wheels = list((tmp_path / "cache").glob("built-wheels-v1/path/*/*/stamp/stamp-1.0-*"))
    assert len(wheels) == 1
    # Unchanged: the same installation again does nothing, another env links the cached wheel.
    again = run_sula("pip", "install", str(project), "--python", _py(first), *common).check()
    assert "+ " not in again.stderr and "~ " not in again.stderr
    run_sula("pip", "install", str(project), "--python", _py(second), *common).check()
    assert len(list((tmp_path / "cache").glob("built-wheels-v1/path/*/*/stamp/stamp-1.0-*"))) == 1
    # A changed source file: rebuilt and reinstalled.
    time.sleep(0.01)
    init = project / "src" / "stamp" / "__init__.py"
    init.write_text(init.read_text().replace('"hello"', '"changed"'))
    r = run_sula("pip", "install", str(project), "--python", _py(first), *common).check()
    assert "~ stamp==1.0" in r.stderr
    assert _run(first, "import stamp; print(stamp.hello())") == "changed"
    assert _run(second, "import stamp; print(stamp.hello())") == "hello"


def test_requirements_file_names_directories(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    make_project(tmp_path / "reqs" / "libs" / "alpha", "alpha", backend="setuptools", dependencies=("dep",))
    make_project(tmp_path / "reqs" / "libs" / "beta", "beta", backend="flit-core")
    dynamic_setuptools_project(tmp_path / "reqs" / "libs" / "gamma", "gamma", ["extra-dep"])
    req = tmp_path / "reqs" / "requirements.in"
    req.write_text("./libs/alpha\n-e ./libs/beta\ngamma @ ./libs/gamma\n")
    # Relative to the current directory, as pip and uv read them; written as given, editables
    # first, as uv writes them.
    out = run_sula("pip", "compile", str(req), "--python", sys.executable, "--index-url", build_index.url,
                   "--no-header", "--no-annotate", cwd=req.parent).check().stdout
    assert out.splitlines() == [
        "-e ./libs/beta", "./libs/alpha", "dep==1.0", "extra-dep==1.0", "./libs/gamma",
    ]
    venv = tmp_path / "venv"
    make_venv(venv)
    run_sula("pip", "install", "-r", str(req), "--python", _py(venv), "--index-url", build_index.url,
             cwd=req.parent).check()
    assert _run(venv, "import alpha, beta, gamma, dep, extra_dep; print(beta.hello())") == "hello"


def test_sync_installs_directories_and_an_unchanged_sync_does_nothing(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    make_project(tmp_path / "app", "app", backend="pdm-backend", dependencies=("dep",))
    make_project(tmp_path / "lib", "lib", backend="hatchling")
    req = tmp_path / "requirements.txt"
    req.write_text("-e ./app\n./lib\ndep==1.0\n")
    venv = tmp_path / "venv"
    make_venv(venv)
    args = ["pip", "sync", str(req), "--python", _py(venv), "--index-url", build_index.url]
    r = run_sula(*args, cwd=tmp_path).check()
    assert "+ app==1.0" in r.stderr and "+ lib==1.0" in r.stderr and "+ dep==1.0" in r.stderr
    assert _run(venv, "import app, lib; print(app.hello(), lib.hello())") == "hello hello"
    again = run_sula(*args, cwd=tmp_path).check()
    assert "+ " not in again.stderr and "- " not in again.stderr and "~ " not in again.stderr
    # Taking the editable out of the file removes it.
    req.write_text("./lib\ndep==1.0\n")
    r = run_sula(*args, cwd=tmp_path).check()
    assert "- app==1.0" in r.stderr
    assert not [p for p in site_of(venv).iterdir() if p.name.startswith(("app", "__editable__.app"))]


def test_compile_a_project_with_dynamic_dependencies_and_extras(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    project = dynamic_setuptools_project(tmp_path / "dyn", "dyn", ["dep"], {"more": ["extra-dep"]})
    common = ["--python", sys.executable, "--index-url", build_index.url, "--no-header", "--no-annotate"]
    out = run_sula("pip", "compile", str(project / "pyproject.toml"), *common).check().stdout
    assert out == "dep==1.0\n"
    out = run_sula("pip", "compile", str(project / "pyproject.toml"), "--extra", "more", *common).check().stdout
    assert out == "dep==1.0\nextra-dep==1.0\n"
    out = run_sula("pip", "compile", str(project / "setup.py"), "--all-extras", *common).check().stdout
    assert out == "dep==1.0\nextra-dep==1.0\n"
    # A setup.cfg project (no pyproject.toml: setuptools' legacy backend).
    cfg = tmp_path / "cfgproj"
    cfg.mkdir()
    (cfg / "cfgproj.py").write_text("")
    (cfg / "setup.cfg").write_text(textwrap.dedent("""\
        [metadata]
        name = cfgproj
        version = 0.1

        [options]
        py_modules = cfgproj
        install_requires = dep

        [options.extras_require]
        more = extra-dep
        """))
    (cfg / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    out = run_sula("pip", "compile", str(cfg / "setup.cfg"), "--extra", "more", *common).check().stdout
    assert out == "dep==1.0\nextra-dep==1.0\n"


def test_errors_name_the_source(run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    make_venv(venv)
    common = ["--python", _py(venv), "--index-url", build_index.url]
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_sula("pip", "install", str(empty), *common)
    assert r.exit_code == 2 or r.exit_code == 1
    assert str(empty) in r.stderr and "not a Python project" in r.stderr
    assert "Traceback" not in r.stderr
    missing = tmp_path / "missing"
    r = run_sula("pip", "install", str(missing), *common)
    assert r.exit_code != 0 and "missing" in r.stderr and "Traceback" not in r.stderr
    broken = make_project(tmp_path / "broken", "broken", backend="setuptools")
    (broken / "setup.py").write_text("raise SystemExit('this project cannot be built here')\n")
    r = run_sula("pip", "install", str(broken), *common)
    assert r.exit_code == 1 and "this project cannot be built here" in r.stderr
    assert str(broken.as_uri()) in r.stderr or str(broken) in r.stderr
    assert not list(site_of(venv).glob("broken*"))
    # A name that is not the project's.
    other = make_project(tmp_path / "other", "other", backend="hatchling")
    r = run_sula("pip", "install", f"wrong @ {other.as_uri()}", *common)
    assert r.exit_code == 1 and "`wrong`" in r.stderr and "`other`" in r.stderr


def test_python_api_installs_an_editable(build_index: IndexServer, tmp_path: Path) -> None:
    code = textwrap.dedent(f"""\
        import sula
        sula.install([], editables=[{str(make_project(tmp_path / 'api', 'api-proj', backend='hatchling'))!r}],
                     python={str(tmp_path / 'venv' / 'bin' / 'python')!r},
                     index_url={build_index.url!r}, cache_dir={str(tmp_path / 'cache')!r})
        """)
    make_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SULA_", "VIRTUAL_ENV"))}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True, text=True)
    assert _run(tmp_path / "venv", "import api_proj; print(api_proj.hello())") == "hello"


def test_extras_file_urls_and_named_directories(
        run_sula: SulaRunner, build_index: IndexServer, tmp_path: Path) -> None:
    project = make_project(tmp_path / "withextra", "withextra", backend="setuptools")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[project.optional-dependencies]\nmore = ["extra-dep"]\n')
    venv = tmp_path / "venv"
    make_venv(venv)
    common = ["--python", _py(venv), "--index-url", build_index.url]
    r = run_sula("pip", "install", "./withextra[more]", *common, cwd=tmp_path).check()
    assert "+ withextra==1.0" in r.stderr and "+ extra-dep==1.0" in r.stderr
    other = tmp_path / "other"
    make_venv(other)
    r = run_sula("pip", "install", f"withextra @ {project.as_uri()}", "--python", _py(other),
                 "--index-url", build_index.url).check()
    assert "+ withextra==1.0" in r.stderr and "extra-dep" not in r.stderr
    # `.` is the current directory's project.
    third = tmp_path / "third"
    make_venv(third)
    run_sula("pip", "install", ".", "--python", _py(third), "--index-url", build_index.url,
             cwd=project).check()
    assert _run(third, "import withextra; print(withextra.hello())") == "hello"
