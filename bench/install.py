"""Benchmark: ``sula pip sync`` against ``uv pip sync``, warm cache, median of N runs each.

    python bench/install.py [REQUIREMENTS] [--runs 5] [--uv PATH] [--sula "sula"] [--find-links URL]

Default input: ../shared/bench/requirements/requirements-large.txt (45 pins, ~9,500 files).
Each tool gets its own cache, filled by one untimed run. Then, alternating so that both see
the same machine state: a sync into a fresh venv (link everything from the cache), and a
no-op sync into an environment that already matches. Prints the medians and the ratios.
Needs the network once (the untimed runs). Not a timed test: run it by hand.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REQS = ROOT.parent / "shared" / "bench" / "requirements" / "requirements-large.txt"


def _run(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def _venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("requirements", nargs="?", default=str(DEFAULT_REQS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--uv", default=str(Path(sys.executable).parent / "uv"))
    parser.add_argument("--sula", default=None, help="Command that runs sula (default: this Python -m sula)")
    parser.add_argument("--find-links", metavar="URL", default=None,
                        help="Take every wheel from this find-links location (--no-index), not the index")
    args = parser.parse_args(argv)

    sula = shlex.split(args.sula) if args.sula else [sys.executable, "-m", "sula"]
    work = Path(tempfile.mkdtemp(prefix="sula-bench-install-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_", "SULA_"))}
    times: dict[str, list[float]] = {"sula fresh": [], "uv fresh": [], "sula no-op": [], "uv no-op": []}
    try:
        envs = {
            "sula": {**base, "SULA_CACHE_DIR": str(work / "sula-cache")},
            "uv": {**base, "UV_CACHE_DIR": str(work / "uv-cache")},
        }
        source = ["--no-index", "--find-links", args.find_links] if args.find_links else []
        cmds = {
            "sula": [*sula, "pip", "sync", args.requirements, *source, "--python"],
            "uv": [args.uv, "pip", "sync", args.requirements, *source, "--python"],
        }
        for tool in ("sula", "uv"):
            warm = _venv(work / f"{tool}-warm")
            _run([*cmds[tool], str(warm / "bin" / "python")], envs[tool])
        for i in range(args.runs):
            for tool in ("sula", "uv"):
                venv = _venv(work / f"{tool}-{i}")
                times[f"{tool} fresh"].append(_run([*cmds[tool], str(venv / "bin" / "python")], envs[tool]))
        for _ in range(args.runs):
            for tool in ("sula", "uv"):
                times[f"{tool} no-op"].append(
                    _run([*cmds[tool], str(work / f"{tool}-warm" / "bin" / "python")], envs[tool])
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"requirements: {args.requirements}  runs: {args.runs}")
    for kind in ("fresh", "no-op"):
        s, u = med[f"sula {kind}"], med[f"uv {kind}"]
        print(f"{kind:>6}: sula {s * 1000:7.0f} ms   uv {u * 1000:7.0f} ms   ratio {s / u:4.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
