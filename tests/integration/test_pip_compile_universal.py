"""`pip compile --universal` against uv's on a fixture index with Python- and platform-split
dependencies: both outputs, evaluated in 30 environments, install the same pins."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel
from packaging.markers import Marker

UV = shutil.which("uv", path=str(Path(sys.executable).parent))

PLATFORMS = {
    "linux-x86_64": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                     "platform_machine": "x86_64"},
    "linux-aarch64": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                      "platform_machine": "aarch64"},
    "macos-arm64": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                    "platform_machine": "arm64"},
    "macos-x86_64": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
                     "platform_machine": "x86_64"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                "platform_machine": "AMD64"},
}


def environments() -> list[dict[str, str]]:
    """CPython 3.9 to 3.14 (a late patch release) on five platforms."""
    out = []
    for minor in range(9, 15):
        full = f"3.{minor}.12"
        for plat in PLATFORMS.values():
            out.append({**plat, "python_version": f"3.{minor}", "python_full_version": full,
                        "implementation_name": "cpython", "implementation_version": full,
                        "platform_python_implementation": "CPython", "platform_release": "",
                        "platform_version": "", "extra": ""})
    return out


def installs(text: str, env: dict[str, str]) -> set[str]:
    """The `name==version` lines of a universal requirements file whose markers hold in env."""
    out = set()
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pin, _, marker = line.partition(" ; ")
        if not marker or Marker(marker).evaluate(env):
            out.add(pin.strip())
    return out


def uv_compile(tmp_path: Path, flags: list[str]) -> subprocess.CompletedProcess[str]:
    """`uv pip compile requirements.in FLAGS` in ``tmp_path`` with a cache of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    uv = subprocess.run([UV or "uv", "pip", "compile", "requirements.in", *flags, "--cache-dir",
                         str(tmp_path / "uv-cache")], capture_output=True, text=True, env=env,
                        cwd=tmp_path, check=False)
    assert uv.returncode == 0, uv.stderr
    return uv


