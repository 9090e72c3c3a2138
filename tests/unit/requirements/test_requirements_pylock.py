"""PEP 751 lock files: reading any valid file, naming the key of a broken one, writing."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sula.requirements import RequirementsError, from_sources
from sula.requirements.pylock import (
    LockedFile,
    LockedPackage,
    Pylock,
    PylockError,
    UnsupportedLockVersionError,
    is_pylock,
    read_pylock,
    render_pylock,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# The shape pip's `pip lock` and uv's `uv export` write: groups, extras, markers using them,
# a package from a directory, one from VCS, one from an archive.
FULL = """\
lock-version = "1.0"
environments = ["sys_platform == 'linux'", "sys_platform == 'darwin'"]
requires-python = ">=3.9"
extras = ["crypto"]
dependency-groups = ["dev"]
default-groups = ["dev"]
created-by = "pip"

[[packages]]
name = "Attrs"
version = "25.3.0"
marker = "'dev' in dependency_groups"
index = "https://example.invalid/simple"
sdist = { name = "attrs-25.3.0.tar.gz", url = "https://example.invalid/attrs-25.3.0.tar.gz", upload-time = 2025-03-13T11:10:21.123Z, size = 810562, hashes = { sha256 = "aa" } }
wheels = [
  { url = "https://example.invalid/attrs-25.3.0-py3-none-any.whl", size = 63815, hashes = { sha256 = "bb", sha512 = "cc" } },
]

[packages.tool.pip]
ignored = true

[[packages]]
name = "local"
directory = { path = "../local", editable = true }

[[packages]]
name = "gitpkg"
vcs = { type = "git", url = "https://example.invalid/repo.git", commit-id = "abc123" }

[[packages]]
name = "arch"
version = "1.0"
archive = { path = "dist/arch-1.0.tar.gz", hashes = { sha256 = "dd" } }

