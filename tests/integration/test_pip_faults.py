"""Network faults from a fault-injecting index (tests/fixtures/faults.py) through `sula pip
install`, `compile` and `sync`: transient faults are retried (the requests are counted at the
server) and the command succeeds; persistent ones fail within a bounded time with one `error:`
line naming the URL (credentials hidden), `Caused by:` lines and no traceback, leave nothing
partial in the cache and leave the environment (or the compile's output file) unchanged.

The runs use `SULA_HTTP_TIMEOUT=1` and `SULA_HTTP_RETRIES=2` (3 attempts in all; 2 for the
persistent faults).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _pip_helpers import cache_entries_complete, make_venv, record_problems
from fixtures.cli import SulaResult, SulaRunner
from fixtures.faults import FaultServer
from fixtures.hostile import tree_snapshot

ALPHA = "/files/alpha-1.0-py3-none-any.whl"
PAGE = "/simple/alpha/"
METADATA = ALPHA + ".metadata"
ENV = {"SULA_HTTP_TIMEOUT": "1", "SULA_HTTP_RETRIES": "2"}
# The persistent faults are tried twice (one retry), to keep the waits short.
ATTEMPTS = 2


class Rig:
    """One fault server with alpha 1.0 (needs beta), beta 1.0 and 2.0; a venv; the runner."""

    def __init__(self, run_sula: SulaRunner, servers: Any, tmp_path: Path, cache_dir: Path,
                 wheel_factory: Any, auth: tuple[str, str] | None = None) -> None:
        self.server = FaultServer(auth=auth).start()
        servers.started.append(self.server)  # stopped after the test, redacted in snapshots
        # Big enough that a body arrives in several reads: a fault can hit it midway.
        self.server.add(wheel_factory("alpha", "1.0", requires=["beta"], size_padding=300_000))
        self.server.add(wheel_factory("beta", "1.0"))
        self.server.add(wheel_factory("beta", "2.0", size_padding=20_000))
        self.run_sula = run_sula
        run_sula.env = dict(ENV)
        self.tmp = tmp_path
        self.cache = cache_dir
        self.venv = tmp_path / "env"
        self.site = make_venv(self.venv)
        # sula's own lock file in the environment (the first install makes it): not a change.
        (self.venv / ".lock").touch()
        (tmp_path / "requirements.in").write_text("alpha\n")
        (tmp_path / "requirements.txt").write_text("alpha==1.0\nbeta==2.0\n")

    @property
    def index_url(self) -> str:
        return self.server.url_with_auth

    def sula(self, command: str, *extra: str) -> SulaResult:
        python = ["--python", str(self.venv / "bin" / "python")]
        args = {
            "install": ["install", "alpha", *python],
            "compile": ["compile", "requirements.in", "-o", "out.txt"],
            "sync": ["sync", "requirements.txt", *python],
        }[command]
        self.server.clear_log()
        result = self.run_sula("pip", *args, "--index-url", self.index_url, *extra)
        self.server.wait_idle()
        return result

    def requests(self, path: str) -> list[str]:
        """What the server answered for ``path``, as ``status`` or ``status range``."""
        return [f"{r.status} {r.range}" if r.range else str(r.status)
                for r in self.server.requests_to(path)]

    def installed(self) -> list[str]:
        return sorted(p.name for p in self.site.glob("*.dist-info"))

    def cache_problems(self) -> list[str]:
        """Anything partial in the cache: a temp dir or `.part` file left behind, an unpacked
        wheel without its RECORD's files."""
        problems = cache_entries_complete(self.cache)
        tmp = self.cache / ".tmp"
        if tmp.exists():
            problems += [f"left in .tmp: {p.name}" for p in tmp.iterdir()]
        problems += [f"partial file {p}" for p in self.cache.rglob("*.part")]
        return problems


@pytest.fixture
def rig(run_sula: SulaRunner, index_server: Any, tmp_path: Path, cache_dir: Path,
        wheel_factory: Any) -> Iterator[Rig]:
    yield Rig(run_sula, index_server, tmp_path, cache_dir, wheel_factory)


def _error_lines(result: SulaResult) -> tuple[str, list[str]]:
    """The `error:` line and the `Caused by:` lines, checked for shape."""
    err = result.stderr
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    after = err.splitlines()[err.splitlines().index(errors[0]) + 1:]
    causes = [line for line in after if line.strip()]
    assert all(line.startswith("  Caused by: ") for line in causes), err
    return errors[0], causes


# -- transient faults: retried, then the command succeeds -----------------------------------------

BETA_PAGE = "/simple/beta/"
BETA = "/files/beta-2.0-py3-none-any.whl"
BETA_METADATA = BETA + ".metadata"

