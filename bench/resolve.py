"""Benchmark: warm-cache `sula pip compile` against `uv pip compile` on the same input, same run.

    python bench/resolve.py [REQUIREMENTS.in] [--runs N] [--exclude-newer DATE] [--python-version X.Y]

Both tools first resolve once with their own fresh cache directory (cold, not timed into the
ratio), then ``--runs`` times warm; the median wall time of the warm runs (whole process,
start-up included) is compared. Prints each tool's times, the ratio sula/uv, and whether the
two outputs pin the same ``name==version`` set. Talks to the default index: needs network.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "bench" / "requirements" / "requirements.in"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*==[^\s;\\]+)", re.M)


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"bench/resolve.py: `{name}` not found next to {sys.executable} or on PATH")
    return found


def _run(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench/resolve.py: {' '.join(cmd)} failed:\n{proc.stderr}")
    return elapsed, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--exclude-newer", default="2026-11-01T00:00:00Z")
    parser.add_argument("--python-version", default="3.11")
    args = parser.parse_args()

    common = [args.requirements, "--exclude-newer", args.exclude_newer,
              "--python-version", args.python_version, "--no-header", "-q"]
    results: dict[str, list[float]] = {}
    pins: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory(prefix="sula-bench-") as tmp:
        tools = {
            "sula": [_tool("sula"), "pip", "compile", *common, "--cache-dir", f"{tmp}/sula"],
            "uv": [_tool("uv"), "pip", "compile", *common, "--cache-dir", f"{tmp}/uv"],
        }
        for name, cmd in tools.items():
            cold, out = _run(cmd)
            pins[name] = set(_PIN.findall(out))
            print(f"{name:5} cold   {cold * 1000:8.0f} ms  ({len(pins[name])} packages)")
        for _ in range(args.runs):
            for name, cmd in tools.items():  # interleaved, so both see the same machine load
                results.setdefault(name, []).append(_run(cmd)[0])
    for name, times in results.items():
        shown = " ".join(f"{t * 1000:.0f}" for t in times)
        print(f"{name:5} warm   {statistics.median(times) * 1000:8.0f} ms median  [{shown}]")
    ratio = statistics.median(results["sula"]) / statistics.median(results["uv"])
    print(f"ratio  sula/uv warm median: {ratio:.2f}x (target <= 3x)")
    same = pins["sula"] == pins["uv"]
    print(f"same name==version set: {same}")
    if not same:
        print("  only sula:", sorted(pins["sula"] - pins["uv"]))
        print("  only uv:  ", sorted(pins["uv"] - pins["sula"]))


if __name__ == "__main__":
    main()