[tool.uv]
whatever = 1
"""


def test_reads_every_part_of_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(FULL)
    lock = read_pylock(path, display="pylock.toml")
    assert (lock.lock_version, lock.created_by, lock.requires_python) == ("1.0", "pip", ">=3.9")
    assert lock.environments == ("sys_platform == 'linux'", "sys_platform == 'darwin'")
    assert (lock.extras, lock.dependency_groups, lock.default_groups) == (
        ("crypto",), ("dev",), ("dev",))
    attrs, local, gitpkg, arch = lock.packages
    assert attrs.name == "attrs" and attrs.key == "packages[0]"
    assert attrs.sdist is not None and attrs.sdist.filename == "attrs-25.3.0.tar.gz"
    assert attrs.sdist.upload_time == datetime(2025, 3, 13, 11, 10, 21, 123000,
                                               tzinfo=timezone.utc)
    assert attrs.wheels[0].filename == "attrs-25.3.0-py3-none-any.whl"
    assert attrs.wheels[0].hashes == {"sha256": "bb", "sha512": "cc"}
    assert local.directory == {"path": "../local", "editable": True}
    assert gitpkg.vcs is not None and gitpkg.vcs["commit-id"] == "abc123"
    assert arch.archive is not None and arch.archive.filename == "arch-1.0.tar.gz"


@pytest.mark.parametrize(("edit", "key", "reason"), [
    (lambda t: t.replace('created-by = "pip"\n', ""), "created-by", "is required"),
    (lambda t: t.replace("hashes = { sha256 = \"dd\" }", "hashes = {}"),
     "packages[3].archive.hashes", "must be a non-empty table"),
    (lambda t: t.replace("size = 63815", "size = \"big\""), "packages[0].wheels[0].size",
     "must be a non-negative integer"),
    (lambda t: t.replace("upload-time = 2025-03-13T11:10:21.123Z",
                         "upload-time = \"2025-03-13\""),
     "packages[0].sdist.upload-time", "must be a TOML datetime"),
    (lambda t: t.replace("marker = \"'dev' in dependency_groups\"", "marker = \"python >\""),
     "packages[0].marker", "is not a valid marker"),
    (lambda t: t.replace('version = "1.0"\narchive', 'version = "one"\narchive'),
     "packages[3].version", "is not a version"),
    (lambda t: t.replace('name = "gitpkg"\n', ""), "packages[2].name", "is required"),
    (lambda t: t.replace(', commit-id = "abc123"', ""), "packages[2].vcs.commit-id",
     "is required"),
    (lambda t: t.replace("archive = { path", "wheels = [{ path = \"x-1-py3-none-any.whl\", "
                         "hashes = { sha256 = \"ee\" } }]\narchive = { path"),
     "packages[3]", "may have only one of"),
    (lambda t: t.replace('vcs = { type = "git", url = "https://example.invalid/repo.git", '
                         'commit-id = "abc123" }', ""), "packages[2]", "has no `vcs`"),
    (lambda t: t.replace('environments = ["sys_platform', 'environments = ["sys_platform ~'),
     "environments[0]", "is not a valid marker"),
    (lambda t: t.split("[[packages]]")[0], "packages", "is required"),
    (lambda t: t + "\n[[[", "(file)", "is not valid TOML"),
])
def test_broken_files_name_the_key(tmp_path: Path, edit, key: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "pylock.toml"
    path.write_text(edit(FULL))
    with pytest.raises(PylockError) as err:
        read_pylock(path, display="pylock.toml")
    assert err.value.key == key
    assert err.value.reason.startswith(reason), err.value.reason
    assert str(err.value).startswith(f"Invalid lock file `pylock.toml`: `{key}` {reason}")


def test_lock_versions(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(FULL.replace('lock-version = "1.0"', 'lock-version = "2.0"'))
    with pytest.raises(UnsupportedLockVersionError) as err:
        read_pylock(path, display="pylock.toml")
    assert str(err.value) == (
        "Unsupported `lock-version` `2.0` in `pylock.toml` (sula reads lock-version 1.x)")
    path.write_text(FULL.replace('lock-version = "1.0"', 'lock-version = "1.1"'))
    assert read_pylock(path, display="pylock.toml").lock_version == "1.1"


def test_names() -> None:
    assert is_pylock("pylock.toml") and is_pylock("dir/pylock.dev.toml")
    assert not is_pylock("pylock.a.b.toml") and not is_pylock("my-pylock.toml")


def test_written_file_reads_back_and_is_toml() -> None:
    lock = Pylock(
        requires_python=">=3.9",
        environments=("python_full_version >= '3.9'",),
        packages=(
            LockedPackage(name="a", version="1.0", marker='sys_platform == "win32"',
                          index="https://example.invalid/simple/",
                          dependencies=({"name": "b"},),
                          sdist=LockedFile(url="https://example.invalid/a-1.0.tar.gz",
                                           size=10, hashes={"sha256": "00"},
                                           upload_time=datetime(2024, 1, 2, 3, 4, 5,
                                                                tzinfo=timezone.utc)),
                          wheels=(LockedFile(url="https://example.invalid/a-1.0-py3-none-any.whl",
                                             hashes={"sha256": "11"}),)),
            LockedPackage(name="b", archive=LockedFile(url="https://example.invalid/b.whl",
                                                       hashes={"sha256": "22"})),
        ),
    )
    text = render_pylock(lock, header=("made by a test", "   sula pip compile x"))
    assert text.startswith("# made by a test\n#    sula pip compile x\nlock-version = \"1.0\"\n")
    assert 'upload-time = 2024-01-02T03:04:05Z' in text
    data = tomllib.loads(text)
    assert data["packages"][0]["marker"] == 'sys_platform == "win32"'
    assert data["packages"][0]["wheels"][0]["hashes"] == {"sha256": "11"}
    assert data["environments"] == ["python_full_version >= '3.9'"]


def test_a_lock_is_the_only_input(tmp_path: Path) -> None:
    (tmp_path / "pylock.toml").write_text(FULL)
    (tmp_path / "r.txt").write_text("x\n")
    spec = from_sources(requirements=["pylock.toml"], extras=["crypto"], groups=["dev"],
                        working_dir=tmp_path)
    assert spec.lock is not None and spec.lock.extras == ("crypto",)
    assert spec.lock.groups == ("dev",) and spec.requirements == ()
    with pytest.raises(RequirementsError, match="must be the only requirements input"):
        from_sources(requirements=["pylock.toml", "r.txt"], working_dir=tmp_path)
    with pytest.raises(RequirementsError, match="names one of its groups"):
        from_sources(requirements=["pylock.toml"], groups=["pyproject.toml:dev"],
                     working_dir=tmp_path)
