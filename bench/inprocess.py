"""A second in-process `sula.resolve` against one offline `uv pip compile` of the same input.

    python bench/inprocess.py [--runs 7] [--requirements FILE] [--uv PATH]

A tool that resolves many times in one process (a test runner making environments, an
editor) pays sula's start-up once; each later `sula.resolve(..., offline=True)` is timed
here, alternating with whole `uv pip compile --offline` runs on the same warm cache state.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CUTOFF = "2026-11-01T00:00:00Z"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requirements", default=str(Path(__file__).resolve().parents[2] / "shared" / "bench"
                                                        / "requirements" / "trio.in"))
    parser.add_argument("--uv", default=shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv")
    args = parser.parse_args()
    import sula

    reqs = [line.split("#", 1)[0].strip() for line in Path(args.requirements).read_text().splitlines()]
    reqs = [r for r in reqs if r]
    with tempfile.TemporaryDirectory() as tmp:
        sula_cache, uv_cache = os.path.join(tmp, "sula"), os.path.join(tmp, "uv")
        uv = [args.uv, "pip", "compile", args.requirements, "--exclude-newer", CUTOFF, "-q",
              "--cache-dir", uv_cache, "--python", sys.executable]
        subprocess.run(uv, check=True, capture_output=True)  # warm-up, online
        sula.resolve(reqs, exclude_newer=CUTOFF, cache_dir=sula_cache)  # warm-up, online
        sula.resolve(reqs, exclude_newer=CUTOFF, cache_dir=sula_cache, offline=True)  # the first in-process
        ours, theirs = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            sula.resolve(reqs, exclude_newer=CUTOFF, cache_dir=sula_cache, offline=True)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run([*uv, "--offline"], check=True, capture_output=True)
            theirs.append(time.perf_counter() - t)
    a, b = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
    print(f"{Path(args.requirements).name}: in-process sula.resolve {a:.1f} ms, "
          f"uv pip compile --offline {b:.1f} ms, ratio {a / b:.2f} (medians of {args.runs})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