# Several faults in one run, each on its own path; for each, what the server answered there.
TRANSIENT = {
    "install": [
        ("reset before the answer", PAGE, dict(kind="reset"), ["0", "200"]),
        ("Content-Length too small (the next response is garbage)", BETA_PAGE,
         dict(kind="short-length"), ["200", "200"]),
        ("reset mid-body: resumed", ALPHA, dict(kind="reset", after=100_000),
         ["200", "206 bytes=100000-"]),
        ("trickle: resumed", BETA, dict(kind="trickle", chunk=16, delay=0.05),
         ["200", "206 bytes="]),
    ],
    "sync": [
        ("503 twice", BETA_PAGE, dict(kind="status", times=2), ["503", "503", "200"]),
        ("stall mid-body: resumed", ALPHA, dict(kind="stall", after=50_000, delay=1.5),
         ["200", "206 bytes=50000-"]),
        ("Content-Length too large: the rest is empty", BETA, dict(kind="long-length"),
         ["200", "416 bytes="]),
    ],
    "compile": [
        ("Content-Length too large", PAGE, dict(kind="long-length"), ["200", "200"]),
        ("timeout before the answer", METADATA, dict(kind="stall", delay=1.5), ["0", "200"]),
        ("500 once", BETA_METADATA, dict(kind="status", status=500), ["500", "200"]),
    ],
}


@pytest.mark.parametrize("command", list(TRANSIENT))
def test_transient_faults_are_retried_and_the_command_succeeds(rig: Rig, command: str) -> None:
    for _, path, rule, _ in TRANSIENT[command]:
        rig.server.rule(path, **rule)
    result = rig.sula(command)
    result.check()
    for what, path, _, answers in TRANSIENT[command]:
        got = rig.requests(path)
        # A resumed body asks for the rest from where it broke (a trickle: wherever that was).
        assert len(got) == len(answers) and all(
            g.startswith(a) for g, a in zip(got, answers, strict=True)), (what, got)
    print(f"{command}: {len(rig.server.requests)} requests, done in {result.duration:.1f}s")
    if command == "compile":
        assert "alpha==1.0" in (rig.tmp / "out.txt").read_text()
    else:
        assert rig.installed() == ["alpha-1.0.dist-info", "beta-2.0.dist-info"]
        assert record_problems(rig.site) == []
    assert rig.cache_problems() == []


# -- persistent faults: a clear error within a bounded time, nothing partial, nothing changed ------

PERSISTENT = [
    # id, command, path, rule, requests, the error line's start, a cause's words
    ("reset", "install", ALPHA, dict(kind="reset", after=100_000), ATTEMPTS,
     f"Failed to download `[SERVER]{ALPHA}` after {ATTEMPTS} attempts", "was reset after"),
    ("503", "compile", PAGE, dict(kind="status"), ATTEMPTS,
     "Request to `[INDEX]/alpha/` failed with HTTP status 503", None),
    ("timeout", "sync", ALPHA, dict(kind="stall", delay=1.5), ATTEMPTS,
     f"Failed to download `[SERVER]{ALPHA}` after {ATTEMPTS} attempts", "timed out"),
    ("content-length-too-large", "compile", PAGE, dict(kind="long-length"), ATTEMPTS,
     f"Failed to fetch the index page `[INDEX]/alpha/` after {ATTEMPTS} attempts",
     "closed after"),
    ("content-length-too-small", "install", ALPHA, dict(kind="short-length"), 1,
     f"Hash mismatch for `[SERVER]{ALPHA}`", None),
    ("trickle", "compile", PAGE, dict(kind="trickle", chunk=16, delay=0.1), ATTEMPTS,
     f"Failed to fetch the index page `[INDEX]/alpha/` after {ATTEMPTS} attempts", "too slow"),
    ("bad-hash", "sync", ALPHA, dict(kind="bad-hash", after=1000), 1,
     f"Hash mismatch for `[SERVER]{ALPHA}`", None),
]


@pytest.mark.parametrize(("command", "path", "rule", "count", "error", "cause"),
                         [pytest.param(*case[1:], id=case[0]) for case in PERSISTENT])
