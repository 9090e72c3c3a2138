"""Hostile wheels and sdists (tests/fixtures/hostile.py) through the CLI: by path and from the
local index, each refused with one `error:` line naming the archive, exit 1, nothing installed,
nothing cached, nothing written anywhere around the environment."""

from __future__ import annotations

from pathlib import Path

from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.hostile import HOSTILE_SDISTS, HOSTILE_WHEELS, tree_snapshot


def _check_refused(result, what: str, expect: str | None) -> list[str]:
    problems = []
    err = result.stderr
    if result.exit_code != 1:
        problems.append(f"{what}: exit {result.exit_code}")
    if "Traceback" in err:
        problems.append(f"{what}: traceback")
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    if len(lines) != 1:
        problems.append(f"{what}: {len(lines)} error lines in {err!r}")
    elif expect is not None and expect not in err:
        problems.append(f"{what}: {expect!r} not in {err!r}")
    return problems


def test_hostile_wheels_by_path_are_refused_and_leave_everything_untouched(
    run_sula: SulaRunner, tmp_path: Path, cache_dir: Path
) -> None:
    site = make_venv(tmp_path / "env")
    python = str(tmp_path / "env" / "bin" / "python")
    # sula's own lock file in the environment, made by the first run: not something the wheel wrote.
    (tmp_path / "env" / ".lock").touch()
    problems: list[str] = []
    for kind, hostile in sorted(HOSTILE_WHEELS.items()):
        wheel = hostile.build(tmp_path / "dists" / kind)
        before = tree_snapshot(tmp_path, skip=[cache_dir])
        run_sula.env = {**dict(hostile.env)}
        result = run_sula("pip", "install", str(wheel), "--python", python)
        problems += _check_refused(result, kind, hostile.cli_expect or hostile.expect)
        if f"`{wheel.name}`" not in result.stderr:
            problems.append(f"{kind}: the wheel is not named in {result.stderr!r}")
        if tree_snapshot(tmp_path, skip=[cache_dir]) != before:
            problems.append(f"{kind}: files changed around the environment")
        # Nothing half-unpacked stays in the cache either.
        if list(cache_dir.glob("wheels-v1/**/*-py3-none-any")):
            problems.append(f"{kind}: a cache entry was made")
    assert not problems, "\n".join(problems)
    assert not list(site.glob("evil*")) and not list(site.glob("other*"))


def test_hostile_archives_from_the_index_are_refused(
    run_sula: SulaRunner, index_server, tmp_path: Path, cache_dir: Path
) -> None:
    site = make_venv(tmp_path / "env")
    python = str(tmp_path / "env" / "bin" / "python")
    (tmp_path / "env" / ".lock").touch()
    problems: list[str] = []
    kinds = [("wheel", k, HOSTILE_WHEELS[k]) for k in
             ("dotdot", "bomb", "version-mismatch")]
    kinds += [("sdist", k, h) for k, h in sorted(HOSTILE_SDISTS.items())]
    for form, kind, hostile in kinds:
        server = index_server()
        archive = hostile.build(tmp_path / "dists" / form / kind)
        # The index serves a sane `.metadata` file: the archive itself is what is hostile.
        server.add(archive, metadata=b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n\n"
                   if form == "wheel" else None)
        before = tree_snapshot(tmp_path, skip=[cache_dir])
        run_sula.env = {**dict(hostile.env)}
        result = run_sula("pip", "install", "evil", "--python", python, "--index-url", server.url)
        problems += _check_refused(result, f"{form} {kind}", hostile.expect)
        if tree_snapshot(tmp_path, skip=[cache_dir]) != before:
            problems.append(f"{form} {kind}: files changed around the environment")
    assert not problems, "\n".join(problems)
    assert not list(site.glob("evil*"))
