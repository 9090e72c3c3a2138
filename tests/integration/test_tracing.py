"""`-v` ends with the time of each phase; `SULA_TRACE=FILE` writes the run's spans as a Chrome
trace (issue 13 item 4)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel


def test_verbose_install_prints_phase_times_and_trace_holds_the_spans(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "alpha", "1.0", requires=["beta>=1"]))
    server.add(build_wheel(dists_dir, "beta", "1.0"))
    venv = tmp_path / "venv"
    make_venv(venv)
    trace = tmp_path / "trace.json"
    result = run_sula("pip", "install", "-v", "alpha", "--python", venv / "bin" / "python",
                      "--index-url", server.url, env={"SULA_TRACE": str(trace)})
    assert result.exit_code == 0, result.stderr
    phases = [line for line in result.stderr.splitlines() if line.startswith("Phases: ")]
    assert len(phases) == 1, result.stderr
    assert re.fullmatch(r"Phases: resolve \d+ ms, prepare \d+ ms, install \d+ ms", phases[0])
    events = json.loads(trace.read_text())["traceEvents"]
    names = {e["name"] for e in events if e["ph"] == "X"}
    assert {"sula pip install", "resolver.solve", "client.files", "download", "unzip",
            "install_wheels"} <= names
    downloads = [e for e in events if e["name"] == "download"]
    assert {e["args"]["wheel"] for e in downloads} == {"alpha-1.0-py3-none-any.whl",
                                                       "beta-1.0-py3-none-any.whl"}
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in events if e["ph"] == "X")


def test_no_trace_and_no_phase_line_by_default(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "beta", "1.0"))
    result = run_sula("pip", "compile", "-", "--index-url", server.url, input="beta\n")
    assert result.exit_code == 0, result.stderr
    assert "Phases:" not in result.stderr
    assert list(tmp_path.glob("*.json")) == []


def test_unwritable_trace_is_a_warning_not_a_failure(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    server.add(build_wheel(dists_dir, "beta", "1.0"))
    target = tmp_path / "missing-dir" / "trace.json"
    result = run_sula("pip", "compile", "-", "--index-url", server.url, input="beta\n",
                      env={"SULA_TRACE": str(target)})
    assert result.exit_code == 0, result.stderr
    assert "Could not write the trace to" in result.stderr
    assert "beta==1.0" in result.stdout
