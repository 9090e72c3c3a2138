"""packse resolver scenarios (uv's conformance cases) run against `sula pip install|compile`.

The harness is ``<repo>/../shared/packse/run-scenarios`` (see its README): it builds every
scenario into a static index on 127.0.0.1 (cached in ``~/.cache/packse-harness``; the first
build takes a minute or two per scenario set) and prints one ``PASS|FAIL|SKIP name: reason``
line per scenario. Each run here must have no FAIL beyond those listed, with a reason, in
``tests/data/packse/expected-failures-<set>-<mode>.txt``. An expected failure that now passes
is reported (a warning and a printed note) but does not fail the test: remove it from the list.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
HARNESS = ROOT.parent / "shared" / "packse" / "run-scenarios"
DATA = ROOT / "tests" / "data" / "packse"

# uv 0.13.9's scores with the same harness (its README), for the failure messages.
UV_SCORES = {
    ("uv", "install"): "127 passed, 0 failed, 0 skipped",
    ("uv", "compile"): "137 passed, 0 failed, 2 skipped",
    ("packse", "install"): "91 passed, 7 failed, 0 skipped",
    ("packse", "compile"): "97 passed, 7 failed, 2 skipped",
    # `--kinds lock`: the universal scenarios, run as `pip compile --universal`.
    ("uv", "lock"): "44 passed, 1 failed, 1 skipped",
    ("packse", "lock"): "39 passed, 1 failed, 1 skipped",
}
RUN_TIMEOUT = 900  # one harness run, index build on a fresh machine included
LINE = re.compile(r"^(PASS|FAIL|SKIP) (\S+): (.*)$")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$")
EXPECTED_ERROR = re.compile(r"^failed as expected \(exit (\d+)\)")

needs_harness = pytest.mark.skipif(
    not HARNESS.is_file(), reason=f"packse harness not found at {HARNESS}"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class HarnessRun:
    """One harness run: per-scenario status and reason, and the summary counts."""

    results: dict[str, tuple[str, str]]
    counts: tuple[int, int, int]
    returncode: int
    stdout: str
    stderr: str

    def names(self, status: str) -> set[str]:
        return {name for name, (st, _) in self.results.items() if st == status}


def parse_output(stdout: str) -> tuple[dict[str, tuple[str, str]], tuple[int, int, int] | None]:
    """Parse the harness's scenario lines and its final ``N passed, N failed, N skipped`` line."""
    results: dict[str, tuple[str, str]] = {}
    counts = None
    for line in stdout.splitlines():
        if m := LINE.match(line):
            results[m.group(2)] = (m.group(1), m.group(3))
        elif m := SUMMARY.match(line.strip()):
            counts = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return results, counts


