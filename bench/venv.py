"""Benchmark: ``sula venv`` against ``python -m venv --without-pip``, median of N runs each.

    python bench/venv.py [--python PATH] [--runs 10] [--sula "sula"]

Both create an environment for the same base interpreter in a fresh temporary directory per
run, alternating so that both see the same machine state. sula runs with a warm interpreter
cache (one untimed run first), which is its normal state. Prints each median, and the ratio.
Not a timed test: run it by hand and write the figures in the commit or report.

Both are mostly interpreter start-up, so what sula imports decides the result: its path
imports no typing, dataclasses, pathlib/re, argparse (for plain command lines), hashlib,
shutil, msgspec or platformdirs (plain Linux default cache dir), and through the installed
``sula`` command (scripts/sula, no runpy) no contextlib, functools, collections, importlib or
types either. tests/unit/cli/test_startup.py fails when one of them comes back;
``python -X importtime -m sula venv ...`` shows the rest. ``--sula /path/to/venv/bin/sula``
times the command as a user runs it (``python -m sula`` pays runpy's imports).
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

# Byte-code caches must be writable, as on a user's machine (the stdlib's are prebuilt).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_ENV)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="Base interpreter (default: this one)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sula", default=None, help="Command that runs sula (default: this Python -m sula)")
    args = parser.parse_args(argv)

    python = str(Path(args.python).absolute())
    sula = shlex.split(args.sula) if args.sula else [sys.executable, "-m", "sula"]
    work = Path(tempfile.mkdtemp(prefix="sula-bench-venv-"))
    cache = work / "cache"
    try:
        _time([*sula, "venv", str(work / "warm"), "--python", python, "--cache-dir", str(cache)])
        sula_times: list[float] = []
        venv_times: list[float] = []
        for i in range(args.runs):
            sula_times.append(_time([*sula, "venv", str(work / f"s{i}"), "--python", python,
                                     "--cache-dir", str(cache)]))
            venv_times.append(_time([python, "-m", "venv", "--without-pip", str(work / f"v{i}")]))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    s, v = statistics.median(sula_times), statistics.median(venv_times)
    print(f"base interpreter:               {python}")
    print(f"runs:                           {args.runs}")
    print(f"sula venv (median):             {s * 1000:8.1f} ms")
    print(f"python -m venv --without-pip:   {v * 1000:8.1f} ms")
    print(f"ratio (venv / sula):            {v / s:8.2f}x {'faster' if s < v else 'SLOWER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