def test_persistent_fault_fails_clearly_and_changes_nothing(
    rig: Rig, command: str, path: str, rule: dict[str, Any], count: int, error: str,
    cause: str | None,
) -> None:
    if rule["kind"] == "bad-hash":  # an environment with something the sync would replace
        rig.run_sula("pip", "install", "beta==1.0", "--python", str(rig.venv / "bin" / "python"),
                     "--index-url", rig.index_url).check()
    (rig.tmp / "out.txt").write_text("# an earlier compile's output\n")
    before = tree_snapshot(rig.tmp, skip=[rig.cache])
    rig.server.rule(path, times=None, **rule)
    rig.run_sula.env = {**ENV, "SULA_HTTP_RETRIES": str(ATTEMPTS - 1)}
    result = rig.sula(command)
    rig.run_sula.env = dict(ENV)
    assert result.exit_code == 1, result.snapshot()
    _, causes = _error_lines(result)
    shown = result.redacted_stderr()
    assert f"error: {error}" in shown, shown
    assert cause is None or any(cause in c for c in causes), shown
    assert len(rig.server.requests_to(path)) == count, rig.requests(path)
    # Bounded: the attempts, their timeouts (1 s) and the backoff (0.5 s), plus start-up.
    assert result.duration < 15, result.duration
    print(f"{command} {rule['kind']}: {count} requests, failed in {result.duration:.1f}s")
    assert tree_snapshot(rig.tmp, skip=[rig.cache]) == before, "the environment changed"
    assert rig.cache_problems() == []
    if rule["kind"] == "bad-hash":
        # Nothing bad was cached: once the server is well, the same command succeeds.
        rig.server.clear_rules()
        rig.sula(command).check()
        assert rig.cache_problems() == [] and record_problems(rig.site) == []


def test_a_file_that_changes_between_attempts_is_not_spliced(
    rig: Rig, wheel_factory: Any, tmp_path: Path
) -> None:
    """The resumed request carries `If-Range`: the server, whose file changed after the
    reset, answers with all of the new one, and sula refuses to join it to the old bytes."""
    other = wheel_factory("alpha", "1.0", requires=["beta"], size_padding=300_001,
                          dest_dir=tmp_path / "other")
    rig.server.rule(ALPHA, "reset", after=100_000, then=lambda: rig.server.add(other))
    result = rig.sula("install")
    assert result.exit_code == 1
    line, _ = _error_lines(result)
    assert line == f"error: `{rig.server.base_url}{ALPHA}` changed while it was downloaded"
    assert rig.requests(ALPHA) == ["200", "200 bytes=100000-"]
    assert rig.server.requests_to(ALPHA)[1].headers["if-range"].startswith('"')
    assert rig.installed() == [] and rig.cache_problems() == []


def test_credentials_are_hidden_in_fault_errors(
    run_sula: SulaRunner, index_server: Any, tmp_path: Path, cache_dir: Path, wheel_factory: Any
) -> None:
    secret = "s3cret-pw"
    rig = Rig(run_sula, index_server, tmp_path, cache_dir, wheel_factory, auth=("alice", secret))
    rig.server.rule(ALPHA, "reset", times=None, after=10_000)
    rig.run_sula.env = {**ENV, "SULA_HTTP_RETRIES": "0"}
    result = rig.sula("install")
    assert result.exit_code == 1
    line, _ = _error_lines(result)
    assert f"alice:****@127.0.0.1:{rig.server.port}{ALPHA}" in line, line
    rig.server.clear_rules()
    rig.server.rule(PAGE, "status", times=None, status=502)
    compiled = rig.sula("compile", "--refresh")
    line, _ = _error_lines(compiled)
    assert f"`http://alice:****@127.0.0.1:{rig.server.port}{PAGE}`" in line, line
    assert "502" in line
    for output in (result.stdout, result.stderr, compiled.stdout, compiled.stderr):
        assert secret not in output
    assert not any(secret.encode() in p.read_bytes() for p in cache_dir.rglob("*") if p.is_file())
    assert not any(secret in str(p) for p in cache_dir.rglob("*"))


def test_minimum_speed_and_retries_are_settings(rig: Rig) -> None:
    """`SULA_HTTP_MIN_SPEED=0` lets a trickle finish; `SULA_HTTP_RETRIES=0` tries once; a bad
    value is an `error:` line (more values: tests/unit/client/test_client_units.py)."""
    rig.server.rule(PAGE, "trickle", times=None, chunk=64, delay=0.1)
    rig.run_sula.env = {**ENV, "SULA_HTTP_MIN_SPEED": "0"}
    rig.sula("compile").check()
    assert rig.requests(PAGE) == ["200"]
    rig.server.clear_rules()
    rig.server.rule(PAGE, "status", times=None)
    rig.run_sula.env = {**ENV, "SULA_HTTP_RETRIES": "0"}
    result = rig.sula("compile", "--refresh")
    assert result.exit_code == 1
    _error_lines(result)
    assert rig.requests(PAGE) == ["503"]
    rig.run_sula.env = {**ENV, "SULA_HTTP_MIN_SPEED": "fast"}
    line, _ = _error_lines(rig.sula("compile"))
    assert "`SULA_HTTP_MIN_SPEED`" in line, line


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-n", "0", "-s"]))
