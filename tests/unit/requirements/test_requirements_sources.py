"""pyproject.toml inputs, from_sources dispatch, and the benchmark requirements files."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from fixtures.timing import best_cpu_seconds

from sula.requirements import (
    PyprojectError,
    RegistryRequirement,
    RequirementsError,
    UnknownExtraError,
    UrlKind,
    UrlRequirement,
    from_sources,
    parse_requirement,
    parse_requirements_file,
    read_pyproject,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "requirements"
PROJECT = DATA / "project" / "pyproject.toml"
BENCH = DATA / "bench"


def names(entries: tuple[object, ...]) -> list[str | None]:
    return [e.requirement.name for e in entries]  # type: ignore[attr-defined]


# pyproject.toml ------------------------------------------------------------------------------


def test_pyproject_dependencies() -> None:
    spec = read_pyproject(PROJECT)
    assert names(spec.requirements) == ["requests", "tomli"]
    first = spec.requirements[0]
    assert first.origin.line == 5 and first.origin.path == PROJECT
    tomli = spec.requirements[1].requirement
    assert isinstance(tomli, RegistryRequirement)
    assert str(tomli.marker) == 'python_version < "3.11"'


def test_pyproject_selected_extras_normalized() -> None:
    spec = read_pyproject(PROJECT, extras=["docs"])
    assert names(spec.requirements) == ["requests", "tomli", "sphinx"]


def test_pyproject_self_referencing_extra_pulls_in_its_extras() -> None:
    spec = read_pyproject(PROJECT, extras=["dev"])
    assert names(spec.requirements) == ["requests", "tomli", "pytest", "pysocks"]


def test_pyproject_all_extras() -> None:
    spec = read_pyproject(PROJECT, all_extras=True)
    assert sorted(n or "" for n in names(spec.requirements)) == [
        "pysocks", "pytest", "requests", "sphinx", "tomli",
    ]
    assert names(spec.requirements).count("pysocks") == 1


def test_pyproject_unknown_extra() -> None:
    with pytest.raises(UnknownExtraError) as info:
        read_pyproject(PROJECT, extras=["nope"])
    assert str(info.value) == (
        f"Requested extra `nope` is not defined in `{PROJECT}` (defined: `socks`, `Dev`, `docs`)"
    )


@pytest.mark.parametrize("field", ["dependencies", "optional-dependencies"])
def test_pyproject_dynamic_dependencies_become_the_project_itself(tmp_path: Path, field: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "x"\nversion = "1"\ndynamic = ["{field}"]\n')
    spec = read_pyproject(path, ["dev"])
    (entry,) = spec.requirements
    req = entry.requirement
    assert isinstance(req, UrlRequirement) and req.kind is UrlKind.DIRECTORY
    assert req.name is None and req.path == tmp_path and req.extras == {"dev"}
    assert entry.dependencies_only and not entry.all_extras and entry.origin.path == path


def test_pyproject_without_project_table(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.poetry]\nname = 'x'\n")
    (entry,) = read_pyproject(path, all_extras=True).requirements
    assert entry.dependencies_only and entry.all_extras


def test_pyproject_invalid_toml_and_bad_types(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[project\n")
    with pytest.raises(PyprojectError, match="not valid TOML"):
        read_pyproject(path)
    path.write_text('[project]\nname = "x"\ndependencies = "requests"\n')
    with pytest.raises(PyprojectError, match="must be a list of strings"):
        read_pyproject(path)


def test_pyproject_bad_dependency_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\ndependencies = [\n  "ok",\n  "bad >=",\n]\n')
    with pytest.raises(RequirementsError) as info:
        read_pyproject(path, name="pyproject.toml")
    assert str(info.value).splitlines()[0] == (
        "Couldn't parse requirement in `pyproject.toml` at line 5"
    )


def test_pyproject_url_dependency(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "x"\ndependencies = ["lib @ git+https://code.example/lib.git@v2"]\n'
    )
    req = read_pyproject(path).requirements[0].requirement
    assert isinstance(req, UrlRequirement)
    assert (req.kind, req.name, req.reference) == (UrlKind.GIT, "lib", "v2")


# from_sources --------------------------------------------------------------------------------


def test_from_sources_combines_every_input(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "reqs.in").write_text("attrs\n--extra-index-url https://x.example/simple\n")
    (tmp_path / "cons.txt").write_text("attrs<24\n")
    (tmp_path / "over.txt").write_text("six==1.16\n")
    shutil.copy(PROJECT, tmp_path / "pyproject.toml")
    spec = from_sources(
        requirements=["reqs.in", "pyproject.toml"],
        constraints=["cons.txt"],
        overrides=["over.txt"],
        packages=["click>=8", "./pkg"],
        editables=["./pkg"],
        extras=["socks"],
        working_dir=tmp_path,
        environ={},
    )
    assert names(spec.requirements) == ["click", None, "attrs", "requests", "tomli", "pysocks"]
    assert [e.origin.name for e in spec.requirements][:3] == [
        "command line", "command line", "reqs.in",
    ]
    assert names(spec.editables) == [None] and spec.editables[0].editable
    assert names(spec.constraints) == ["attrs"]
    assert names(spec.overrides) == ["six"]
    assert [u.url for u in spec.extra_index_urls] == ["https://x.example/simple"]


def test_from_sources_stdin(tmp_path: Path) -> None:
    spec = from_sources(
        requirements=["-"], working_dir=tmp_path, stdin=io.StringIO("six\n"), environ={}
    )
    assert names(spec.requirements) == ["six"]
    assert spec.requirements[0].origin.name == "-"


@pytest.mark.parametrize("name", ["setup.py", "setup.cfg", "sub/setup.py"])
def test_from_sources_reads_setup_files_as_their_project(tmp_path: Path, name: str) -> None:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text("")
    spec = from_sources(requirements=[name], extras=["more"], working_dir=tmp_path)
    (entry,) = spec.requirements
    req = entry.requirement
    assert isinstance(req, UrlRequirement) and req.path == (tmp_path / name).parent
    assert entry.dependencies_only and req.extras == {"more"} and entry.origin.name == name
    with pytest.raises(RequirementsError, match="File not found"):
        from_sources(requirements=["other/setup.py"], working_dir=tmp_path)


def test_from_sources_extras_need_a_pyproject(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("six\n")
    with pytest.raises(RequirementsError, match="requires a `pyproject"):
        from_sources(requirements=["r.txt"], all_extras=True, working_dir=tmp_path)


def test_from_sources_constraints_must_be_requirements_files(tmp_path: Path) -> None:
    with pytest.raises(RequirementsError, match="Constraints must be given in a requirements"):
        from_sources(constraints=["pyproject.toml"], working_dir=tmp_path)


def test_from_sources_override_must_be_named(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "over.txt").write_text("./pkg\n")
    with pytest.raises(RequirementsError, match="not allowed as an override"):
        from_sources(overrides=["over.txt"], working_dir=tmp_path)


def test_parse_requirement_for_callers(tmp_path: Path) -> None:
    req = parse_requirement("demo[x] @ ./pkg", working_dir=tmp_path)
    assert isinstance(req, UrlRequirement) and req.path == tmp_path / "pkg"
    assert str(req) == "demo[x] @ ./pkg"
    assert str(parse_requirement("Demo >= 1 ; os_name == 'nt'")) == 'demo>=1; os_name == "nt"'


# The benchmark inputs ------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(BENCH.iterdir()), ids=lambda p: p.name)
def test_parses_every_benchmark_file(path: Path) -> None:
    spec = parse_requirements_file(path, environ={})
    assert spec.requirements
    assert all(e.requirement.name for e in spec.requirements)


def test_large_file_is_fast() -> None:
    path = BENCH / "home-assistant.in"
    spec, elapsed = best_cpu_seconds(lambda: parse_requirements_file(path, environ={}))
    assert len(spec.requirements) > 1000
    # About 25 ms on the reference machine; the bound leaves room for a loaded CI runner.
    assert elapsed < 0.5, f"{elapsed * 1000:.0f} ms for {len(spec.requirements)} requirements"


def test_shared_benchmark_directory_if_present() -> None:
    shared = Path("/work/shared/bench/requirements")
    if not shared.is_dir():
        pytest.skip("the shared benchmark directory exists only on the development machine")
    for path in sorted(shared.iterdir()):
        assert parse_requirements_file(path, environ={}).requirements


def test_hashed_lock_file_is_fast(tmp_path: Path) -> None:
    lines = [
        f"package-{i}==1.{i}.0 \\\n"
        f"    --hash=sha256:{i:064x} \\\n"
        f"    --hash=sha256:{i + 1:064x}\n"
        "    # via -r requirements.in\n"
        for i in range(1000)
    ]
    path = tmp_path / "requirements.txt"
    path.write_text("".join(lines))
    spec, elapsed = best_cpu_seconds(lambda: parse_requirements_file(path, environ={}))
    assert len(spec.requirements) == 1000
    assert spec.requirements[999].hashes == (f"sha256:{999:064x}", f"sha256:{1000:064x}")
    # About 25 ms for these 4,000 lines on the reference machine.
    assert elapsed < 0.5, f"{elapsed * 1000:.0f} ms"
