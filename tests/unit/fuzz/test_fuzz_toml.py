"""Property: the TOML inputs (pyproject.toml, its dependency groups, pylock.toml, sula.toml,
an sdist's or a tree's static pyproject metadata, a script's inline metadata) raise nothing
but sula's errors, whatever tables and value types they hold."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sula import config
from sula.distribution.sdist import static_tree_metadata
from sula.errors import SulaError
from sula.requirements.groups import read_dependency_groups
from sula.requirements.pylock import read_pylock
from sula.requirements.pyproject import load_toml, read_pyproject
from sula.requirements.script import read_script

from ._strategies import batches, examples, token_text

# Files are rewritten for every input: tmpfs, where there is one, writes ten times faster.
_DIR = Path(tempfile.mkdtemp(prefix="sula-fuzz-toml-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))

HEADERS = ["[project]\n", "[project.optional-dependencies]\n", "[build-system]\n",
           "[dependency-groups]\n", "[tool.sula]\n", "[[packages]]\n", "[[packages.wheels]]\n",
           "[packages.sdist]\n", "[packages.vcs]\n", "[packages.directory]\n", "[tool]\n",
           "[[packages.dependencies]]\n"]
KEYS = ["name = ", "version = ", "dependencies = ", "optional-dependencies = ", "dynamic = ",
        "requires-python = ", "requires = ", "build-backend = ", "lock-version = ", "created-by = ",
        "environments = ", "extras = ", "dependency-groups = ", "default-groups = ", "marker = ",
        "url = ", "path = ", "hashes = ", "size = ", "upload-time = ", "index = ", "index-url = ",
        "extra-index-url = ", "find-links = ", "cache-dir = ", "test = ", "dev = ", "all = ",
        "requested-revision = ", "commit-id = ", "subdirectory = ", "editable = ", "include-group = ",
        "x = ", '"quoted" = ']
VALUES = ['"foo"', '"1.0"', '"1.0"', '"1.0"', '">=3.8"', '"foo>=1"', '"bar; python_version < \'3\'"',
          '["foo", "bar[x]>=2"]', '["dependencies"]', '["version"]', '[]', '{}', '1', '-1', 'true',
          '1979-05-27T07:32:00Z', '1979-05-27', '07:32:00', '3.5', 'inf', 'nan', '[1, 2]', '[[]]',
          '{sha256 = "00"}', '{include-group = "test"}', '[{include-group = "dev"}]',
          '"https://example.invalid/x.whl"', '"./x"', '"../"', '"/"', '"\\u0000"', '"\\t"',
          '"setuptools.build_meta"', '"pip"', '"git+https://example.invalid/r"', '"~"', '""',
          '{name = "a"}', "'''multi\nline'''", '"""x"""']
TOKENS = [*HEADERS, *KEYS, *VALUES, "\n", "\n", "\n", " ", ",", "[", "]", "{", "}", "=", "#"]


def _toml() -> st.SearchStrategy[str]:
    """Mostly valid TOML: distinct headers, each with distinct ``key = value`` lines (values
    of every type in the right and the wrong places); now and then raw tokens."""
    table = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=6).map(
        lambda kv: "".join(k + v + "\n" for k, v in kv.items()))
    doc = st.lists(st.tuples(st.sampled_from(["", *HEADERS]), table), max_size=5, unique_by=lambda t: t[0])
    garbage = token_text(TOKENS, max_size=4)
    return st.tuples(doc, st.one_of(st.just(""), st.just(""), st.just(""), garbage)).map(
        lambda d: "".join(h + body for h, body in sorted(d[0], key=lambda t: t[0] != "")) + d[1])


def _quiet(call: object) -> None:
    try:
        call()  # type: ignore[operator]
    except SulaError as err:
        assert str(err)


def _read_all(text: str) -> None:
    pyproject = _DIR / "pyproject.toml"
    pyproject.write_text(text, encoding="utf-8")
    _quiet(lambda: read_pyproject(pyproject, ["x", "test"]))
    _quiet(lambda: read_pyproject(pyproject, all_extras=True))

    def groups() -> None:
        data, raw = load_toml(pyproject)
        read_dependency_groups(pyproject, ["test", "dev", "all"], display="pyproject.toml", data=data, text=raw)

    _quiet(groups)
    _quiet(lambda: static_tree_metadata(_DIR))
    lock = _DIR / "pylock.toml"
    lock.write_text('lock-version = "1.0"\ncreated-by = "x"\n' + text if "lock-version" not in text else text,
                    encoding="utf-8")
    _quiet(lambda: read_pylock(lock, display="pylock.toml"))
    sula_toml = _DIR / "sula.toml"
    sula_toml.write_text(text.replace("[tool.sula]\n", ""), encoding="utf-8")
    try:
        config.configure(config_file=str(sula_toml))
        _quiet(config.load_config)
        config.configure(config_file=str(pyproject))
        _quiet(config.load_config)
    finally:
        config.configure()
    script = _DIR / "script.py"
    body = "".join(f"# {line}\n" for line in text.splitlines())
    script.write_text(f"# /// script\n{body}# ///\nprint()\n", encoding="utf-8")
    _quiet(lambda: read_script(script, display="script.py"))


@examples(2500)
@given(batches(_toml()))
def test_toml_inputs(texts: list[str]) -> None:
    for text in texts:
        _read_all(text)


def test_a_pyproject_of_the_wrong_shape_has_no_static_metadata(tmp_path: Path) -> None:
    """Regression: `dynamic = 1` or `optional-dependencies = 1` in `[project]` raised
    TypeError/AttributeError out of the static metadata reader (sdists and trees)."""
    for body in ("dynamic = 1", "optional-dependencies = 1", "dependencies = \"foo\"",
                 "optional-dependencies = {x = 1}", "dynamic = [1]"):
        (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "foo"\nversion = "1.0"\n{body}\n')
        assert static_tree_metadata(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "foo"\nversion = "1.0"\n'
                                             'optional-dependencies = {x = ["bar"]}\n')
    meta = static_tree_metadata(tmp_path)
    assert meta is not None and meta.provides_extra == ["x"]
