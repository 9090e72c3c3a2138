"""SourceBuild with real backends in real isolated environments (nothing mocked): setuptools,
a setup.py-only project, hatchling, flit-core, pdm-backend; and an in-tree backend for missing
hooks, config settings, environments, failures, concurrency and clean-up."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.builds import PipBuildContext, inline_project, write_tree

from sula._archive import extract_sdist
from sula.builder import (
    BackendFailedError,
    BackendUnavailableError,
    BuildEnvironmentError,
    InvalidBuildSystemError,
    MissingBackendHookError,
    SourceBuild,
    read_build_system,
)
from sula.context import BuildKind
from sula.errors import format_chain

MakeContext = Callable[..., PipBuildContext]


async def _metadata_and_wheel(
    tree: Path, context: PipBuildContext, out: Path, *, package: str, kind: BuildKind = BuildKind.WHEEL
) -> tuple[Path | None, Path]:
    build = await SourceBuild.setup(tree, context=context, package=package, kind=kind)
    try:
        return await build.metadata(out / "meta"), await build.wheel(out / "wheel")
    finally:
        await build.close()


def _wheel_metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return zf.read(name).decode()


def _field(metadata: str, key: str) -> str:
    return next(line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith(f"{key}: "))


PDM_PYPROJECT = """\
[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"

[project]
name = "viapdm"
version = "0.3.0"
description = "built by pdm-backend"
dependencies = ["attrs>=20"]
"""


@pytest.mark.parametrize("backend", ["setuptools", "hatchling", "flit", "pdm"])
def test_real_backend_sdist_metadata_and_wheel(
    backend: str, sdist_factory, make_context: MakeContext, tmp_path: Path
) -> None:
    name = f"via{backend}"
    if backend == "pdm":
        sdist = sdist_factory(name, "0.3.0", pyproject=PDM_PYPROJECT,
                              files={"src/viapdm/__init__.py": "X = 1\n"})
    else:
        sdist = sdist_factory(name, "0.3.0", backend=backend, requires=["attrs>=20"])
    tree = extract_sdist(sdist, tmp_path / "src")
    context = make_context()
    dist_info, wheel = asyncio.run(
        _metadata_and_wheel(tree, context, tmp_path / "out", package=f"{name}==0.3.0")
    )
    assert dist_info is not None and dist_info.name == f"{name}-0.3.0.dist-info"
    meta = (dist_info / "METADATA").read_text()
    assert _field(meta, "Name") == name
    assert "attrs>=20" in _field(meta, "Requires-Dist").replace(" ", "")
    assert wheel.name.startswith(f"{name}-0.3.0-") and wheel.name.endswith("-none-any.whl")
    assert _field(_wheel_metadata(wheel), "Version") == "0.3.0"
    # build-system.requires went to the installer, into the build's own environment.
    (requires, venv, package), *_ = context.installs
    assert requires == list(read_build_system(tree).requires)
    assert package == f"{name}==0.3.0"
    assert venv.parent.parent == context.cache.temp_root
    assert not venv.exists()  # close() removed it


def test_setup_py_only_project_builds_with_legacy_setuptools(
    make_context: MakeContext, tmp_path: Path
) -> None:
    tree = write_tree(tmp_path / "legacy-2.0", {
        "setup.py": """
            from setuptools import setup
            setup(name="legacy", version="2.0", py_modules=["legacy"], install_requires=["six"])
        """,
        "legacy.py": "VALUE = 2\n",
    })
    context = make_context()
    dist_info, wheel = asyncio.run(
        _metadata_and_wheel(tree, context, tmp_path / "out", package="legacy==2.0")
    )
    assert context.installs[0][0] == ["setuptools>=40.8.0"]
    assert dist_info is not None and _field((dist_info / "METADATA").read_text(), "Name") == "legacy"
    assert wheel.name == "legacy-2.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("legacy.py") == b"VALUE = 2\n"


def test_backend_without_prepare_metadata_hook(make_context: MakeContext, tmp_path: Path) -> None:
    tree = inline_project(tmp_path / "tree", name="nohook")
    dist_info, wheel = asyncio.run(
        _metadata_and_wheel(tree, make_context(), tmp_path / "out", package="nohook==1.0")
    )
    assert dist_info is None
    assert wheel.name == "nohook-1.0-py3-none-any.whl"
    # No install happened for an empty `requires`, and no fallback build for the metadata.
    assert [line.split()[0] for line in (tree / "events.log").read_text().splitlines()] == [
        "start", "end",
    ]


def test_config_settings_reach_the_backend(make_context: MakeContext, tmp_path: Path) -> None:
    tree = inline_project(tmp_path / "tree", prepare_metadata=True)
    settings = {"--build-option": ["--a", "--b"], "mode": "fast"}
    context = make_context(config_settings=settings)
    dist_info, wheel = asyncio.run(
        _metadata_and_wheel(tree, context, tmp_path / "out", package="inline==1.0")
    )
    assert dist_info is not None
    assert json.loads(_field((dist_info / "METADATA").read_text(), "X-Config")) == settings
    assert json.loads(_field(_wheel_metadata(wheel), "X-Config")) == settings


def test_isolated_environment_of_the_hooks(
    make_context: MakeContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "leak"))
    tree = inline_project(tmp_path / "tree")

    async def run() -> Path:
        build = await SourceBuild.setup(tree, context=make_context(), package="inline==1.0")
        try:
            assert build.isolated and build.environment is not None
            await build.wheel(tmp_path / "out")
            return build.environment
        finally:
            await build.close()

    env_root = asyncio.run(run())
    seen = json.loads((tree / "build_env.json").read_text())
    assert Path(seen["prefix"]) == env_root
    assert seen["env"]["VIRTUAL_ENV"] == str(env_root)
    assert seen["env"]["PATH"].split(os.pathsep)[0] == str(env_root / "bin")
    assert seen["env"]["PYTHONNOUSERSITE"] == "1"
    assert seen["env"]["PYTHONPATH"] is None


def test_non_isolated_build_uses_the_target_interpreter(
    make_context: MakeContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test venv has setuptools: a real setuptools build, nothing installed.
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "kept"))
    tree = write_tree(tmp_path / "tree", {
        "pyproject.toml": """
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "noiso"
            version = "1.5"
        """,
        "noiso.py": "",
    })
    context = make_context(no_build_isolation=True)
    dist_info, wheel = asyncio.run(
        _metadata_and_wheel(tree, context, tmp_path / "out", package="noiso==1.5")
    )
    assert context.installs == []
    assert dist_info is not None and wheel.name == "noiso-1.5-py3-none-any.whl"
    inline = inline_project(tmp_path / "inline")

    async def where() -> None:
        build = await SourceBuild.setup(inline, context=context, package="inline==1.0")
        try:
            assert not build.isolated
            await build.wheel(tmp_path / "out2")
        finally:
            await build.close()

    asyncio.run(where())
    seen = json.loads((inline / "build_env.json").read_text())
    assert Path(seen["prefix"]) == Path(sys.prefix)
    assert seen["env"]["VIRTUAL_ENV"] == sys.prefix
    assert seen["env"]["PYTHONPATH"] == str(tmp_path / "kept")


def test_no_build_isolation_package_only_for_that_name(
    make_context: MakeContext, tmp_path: Path
) -> None:
    from packaging.utils import canonicalize_name

    context = make_context(no_build_isolation_packages=frozenset({canonicalize_name("Inline")}))
    tree = inline_project(tmp_path / "tree")

    async def isolated(name: str) -> bool:
        build = await SourceBuild.setup(
            tree, context=context, package=name, name=canonicalize_name(name)
        )
        try:
            return build.isolated
        finally:
            await build.close()

    assert asyncio.run(isolated("inline")) is False
    assert asyncio.run(isolated("other")) is True


def test_get_requires_additions_installed_only_when_new(
    make_context: MakeContext, tmp_path: Path
) -> None:
    context = make_context()
    adds = inline_project(tmp_path / "adds", requires=["wheel"], extra_requires=["flit-core>=3"])
    same = inline_project(tmp_path / "same", requires=["flit-core"], extra_requires=["flit_core>=3"])
    skipped = inline_project(
        tmp_path / "marker", requires=["wheel"], extra_requires=['flit-core; python_version < "3"']
    )

    async def setup(tree: Path) -> None:
        build = await SourceBuild.setup(tree, context=context, package=tree.name)
        await build.close()

    asyncio.run(setup(adds))
    assert [reqs for reqs, _, _ in context.installs] == [["wheel"], ["wheel", "flit-core>=3"]]
    context.installs.clear()
    asyncio.run(setup(same))
    asyncio.run(setup(skipped))
    assert [reqs for reqs, _, _ in context.installs] == [["flit-core"], ["wheel"]]


def test_editable_kind_uses_the_editable_hooks(make_context: MakeContext, tmp_path: Path) -> None:
    context = make_context()
    tree = inline_project(tmp_path / "tree", editable=True, editable_requires=["flit-core"])
    _, wheel = asyncio.run(
        _metadata_and_wheel(tree, context, tmp_path / "out", package="inline", kind=BuildKind.EDITABLE)
    )
    assert wheel.name == "inline-1.0-py3-none-any.whl"
    assert [reqs for reqs, _, _ in context.installs] == [["flit-core"]]

    plain = inline_project(tmp_path / "plain")
    with pytest.raises(MissingBackendHookError) as exc:
        asyncio.run(_metadata_and_wheel(
            plain, context, tmp_path / "out3", package="plain", kind=BuildKind.EDITABLE
        ))
    assert exc.value.hook == "build_editable"
    assert "PEP 660" in str(exc.value)


def test_failing_setup_py_names_package_and_shows_output_tail(
    make_context: MakeContext, tmp_path: Path
) -> None:
    tree = write_tree(tmp_path / "failing-1.0", {
        "setup.py": """
            for i in range(100):
                print(f"setup line {i}")
            raise RuntimeError("boom in setup.py")
        """,
    })
    with pytest.raises(BackendFailedError) as exc:
        asyncio.run(_metadata_and_wheel(tree, make_context(), tmp_path / "out", package="failing==1.0"))
    err = exc.value
    assert err.package == "failing==1.0"
    assert err.hook == "get_requires_for_build_wheel"
    assert err.exit_code == 1
    assert len(err.output_tail) == 40
    assert err.output_tail[-1] == "RuntimeError: boom in setup.py"
    lines = format_chain(err)
    assert lines[0] == "error: Failed to build `failing==1.0`"
    assert lines[1] == "  Caused by: The build backend returned an error"
    assert lines[2] == (
        "  Caused by: Call to `setuptools.build_meta:__legacy__.get_requires_for_build_wheel` "
        "failed (exit status: 1)"
    )
    text = "\n".join(lines)
    assert "  RuntimeError: boom in setup.py" in text
    assert "setup line 99" in text
    assert "setup line 0\n" not in text  # only the tail
    assert "(last 40 of" in text
    # The environment was removed although setup() failed.
    assert list(make_context().cache.temp_root.iterdir()) == []


def test_failing_metadata_hook_says_metadata(make_context: MakeContext, tmp_path: Path) -> None:
    tree = inline_project(tmp_path / "tree", prepare_metadata=True, fail_metadata=True)
    with pytest.raises(BackendFailedError) as exc:
        asyncio.run(_metadata_and_wheel(tree, make_context(), tmp_path / "out", package="inline==1.0"))
    assert str(exc.value) == "Failed to prepare metadata for `inline==1.0`"
    assert exc.value.exit_code == 3
    assert exc.value.output_tail == ("cannot prepare metadata",)


def test_failing_build_wheel(
    make_context: MakeContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The backend prints to stdout without flushing and to stderr between: the merged output
    # keeps that order only because the frontend makes the hook's stdout unbuffered.
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    tree = inline_project(tmp_path / "tree", fail_lines=3)
    with pytest.raises(BackendFailedError) as exc:
        asyncio.run(_metadata_and_wheel(tree, make_context(), tmp_path / "out", package="inline==1.0"))
    assert str(exc.value) == "Failed to build `inline==1.0`"
    assert exc.value.hook == "build_wheel"
    assert exc.value.output_tail[:6] == (
        "backend line 0", "stderr line 0", "backend line 1", "stderr line 1",
        "backend line 2", "stderr line 2",
    )
    assert exc.value.output_tail[-1] == "RuntimeError: the inline backend failed on purpose"


C_EXT_SETUP = """
    from setuptools import Extension, setup
    setup(name="cext", version="0.1", ext_modules=[Extension("cext", ["cext.c"])])
"""


def test_missing_compiler_hint(
    make_context: MakeContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC", str(tmp_path / "no-such-dir" / "gcc"))
    tree = write_tree(tmp_path / "cext", {"setup.py": C_EXT_SETUP, "cext.c": "int x;\n"})
    with pytest.raises(BackendFailedError) as exc:
        asyncio.run(_metadata_and_wheel(tree, make_context(), tmp_path / "out", package="cext==0.1"))
    assert exc.value.hook == "build_wheel", exc.value.output_tail
    assert exc.value.build_hint == (
        f"the compiler `{tmp_path / 'no-such-dir' / 'gcc'}` was not found: install a C compiler "
        "(`gcc` or `clang`) to build `cext==0.1`"
    )
    assert format_chain(exc.value)[-1] == f"  hint: {exc.value.build_hint}"


def test_missing_header_hint(make_context: MakeContext, tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "cext", {
        "setup.py": C_EXT_SETUP,
        "cext.c": "#include <sula_no_such_lib.h>\nint x;\n",
    })
    with pytest.raises(BackendFailedError) as exc:
        asyncio.run(_metadata_and_wheel(tree, make_context(), tmp_path / "out", package="cext==0.1"))
    assert exc.value.build_hint is not None
    assert exc.value.build_hint.startswith(
        "`sula_no_such_lib.h` is missing: install the development headers"
    )


def test_backend_that_cannot_be_imported(make_context: MakeContext, tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tree", {
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "no_such_backend.api"\n',
    })
    with pytest.raises(BackendUnavailableError) as exc:
        asyncio.run(_metadata_and_wheel(tree, make_context(), tmp_path / "out", package="x==1"))
    text = str(exc.value)
    assert text.startswith("Failed to build `x==1`: build backend `no_such_backend.api` cannot be imported")
    assert "No module named 'no_such_backend'" in text
    assert "`build-system.requires` lists nothing" in text


def test_failed_requirement_install_is_wrapped(make_context: MakeContext, tmp_path: Path) -> None:
    tree = inline_project(tmp_path / "tree", requires=["sula-no-such-backend-package"])
    with pytest.raises(BuildEnvironmentError) as exc:
        asyncio.run(_metadata_and_wheel(tree, make_context(), tmp_path / "out", package="x==1"))
    assert str(exc.value) == "Failed to install the build requirements for `x==1`"
    assert "sula-no-such-backend-package" in str(exc.value.__cause__)


def test_backend_path_outside_tree_refused(make_context: MakeContext, tmp_path: Path) -> None:
    tree = inline_project(tmp_path / "tree")
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["../"]\n'
    )
    with pytest.raises(InvalidBuildSystemError):
        asyncio.run(_metadata_and_wheel(tree, make_context(), tmp_path / "out", package="x"))


def _intervals(tree: Path) -> tuple[float, float]:
    events = dict(line.split() for line in (tree / "events.log").read_text().splitlines())
    return float(events["start"]), float(events["end"])


@pytest.mark.parametrize("concurrency", [1, 2])
def test_concurrency_limit(make_context: MakeContext, tmp_path: Path, concurrency: int) -> None:
    context = make_context(concurrency=concurrency)
    trees = [inline_project(tmp_path / f"t{i}", name=f"p{i}", sleep=0.6) for i in range(2)]

    async def build_all() -> None:
        builds = await asyncio.gather(
            *(SourceBuild.setup(t, context=context, package=t.name) for t in trees)
        )
        try:
            await asyncio.gather(*(b.wheel(tmp_path / "out" / b.package) for b in builds))
        finally:
            await asyncio.gather(*(b.close() for b in builds))

    asyncio.run(build_all())
    (_s0, e0), (s1, _e1) = sorted(_intervals(t) for t in trees)
    if concurrency == 1:
        assert s1 >= e0, "two builds ran at once with concurrency 1"
    else:
        assert s1 < e0, "the builds did not overlap with concurrency 2"


def test_verbose_streams_lines_to_the_log(
    make_context: MakeContext, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tree = inline_project(tmp_path / "tree", fail_lines=2)
    caplog.set_level(logging.INFO, logger="sula.builder")
    for verbose in (False, True):
        caplog.clear()
        with pytest.raises(BackendFailedError):
            asyncio.run(_metadata_and_wheel(
                tree, make_context(verbose=verbose), tmp_path / "out", package="inline==1.0"
            ))
        messages = [r.getMessage() for r in caplog.records if r.name == "sula.builder"]
        if verbose:
            assert messages[:2] == ["inline==1.0: backend line 0", "inline==1.0: stderr line 0"]
        else:
            assert messages == []


def test_close_removes_the_environment(make_context: MakeContext, tmp_path: Path) -> None:
    temp_root = tmp_path / "builds"
    tree = inline_project(tmp_path / "tree")

    async def run() -> Path:
        build = await SourceBuild.setup(
            tree, context=make_context(), package="inline", temp_root=temp_root
        )
        assert build.environment is not None and (build.environment / "pyvenv.cfg").is_file()
        assert build.environment.parent.parent == temp_root
        await build.close()
        await build.close()  # twice is harmless
        return build.environment

    env = asyncio.run(run())
    assert not env.exists()
    assert list(temp_root.iterdir()) == []


@pytest.mark.parametrize("minor", ["3.8", "3.10", "3.13"])
def test_isolated_build_for_another_python(
    make_context: MakeContext, tmp_path: Path, minor: str, require_python, cache
) -> None:
    # The build env is made for the context's interpreter, whatever Python runs sula.
    from sula.interpreter import query_interpreter

    context = make_context()
    context._interpreter = query_interpreter(require_python(minor), cache=cache)
    tree = inline_project(tmp_path / "tree")
    _, wheel = asyncio.run(_metadata_and_wheel(tree, context, tmp_path / "out", package="inline"))
    assert wheel.is_file()
    assert json.loads((tree / "build_env.json").read_text())["python"] == minor
