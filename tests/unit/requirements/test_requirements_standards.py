"""PEP 735 dependency groups and PEP 723 inline script metadata as requirements sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from sula.requirements import RequirementsError, RequirementsFileError, from_sources
from sula.requirements.groups import (
    DependencyGroupError,
    GroupCycleError,
    UnknownGroupError,
    parse_group_request,
)
from sula.requirements.script import ScriptMetadataError, ScriptPythonError, check_requires_python

PYPROJECT = """\
[project]
name = "proj"
version = "0.1"
dependencies = ["own-dep"]

[dependency-groups]
Test = ["pytest>=8", {include-group = "lint"}, "coverage ; python_version >= '3.9'"]
lint = ["ruff"]
docs = ["sphinx", {include-group = "TEST"}]
"""


def _given(spec: object) -> list[str]:
    return [str(e.requirement) for e in spec.requirements]  # type: ignore[attr-defined]


def test_group_with_include_and_normalized_names(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    spec = from_sources(groups=["test"], working_dir=tmp_path)
    # The group only: the project's own dependencies are not included (pip and uv).
    assert _given(spec) == ["pytest>=8", "ruff", 'coverage; python_version >= "3.9"']
    origins = {e.origin.name for e in spec.requirements}
    assert origins == {"pyproject.toml:test"}
    assert spec.requirements[0].origin.line == 7
    docs = from_sources(groups=["docs", "lint"], working_dir=tmp_path)
    assert _given(docs) == ["sphinx", "pytest>=8", "ruff", 'coverage; python_version >= "3.9"',
                            "ruff"]


def test_group_of_another_file_and_with_project(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text(PYPROJECT)
    spec = from_sources(groups=["sub/pyproject.toml:lint"], working_dir=tmp_path)
    assert _given(spec) == ["ruff"]
    both = from_sources(requirements=["sub/pyproject.toml"], groups=["sub/pyproject.toml:lint"],
                        working_dir=tmp_path)
    assert _given(both) == ["own-dep", "ruff"]


def test_group_request_parsing() -> None:
    assert parse_group_request("test").path == "pyproject.toml"
    req = parse_group_request("../a/pyproject.toml:dev")
    assert (req.path, req.name) == ("../a/pyproject.toml", "dev")
    with pytest.raises(RequirementsError, match=r"must name a `pyproject\.toml`"):
        parse_group_request("setup.cfg:dev")
    with pytest.raises(RequirementsError, match="a group name is required"):
        parse_group_request("pyproject.toml:")


def test_group_errors(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "A"}]\n'
        'ok = ["x"]\nbad = [{include = "ok"}]\n'
    )
    with pytest.raises(UnknownGroupError) as unknown:
        from_sources(groups=["nope"], working_dir=tmp_path)
    assert str(unknown.value) == (
        "Requested dependency group `nope` is not defined in `pyproject.toml` "
        "(defined: `a`, `b`, `ok`, `bad`)"
    )
    with pytest.raises(GroupCycleError) as cycle:
        from_sources(groups=["a"], working_dir=tmp_path)
    assert str(cycle.value) == (
        "Dependency groups in `pyproject.toml` include each other: `a` -> `b` -> `a`"
    )
    # Groups that are not asked for are not read: `ok` works beside the broken ones.
    assert _given(from_sources(groups=["ok"], working_dir=tmp_path)) == ["x"]
    with pytest.raises(DependencyGroupError, match="group `bad` holds"):
        from_sources(groups=["bad"], working_dir=tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "pyproject.toml").write_text('[dependency-groups]\nok = ["x"]\nnotlist = "x"\n')
    with pytest.raises(DependencyGroupError, match="group `notlist` must be a list"):
        from_sources(groups=["other/pyproject.toml:ok"], working_dir=tmp_path)
    (other / "pyproject.toml").write_text('[dependency-groups]\nA_b = []\na-B = []\n')
    with pytest.raises(DependencyGroupError, match="`A_b` and `a-B` are the same group"):
        from_sources(groups=["other/pyproject.toml:a-b"], working_dir=tmp_path)
    with pytest.raises(RequirementsFileError, match="no such file"):
        from_sources(groups=["missing/pyproject.toml:x"], working_dir=tmp_path)


SCRIPT = """\
#!/usr/bin/env python
# /// script
# requires-python = ">=3.10"
# dependencies = [
#   "requests<3",
#   "rich",
# ]
# ///
print("hello")
"""


def test_script_dependencies_and_requires_python(tmp_path: Path) -> None:
    (tmp_path / "run.py").write_text(SCRIPT)
    spec = from_sources(requirements=["run.py"], working_dir=tmp_path)
    assert _given(spec) == ["requests<3", "rich"]
    assert spec.requirements[0].origin.line == 5
    assert spec.requires_python == (("run.py", ">=3.10"),)
    check_requires_python(spec, Version("3.10.0"))
    with pytest.raises(ScriptPythonError) as err:
        check_requires_python(spec, Version("3.9.18"))
    assert str(err.value) == (
        "The script `run.py` requires Python `>=3.10`, but the target Python is 3.9.18"
    )


@pytest.mark.parametrize(("text", "reason"), [
    ("print(1)\n", "no `# /// script` block"),
    ("# /// script\n# dependencies = 1\n# ///\n", "`dependencies` must be a list of strings"),
    ("# /// script\n# dependencies = [\n# ///\n", "not valid TOML"),
    ("# /// script\n# requires-python = \"3.9\"\n# ///\n",
     "`requires-python` is not a version specifier"),
    ("# /// script\n#\n# ///\n\n# /// script\n#\n# ///\n", "more than one"),
])
def test_script_errors(tmp_path: Path, text: str, reason: str) -> None:
    (tmp_path / "s.py").write_text(text)
    with pytest.raises(ScriptMetadataError, match=reason) as err:
        from_sources(requirements=["s.py"], working_dir=tmp_path)
    assert str(err.value).startswith("Invalid inline script metadata in `s.py`: ")


def test_script_without_dependencies_and_other_blocks(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text("# /// other\n# x = 1\n# ///\n\n# /// script\n#\n# ///\n")
    spec = from_sources(requirements=["s.py"], working_dir=tmp_path)
    assert spec.requirements == () and spec.requires_python == ()