def _adder(server: Any, dists_dir: Path) -> Callable[..., None]:
    """``add(name, version, requires=[], rp=None)``: a wheel on ``server`` with that
    Requires-Python."""
    def add(name: str, version: str, requires: Sequence[str] = (), rp: str | None = None) -> None:
        server.add(build_wheel(dists_dir, name, version, requires=list(requires)),
                   requires_python=rp)
    return add


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_universal_installs_what_uvs_installs(run_sula: SulaRunner, index_server,
                                             dists_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = index_server()
    add = _adder(server, dists_dir)

    # trio.in's shape: the newest `crypt` needs Python above 3.9.0 (a fork there); `ossl`
    # 26.4.0 needs that `crypt`, so the 3.9.0 fork takes 26.2.0, and the later fork must not
    # keep it (it would pull the older `crypt` 48.0.1 in, where uv pins 50.0.2).
    add("crypt", "47.0.0", rp=">=3.8")
    add("crypt", "48.0.1", rp=">=3.8")
    add("crypt", "50.0.2", rp="!=3.9.0,!=3.9.1,>=3.9")
    add("ossl", "26.2.0", ["crypt>=47,<49"])
    add("ossl", "26.4.0", ["crypt>=50"])
    # Platform-split dependencies.
    add("top", "1.0", ['winonly ; sys_platform == "win32"', 'armlib ; platform_machine == "aarch64"',
                       'tomlish ; python_version < "3.11"'])
    add("winonly", "1.0", ['colors ; os_name == "nt"'])
    add("colors", "0.4")
    add("armlib", "2.0")
    add("tomlish", "2.2")
    (tmp_path / "requirements.in").write_text("ossl\ntop\n")
    flags = ["--universal", "--python-version", "3.9", "--index-url", server.url, "--no-header",
             "--no-annotate"]
    uv = uv_compile(tmp_path, flags)
    ours = run_sula("pip", "compile", "requirements.in", *flags, cwd=tmp_path).check()
    differ = [(e["python_full_version"], e["sys_platform"], e["platform_machine"],
               sorted(installs(uv.stdout, e) ^ installs(ours.stdout, e)))
              for e in environments()]
    differ = [d for d in differ if d[3]]
    assert differ == [], ours.stdout + "\n-- uv --\n" + uv.stdout
    # uv's lines: the fork is at the range's exclusive lower bound (above 3.9.0).
    assert "crypt==50.0.2 ; python_full_version > '3.9'" in ours.stdout
    assert "ossl==26.4.0 ; python_full_version > '3.9'" in ours.stdout
    assert "ossl==26.2.0 ; python_full_version <= '3.9'" in ours.stdout


def _compile_as_uv_installs(run_sula: SulaRunner, server: Any, tmp_path: Path) -> tuple[str, str]:
    """sula's and uv's universal outputs for ``tmp_path/requirements.in`` from ``server``,
    after checking that sula's installs what uv's installs in every environment."""
    flags = ["--universal", "--python-version", "3.9", "--index-url", server.url, "--no-header",
             "--no-annotate"]
    ours = run_sula("pip", "compile", "requirements.in", *flags, cwd=tmp_path).check()
    uv = uv_compile(tmp_path, flags)
    for e in environments():
        assert installs(ours.stdout, e) == installs(uv.stdout, e), (e["sys_platform"], ours.stdout, uv.stdout)
    return ours.stdout, uv.stdout


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_conflicts_under_disjoint_platform_markers_fork(run_sula: SulaRunner, index_server,
                                                        dists_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A package required with versions that exclude each other under disjoint platform
    markers: resolved in a fork per platform (and one for the rest), as uv resolves it."""
    server = index_server()
    for version in ("1.0", "2.0", "3.0"):
        server.add(build_wheel(dists_dir, "split", version))
    server.add(build_wheel(dists_dir, "app", "1.0", requires=[
        'split<2 ; sys_platform == "win32"', 'split>=2,<3 ; sys_platform == "linux"']))
    (tmp_path / "requirements.in").write_text("app\nsplit\n")
    ours, _ = _compile_as_uv_installs(run_sula, server, tmp_path)
    windows = next(e for e in environments() if e["sys_platform"] == "win32")
    assert installs(ours, windows) == {"app==1.0", "split==1.0"}


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_requirements_split_by_platform_markers_fork_before_any_conflict(
        run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """One version requires `lib` with different specifiers under different platform markers;
    one `lib` (2.0) satisfies both, so nothing conflicts, but uv forks there anyway and each
    platform takes the newest `lib` it allows (3.0 on Linux, 2.0 on Windows) with its own
    `helper`. Without the fork both pinned 2.0, chosen only because it fits both."""
    server = index_server()
    for version in ("1.0", "2.0"):
        server.add(build_wheel(dists_dir, "helper", version))
    server.add(build_wheel(dists_dir, "lib", "1.0"))
    server.add(build_wheel(dists_dir, "lib", "2.0", requires=["helper<2"]))
    server.add(build_wheel(dists_dir, "lib", "3.0", requires=["helper>=2"]))
    server.add(build_wheel(dists_dir, "lib", "4.0"))
    server.add(build_wheel(dists_dir, "base", "1.0"))
    server.add(build_wheel(dists_dir, "app", "1.0", requires=[
        "base", 'lib>=1,<4 ; sys_platform == "linux"', 'lib<3 ; sys_platform == "win32"']))
    (tmp_path / "requirements.in").write_text("app\n")
    ours, uv = _compile_as_uv_installs(run_sula, server, tmp_path)
    by_platform = {e["sys_platform"]: installs(ours, e) for e in environments()}
    assert by_platform["linux"] == {"app==1.0", "base==1.0", "lib==3.0", "helper==2.0"}
    assert by_platform["win32"] == {"app==1.0", "base==1.0", "lib==2.0", "helper==1.0"}
    assert by_platform["darwin"] == {"app==1.0", "base==1.0"}
    # The same markers as uv writes.
    assert sorted(ours.splitlines()) == sorted(uv.splitlines())


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_a_dependency_no_environment_reaches_is_left_out(
        run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`top ; sys_platform == "win32"` requires `linuxonly ; sys_platform == "linux"`: no
    environment installs `linuxonly`, so uv leaves it out (packse's unreachable-package);
    sula wrote it with no marker at all."""
    server = index_server()
    server.add(build_wheel(dists_dir, "linuxonly", "1.0"))
    server.add(build_wheel(dists_dir, "top", "1.0", requires=['linuxonly ; sys_platform == "linux"']))
    (tmp_path / "requirements.in").write_text('top ; sys_platform == "win32"\n')
    flags = ["--universal", "--python-version", "3.9", "--index-url", server.url, "--no-header",
             "--no-annotate"]
    ours = run_sula("pip", "compile", "requirements.in", *flags, cwd=tmp_path).check()
    uv = uv_compile(tmp_path, flags)
    assert ours.stdout.splitlines() == uv.stdout.splitlines() == ["top==1.0 ; sys_platform == 'win32'"]


# Markers that sula used to write in another (equivalent) spelling than uv's.
_SPELLINGS = {
    # Terms sorted by variable and the clauses by their variables; sula wrote the `or` the
    # other way round (packse fork-marker-accrue).
    "accrue": ("(implementation_name == 'pypy' and sys_platform == 'darwin') or "
               "(implementation_name == 'cpython' and sys_platform == 'linux')"),
    # A term shared by a run of clauses is written once (hf-xet in requirements.in).
    "shared": ("python_full_version >= '3.10' and (platform_machine == 'AMD64' or "
               "platform_machine == 'ARM64') or platform_machine == 'aarch64' or "
               "platform_machine == 'x86_64'"),
    # What holds on every Python is written without a Python term (pexpect).
    "common": ("(python_full_version < '3.10' and sys_platform == 'emscripten') or "
               "(sys_platform != 'emscripten' and sys_platform != 'win32')"),
    # `python_version` bounds as `python_full_version`, `<=`/`>` as written for a patch release.
    "bound": "python_full_version <= '3.9'",
}


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_markers_are_written_in_uvs_spelling(
        run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Pins reached under markers that sula wrote in an equivalent but different spelling:
    each now reads as uv writes it, and uv (when installed) writes the same lines."""
    server = index_server()
    for name in ("c", "shared", "common", "bound"):
        server.add(build_wheel(dists_dir, name, "1.0"))
    server.add(build_wheel(dists_dir, "a", "1.0", requires=['c ; sys_platform == "linux"']))
    server.add(build_wheel(dists_dir, "b", "1.0", requires=['c ; sys_platform == "darwin"']))
    server.add(build_wheel(dists_dir, "tool", "1.0", requires=[
        'shared ; platform_machine == "aarch64" or platform_machine == "x86_64"']))
    (tmp_path / "requirements.in").write_text(
        "a ; implementation_name == 'cpython'\n"
        "b ; implementation_name == 'pypy'\n"
        "tool\n"
        "shared ; python_version >= '3.10' and"
        " (platform_machine == 'AMD64' or platform_machine == 'ARM64')\n"
        "common ; (python_version < '3.10' and sys_platform != 'win32')"
        " or (sys_platform != 'emscripten' and sys_platform != 'win32')\n"
        "bound ; python_full_version <= '3.9.0'\n")
    flags = ["--universal", "--python-version", "3.9", "--index-url", server.url, "--no-header",
             "--no-annotate"]
    ours = run_sula("pip", "compile", "requirements.in", *flags, cwd=tmp_path).check()
    markers = dict(line.split("==1.0 ; ") for line in ours.stdout.splitlines() if " ; " in line)
    assert markers["c"] == _SPELLINGS["accrue"]
    assert markers["shared"] == _SPELLINGS["shared"]
    assert markers["common"] == _SPELLINGS["common"]
    assert markers["bound"] == _SPELLINGS["bound"]
    assert ours.stdout.splitlines() == uv_compile(tmp_path, flags).stdout.splitlines()


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_each_forked_version_names_its_own_parents(
        run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """requirements.in's shape: `tf` 2.0 (Python 3.10 up) requires `cli`, `tf` 1.0 does not,
    so only the 3.10 fork's `cli` is "via tf"; sula named both versions' parents on each.
    And an input whose marker no supported Python meets (`meta ; python_version == '3.7'`)
    still names the file for the `meta` that `md` pulls in, as uv writes it."""
    server = index_server()
    add = _adder(server, dists_dir)

    add("cli", "0.23", rp=">=3.8")
    add("cli", "0.27", rp=">=3.10")
    add("tf", "1.0", rp=">=3.8")
    add("tf", "2.0", ["cli>=0.27"], rp=">=3.10")
    add("meta", "8.0")
    add("md", "3.0", ['meta ; python_version < "3.10"'])
    (tmp_path / "requirements.in").write_text("cli\ntf\nmd\nmeta ; python_version == '3.7'\n")
    flags = ["--universal", "--python-version", "3.9", "--index-url", server.url, "--no-header"]
    ours = run_sula("pip", "compile", "requirements.in", *flags, cwd=tmp_path).check()
    text = ours.stdout
    assert "cli==0.23 ; python_full_version < '3.10'\n    # via -r requirements.in\n" in text
    assert ("cli==0.27 ; python_full_version >= '3.10'\n    # via\n    #   -r requirements.in\n"
            "    #   tf\n") in text
    assert "meta==8.0 ; python_full_version < '3.10'\n    # via\n    #   -r requirements.in\n" \
           "    #   md\n" in text
    assert text.splitlines() == uv_compile(tmp_path, flags).stdout.splitlines()


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_a_package_required_under_different_markers_forks_even_with_one_specifier(
        run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`app` requires `a` on Linux and, with the same specifier, on Windows: uv forks there
    (Linux, Windows, the rest), so only the Windows fork, where `b` needs `c<2`, takes `c`
    1.0, and the rest prefer the highest version earlier forks chose (2.0). sula did not
    fork and pinned `c==1.0` everywhere."""
    server = index_server()
    add = _adder(server, dists_dir)
    add("c", "1.0")
    add("c", "2.0")
    add("b", "1.0", ["c<2"])
    add("a", "1.0")
    add("app", "1.0", ['a ; sys_platform == "linux"', 'a ; sys_platform == "win32"',
                       'b ; sys_platform == "win32"', "c"])
    (tmp_path / "requirements.in").write_text("app\n")
    flags = ["--universal", "--python-version", "3.9", "--index-url", server.url, "--no-header",
             "--no-annotate"]
    ours = run_sula("pip", "compile", "requirements.in", *flags, cwd=tmp_path).check()
    assert ours.stdout.splitlines() == [
        "a==1.0 ; sys_platform == 'linux' or sys_platform == 'win32'", "app==1.0",
        "b==1.0 ; sys_platform == 'win32'", "c==1.0 ; sys_platform == 'win32'",
        "c==2.0 ; sys_platform != 'win32'"]
    assert ours.stdout.splitlines() == uv_compile(tmp_path, flags).stdout.splitlines()
