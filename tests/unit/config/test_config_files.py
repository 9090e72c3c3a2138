"""sula.toml / [tool.sula]: discovery, merging, validation, and its place in the defaults."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sula import config as config_mod
from sula.cache import Cache
from sula.config import ConfigError, load_config
from sula.distribution.index import default_index_url


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for var in ("SULA_CONFIG_FILE", "SULA_NO_CONFIG", "SULA_INDEX_URL", "SULA_CACHE_DIR"):
        monkeypatch.delenv(var, raising=False)
    config_mod.configure()
    yield
    config_mod.configure()


def test_project_file_in_a_parent_wins_over_user_file(tmp_path: Path) -> None:
    user = tmp_path / "xdg" / "sula" / "sula.toml"
    user.parent.mkdir(parents=True)
    user.write_text('index-url = "http://user.invalid/simple"\nfind-links = ["wheels"]\n')
    project = tmp_path / "proj"
    (project / "sub").mkdir(parents=True)
    (project / "sula.toml").write_text('index-url = "http://project.invalid/simple"\n')
    config = load_config(str(project / "sub"))
    assert config.index_url == "http://project.invalid/simple"
    assert config.find_links == (str(user.parent / "wheels"),)
    assert config.files == (str(user), str(project / "sula.toml"))


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.sula]\nextra-index-url = "http://extra.invalid/simple"\n'
        'cache-dir = "cache"\n'
    )
    config = load_config(str(tmp_path))
    assert config.extra_index_url == ("http://extra.invalid/simple",)
    assert config.cache_dir == str(tmp_path / "cache")


def test_pyproject_without_tool_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_config(str(tmp_path)).files == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("index = 1\n", "Unknown key `index`"),
        ("index-url = 3\n", "`index-url` in `"),
        ("find-links = [1]\n", "`find-links` in `"),
        ("index-url = \n", "Failed to parse the configuration file"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "sula.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path))


def test_explicit_file_and_no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sula.toml").write_text('index-url = "http://project.invalid/simple"\n')
    other = tmp_path / "other.toml"
    other.write_text('index-url = "http://other.invalid/simple"\n')
    monkeypatch.chdir(tmp_path)
    config_mod.configure(config_file=str(other))
    assert load_config().index_url == "http://other.invalid/simple"
    config_mod.configure(no_config=True)
    assert load_config().index_url is None
    config_mod.configure(config_file=str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_config()


def test_defaults_come_after_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sula.toml").write_text(
        'index-url = "http://project.invalid/simple"\ncache-dir = "c"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert default_index_url() == "http://project.invalid/simple"
    assert Cache.from_settings(None, no_cache=False).root_dir == os.path.join(str(tmp_path), "c")
    monkeypatch.setenv("SULA_INDEX_URL", "http://env.invalid/simple")
    assert default_index_url() == "http://env.invalid/simple"
    assert Cache.from_settings("given", no_cache=False).root_dir == os.path.join(str(tmp_path), "given")


def test_pips_default_index_is_read_without_importing_pips_package(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The same URL as pip's own `PyPI.simple_url`, read from its module run alone: pip's
    package (with its logging set-up) is not imported."""
    import subprocess
    import sys

    monkeypatch.delenv("SULA_INDEX_URL", raising=False)
    code = ("import sys; from sula.distribution.index import _pip_index_module_alone as f; u = f(); "
            "print('pip._internal' in sys.modules); from pip._internal.models.index import PyPI; "
            "print(u == PyPI.simple_url)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
