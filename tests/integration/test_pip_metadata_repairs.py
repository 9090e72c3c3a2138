"""Published ``Requires-Dist`` mistakes: the common ones are read as uv reads them, and a line
that still does not parse makes its version unusable (uv, and pip since 24.1), never a
requirement silently dropped (sula's behaviour before: a `# via` of uv's missing, and a
dependency's bounds lost).

The expected pins are uv 0.13.9's on the same wheels (``uv pip compile --find-links``), measured
when this was written; the last test runs uv itself when it is installed beside the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.dists import build_wheel

# Requires-Dist of `app` -> the version of `dep` (1.0 ... 4.0 published) uv pins, or None when
# uv reports `app` as having invalid metadata.
CASES = {
    "dep (>=1.0<3.0)": "2.5",  # a missing comma
    "dep >=1.0<3.0": "2.5",
    "dep (!=~2.0)": "4.0",
    "dep (>=1.*)": "4.0",  # a wildcard after an ordering operator
    "dep (<3.*)": "2.5",
    "dep (>=1.0.*,<3)": "2.5",
    "dep (!=2.0*)": "4.0",  # a wildcard without its dot
    "dep (>='1.0')": "4.0",  # quotes around a version
    "dep (>=1.0<3.0) ; python_version >= '3'": "2.5",
    "dep (=2.0)": None,
    "dep (~=1.0.*)": None,
    "dep ==1.0.*.*": None,
    "dep (>=1.0)(<3.0)": None,
    "dep (>1.0 <3.0)": None,
}
DEP_VERSIONS = ("0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "4.0")


@pytest.fixture
def links(tmp_path: Path) -> Path:
    d = tmp_path / "links"
    for i, line in enumerate(CASES):
        build_wheel(d, f"app{i}", "1.0", requires=[line])
    for v in DEP_VERSIONS:
        build_wheel(d, "dep", v)
    return d


def _compile(run_sula, tmp_path: Path, links: Path, name: str):  # type: ignore[no-untyped-def]
    (tmp_path / "requirements.in").write_text(name + "\n")
    return run_sula("pip", "compile", "--python", sys.executable, "requirements.in", "--no-index",
                    "--find-links", str(links), "--no-header", "--no-annotate", cwd=tmp_path)


def test_broken_requires_dist_is_repaired_or_makes_the_version_unusable(  # type: ignore[no-untyped-def]
    run_sula, tmp_path: Path, links: Path,
) -> None:
    for i, (line, dep) in enumerate(CASES.items()):
        r = _compile(run_sula, tmp_path, links, f"app{i}")
        if dep is None:
            assert r.returncode == 1, (line, r.stdout)
            assert f"Because app{i}==1.0 has invalid metadata" in r.stderr, (line, r.stderr)
            assert f"hint: Metadata for `app{i}` (v1.0) could not be parsed: `{line}`" in r.stderr
        else:
            assert r.returncode == 0, (line, r.stderr)
            assert r.stdout == f"app{i}==1.0\ndep=={dep}\n", line


def test_an_older_version_is_used_when_the_newest_has_invalid_metadata(  # type: ignore[no-untyped-def]
    run_sula, tmp_path: Path,
) -> None:
    d = tmp_path / "links"
    build_wheel(d, "app", "1.0", requires=["dep>=1"])
    build_wheel(d, "app", "2.0", requires=["dep (=2.0)"])
    build_wheel(d, "dep", "1.0")
    r = _compile(run_sula, tmp_path, d, "app")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "app==1.0\ndep==1.0\n"


UV = shutil.which("uv", path=os.path.dirname(sys.executable))


@pytest.mark.skipif(UV is None, reason="uv is not installed beside the test Python")
def test_the_same_pins_as_uv(run_sula, tmp_path: Path, links: Path) -> None:  # type: ignore[no-untyped-def]
    assert UV is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    for i, line in enumerate(CASES):
        (tmp_path / "requirements.in").write_text(f"app{i}\n")
        uv = subprocess.run([UV, "pip", "compile", "requirements.in", "--python", sys.executable, "--no-index",
                             "--find-links", str(links), "--no-header", "--no-annotate", "--cache-dir",
                             str(tmp_path / "uv-cache")], capture_output=True, text=True, env=env, cwd=tmp_path,
                            check=False)
        ours = _compile(run_sula, tmp_path, links, f"app{i}")
        assert (ours.returncode, ours.stdout) == (uv.returncode, uv.stdout), (line, uv.stderr, ours.stderr)
