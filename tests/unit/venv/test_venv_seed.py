"""Seeding a new environment from the index with sula's installer (``sula venv --seed``)."""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.index import IndexServer

from sula.cache import Cache
from sula.client.settings import ClientSettings, IndexSettings
from sula.dispatch.seed import SeedSettings, seed_venv
from sula.interpreter import query_interpreter
from sula.venv import VenvSeedError, create_venv, seed_packages

Require = Callable[[str], Path]

# A stand-in for pip: a package and console scripts that report where they run from.
_PIP_FILES = {
    "pip/__init__.py": '__version__ = "99.0"\n',
    "pip/_cli.py": (
        "import os, sys\n"
        "import pip\n"
        "def main():\n"
        "    where = os.path.dirname(pip.__file__)\n"
        "    print(f'pip {pip.__version__} from {where} (python {sys.version_info[0]}.{sys.version_info[1]})')\n"
        "    return 0\n"
    ),
}
_PIP_SCRIPTS = {"console_scripts": {"pip": "pip._cli:main", "pip3": "pip._cli:main"}}


@pytest.fixture
def seed_index(index_server: Callable[..., IndexServer], wheel_factory: Callable[..., Path]) -> IndexServer:
    """An index with a fake ``pip`` (two versions), ``setuptools`` and ``wheel``."""
    server = index_server()
    server.add(wheel_factory("pip", "98.0", files=_PIP_FILES, entry_points=_PIP_SCRIPTS))
    server.add(wheel_factory("pip", "99.0", files=_PIP_FILES, entry_points=_PIP_SCRIPTS))
    server.add(wheel_factory("setuptools", "70.0"))
    server.add(wheel_factory("wheel", "0.44.0"))
    return server


def _settings(server: IndexServer, *, offline: bool = False, relocatable: bool = False) -> SeedSettings:
    return SeedSettings(
        index=IndexSettings(index_url=server.url),
        client=ClientSettings(offline=offline),
        relocatable=relocatable,
    )


def _check_record(site_packages: Path, dist_info: Path) -> None:
    rows = list(csv.reader((dist_info / "RECORD").read_text().splitlines()))
    assert [dist_info.name + "/RECORD", "", ""] in rows
    for path, digest, size in rows:
        if path.endswith("/RECORD"):
            continue
        data = (site_packages / path).read_bytes()
        algo, _, value = digest.partition("=")
        assert algo == "sha256"
        assert value == base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode(), path
        assert int(size) == len(data), path


def test_seed_packages_follow_uv() -> None:
    assert seed_packages((3, 8, 18)) == ("pip", "setuptools", "wheel")
    assert seed_packages((3, 11)) == ("pip", "setuptools", "wheel")
    assert seed_packages((3, 12, 0)) == ("pip",)
    assert seed_packages((3, 13, 1)) == ("pip",)


@pytest.mark.parametrize("minor", ["3.8", "3.12"])
def test_seed_installs_from_the_index(
    minor: str, tmp_path: Path, cache: Cache, require_python: Require, seed_index: IndexServer
) -> None:
    interpreter = query_interpreter(require_python(minor), cache=cache)
    venv = create_venv(tmp_path / "env", interpreter)
    summary = seed_venv(venv, interpreter, cache=cache, settings=_settings(seed_index))
    expected = {"pip": "99.0", "setuptools": "70.0", "wheel": "0.44.0"}
    if minor == "3.12":
        expected = {"pip": "99.0"}
    assert {d.name: d.version for d in summary.installed} == expected
    for name, version in expected.items():
        dist_info = venv.site_packages / f"{name}-{version}.dist-info"
        assert (dist_info / "INSTALLER").read_text() == "sula\n"
        _check_record(venv.site_packages, dist_info)
    out = subprocess.run(
        [str(venv.scripts_dir / "pip"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out == f"pip 99.0 from {venv.site_packages / 'pip'} (python {minor})\n"
    assert (venv.scripts_dir / "pip3").read_text().startswith(f"#!{venv.python}\n")


def test_second_seed_only_links(
    tmp_path: Path, cache: Cache, require_python: Require, seed_index: IndexServer
) -> None:
    interpreter = query_interpreter(require_python("3.12"), cache=cache)
    first = create_venv(tmp_path / "one", interpreter)
    seed_venv(first, interpreter, cache=cache, settings=_settings(seed_index))
    seed_index.wait_idle()
    assert seed_index.count("*.whl", "GET") == 1
    seed_index.clear_log()

    second = create_venv(tmp_path / "two", interpreter)
    summary = seed_venv(second, interpreter, cache=cache, settings=_settings(seed_index, offline=True))
    assert [(d.name, d.version) for d in summary.installed] == [("pip", "99.0")]
    assert summary.downloaded == 0
    seed_index.wait_idle()
    assert seed_index.count() == 0
    # Both environments link the one unpacked copy in the cache.
    one = os.stat(first.site_packages / "pip" / "_cli.py")
    two = os.stat(second.site_packages / "pip" / "_cli.py")
    assert (one.st_dev, one.st_ino) == (two.st_dev, two.st_ino)


def test_failure_leaves_the_environment_without_seed_packages(
    tmp_path: Path, cache: Cache, require_python: Require, seed_index: IndexServer
) -> None:
    interpreter = query_interpreter(require_python("3.12"), cache=cache)
    venv = create_venv(tmp_path / "env", interpreter)
    with pytest.raises(VenvSeedError) as info:
        seed_venv(venv, interpreter, cache=cache, settings=_settings(seed_index, offline=True))
    err = info.value
    assert str(err) == (
        f"Failed to install the seed packages `pip` into the virtual environment at `{venv.root}`, "
        "which is left without them"
    )
    assert "not in the cache" in str(err.__cause__)
    assert (venv.root / "pyvenv.cfg").is_file()
    assert not (venv.scripts_dir / "pip").exists()
    assert os.listdir(venv.site_packages) == []


def test_relocatable_launchers_survive_a_move(
    tmp_path: Path, cache: Cache, require_python: Require, seed_index: IndexServer
) -> None:
    interpreter = query_interpreter(require_python("3.12"), cache=cache)
    venv = create_venv(tmp_path / "before", interpreter, relocatable=True)
    seed_venv(venv, interpreter, cache=cache, settings=_settings(seed_index, relocatable=True))
    assert str(venv.root) not in (venv.scripts_dir / "pip").read_text()
    moved = tmp_path / "after"
    venv.root.rename(moved)
    out = subprocess.run(
        [str(moved / "bin" / "pip")], capture_output=True, text=True, check=True
    ).stdout
    assert out == f"pip 99.0 from {moved / 'lib' / 'python3.12' / 'site-packages' / 'pip'} (python 3.12)\n"