def strict(results: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """The harness passes an unsatisfiable scenario on any non-zero exit; sula exits 1 when a
    resolution fails and 2 on usage or unexpected errors, so an exit 2 (say, an unknown flag)
    passes only by accident: count it as a FAIL."""
    out = dict(results)
    for name, (status, reason) in results.items():
        m = EXPECTED_ERROR.match(reason)
        if status == "PASS" and m and m.group(1) != "1":
            out[name] = ("FAIL", f"exit {m.group(1)} instead of 1, not a resolution failure: {reason}")
    return out


def read_expected(path: Path) -> dict[str, str]:
    """``name  # reason`` per line; blank lines and whole-line comments are ignored."""
    expected: dict[str, str] = {}
    if not path.exists():
        return expected
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition("#")
        name, reason = name.strip(), reason.strip()
        if not sep or not reason or " " in name:
            raise AssertionError(f"{path.name}:{number}: want `scenario-name  # reason`, got {raw!r}")
        if name in expected:
            raise AssertionError(f"{path.name}:{number}: {name} is listed twice")
        expected[name] = reason
    return expected


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "packse-harness"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # sula from the test venv first; the harness puts its Python links in front of this.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _harness(*args: str) -> subprocess.CompletedProcess[str]:
    # The harness needs Python >= 3.11; older ones re-run it through its shebang.
    cmd = [sys.executable, str(HARNESS)] if sys.version_info >= (3, 11) else [str(HARNESS)]
    cmd += ["--cache-dir", str(_cache_dir()), *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=_env(),
                              timeout=RUN_TIMEOUT, cwd=ROOT)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        pytest.fail(f"run-scenarios {' '.join(args)} timed out after {RUN_TIMEOUT}s\n"
                    f"stdout tail:\n{out[-3000:]}\nstderr tail:\n{err[-3000:]}")


@pytest.fixture(scope="session")
def harness_lock() -> Iterator[Path]:
    """Path of the lock file that serializes index builds between xdist workers."""
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    yield cache / ".sula-tests.lock"


def _warm_index(lock: Path, scenario_set: str) -> None:
    """Build (or find) the scenario set's index while holding a file lock: the harness does not
    lock its cache, and two xdist workers must not build the same index at once. A filter that
    matches nothing builds and serves the index, then runs no scenario."""
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            proc = _harness("--scenarios", scenario_set, "--filter", "//no-such-scenario//")
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    if proc.returncode != 0:
        pytest.fail(f"building the packse index for the {scenario_set} set failed "
                    f"(exit {proc.returncode}):\n{proc.stderr[-4000:]}")


def run_set(lock: Path, scenario_set: str, mode: str) -> HarnessRun:
    _warm_index(lock, scenario_set)
    kinds = ["--mode", "compile", "--kinds", "lock"] if mode == "lock" else ["--mode", mode]
    proc = _harness("--scenarios", scenario_set, *kinds, "--jobs", "2", "--timeout", "180")
    results, counts = parse_output(proc.stdout)
    if proc.returncode not in (0, 1) or counts is None:
        pytest.fail(f"run-scenarios failed (exit {proc.returncode}):\n"
                    f"stdout tail:\n{proc.stdout[-3000:]}\nstderr tail:\n{proc.stderr[-3000:]}")
    return HarnessRun(results=results, counts=counts, returncode=proc.returncode,
                      stdout=proc.stdout, stderr=proc.stderr)


@pytest.mark.slow
@needs_harness
@pytest.mark.parametrize(("scenario_set", "mode"), [
    ("uv", "install"), ("uv", "compile"), ("packse", "install"), ("packse", "compile"),
    ("uv", "lock"), ("packse", "lock"),
])
def test_packse_scenarios(scenario_set: str, mode: str, harness_lock: Path) -> None:
    expected_file = DATA / f"expected-failures-{scenario_set}-{mode}.txt"
    expected = read_expected(expected_file)

    run = run_set(harness_lock, scenario_set, mode)

    passed, failed, skipped = run.counts
    assert len(run.results) == passed + failed + skipped > 0, run.stdout[-3000:]
    assert run.returncode == (1 if failed else 0)
    score = f"sula: {passed} passed, {failed} failed, {skipped} skipped; uv 0.13.9: {UV_SCORES[scenario_set, mode]}"
    results = strict(run.results)
    accidental = sorted(n for n in results if results[n][0] != run.results[n][0])
    if accidental:
        score += f" ({len(accidental)} of the passes exited 2, counted as FAIL here)"
    print(f"\npackse {scenario_set}/{mode}: {score}")
    for name in sorted(run.names("SKIP")):
        print(f"  SKIP {name}: {run.results[name][1]}")

    unknown = sorted(set(expected) - set(results))
    now_passing = sorted(name for name in expected if results.get(name, ("", ""))[0] == "PASS")
    if unknown or now_passing:
        note = (f"{expected_file.name}: "
                + (f"now passing (remove them): {', '.join(now_passing)}. " if now_passing else "")
                + (f"not in this scenario set: {', '.join(unknown)}." if unknown else ""))
        print(note)
        warnings.warn(note, stacklevel=1)

    unexpected = sorted({n for n, (st, _) in results.items() if st == "FAIL"} - set(expected))
    assert not unexpected, (
        f"{len(unexpected)} unexpected packse failure(s) ({score}):\n"
        + "\n".join(f"  {name}: {results[name][1]}" for name in unexpected)
    )


def test_expected_failure_lists_are_well_formed() -> None:
    """Every list entry has a reason; only the six set/mode lists exist."""
    files = sorted(DATA.glob("*.txt"))
    names = {f"expected-failures-{s}-{m}.txt" for s in ("uv", "packse")
             for m in ("install", "compile", "lock")}
    assert {f.name for f in files} <= names
    for f in files:
        read_expected(f)


def test_parse_output_reads_scenario_lines_and_summary() -> None:
    results, counts = parse_output(
        "PASS fork-basic: pinned a==1.0.0\n"
        "FAIL no-wheels: expected success, command exited 1: error: `a` needs: a build\n"
        "    $ sula pip install ...\n"
        "SKIP python-patch-override-patch-compatible: python 3.9.21 not found\n"
        "1 passed, 1 failed, 1 skipped\n"
    )
    assert counts == (1, 1, 1)
    assert results == {
        "fork-basic": ("PASS", "pinned a==1.0.0"),
        "no-wheels": ("FAIL", "expected success, command exited 1: error: `a` needs: a build"),
        "python-patch-override-patch-compatible": ("SKIP", "python 3.9.21 not found"),
    }


def test_strict_counts_an_exit_2_as_failure() -> None:
    results = strict({
        "a": ("PASS", "failed as expected (exit 1); error mentions a"),
        "b": ("PASS", "failed as expected (exit 2)"),
        "c": ("PASS", "pinned a==1.0.0"),
    })
    assert results["a"][0] == results["c"][0] == "PASS"
    assert results["b"] == ("FAIL", "exit 2 instead of 1, not a resolution failure: "
                                    "failed as expected (exit 2)")
