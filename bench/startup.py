"""Start-up bound runs, two sula source trees against uv, taking turns run by run (issue 13).

    python bench/startup.py --before TREE [--after TREE] [--runs 7] [--only compile,sync,venv]
                            [--requirements DIR] [--python PATH] [--uv PATH]

``--before``/``--after`` are directories holding a ``sula/`` package (``git archive REV sula |
tar -x -C DIR`` makes one; ``--after`` defaults to this checkout): each runs as
``python -m sula`` with ``PYTHONPATH=TREE``, byte-compiled (PYTHONDONTWRITEBYTECODE is
dropped), in a temporary directory. Scenarios, all warm and ``--offline``: ``pip compile
--python PYTHON`` of trio.in and requirements.in,
a no-op ``pip sync`` of requirements-large.txt, and ``venv``. One untimed run per tool and
scenario warms the caches (online) first. Prints medians of wall time and of CPU time (user +
sys of the child: steadier than wall time on a shared machine) and the ratios to uv.
Each tree has its own cache directory: their cache formats may differ (index pages are
stored grouped by version since issue 13 item 2, which older trees do not read).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXCLUDE_NEWER = ["--exclude-newer", "2026-11-01T00:00:00Z"]


def run(cmd: list[str], env: dict[str, str], clear: Path | None = None, *, cwd: Path
        ) -> tuple[float, float]:
    if clear is not None:
        shutil.rmtree(clear, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="compile,sync,venv")
    parser.add_argument("--requirements", type=Path, default=Path("/work/shared/bench/requirements"))
    parser.add_argument("--python", default=sys.executable, help="the Python of the venvs")
    parser.add_argument("--uv", default=shutil.which("uv") or str(Path(sys.executable).with_name("uv")))
    args = parser.parse_args()
    uv = str(Path(args.uv).resolve()) if os.sep in args.uv else args.uv  # runs in another cwd
    work = Path(tempfile.mkdtemp(prefix="sula-startup-"))
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    tools = {
        "before": ([sys.executable, "-m", "sula"],
                   dict(base, PYTHONPATH=str(args.before.resolve()),
                        SULA_CACHE_DIR=str(work / "sula-cache-before"))),
        "after": ([sys.executable, "-m", "sula"],
                  dict(base, PYTHONPATH=str(args.after.resolve()),
                       SULA_CACHE_DIR=str(work / "sula-cache-after"))),
        "uv": ([uv], dict(base, UV_CACHE_DIR=str(work / "uv-cache"))),
    }
    reqs = args.requirements
    venvs = {}
    for tool, (cmd, env) in tools.items():
        venvs[tool] = work / f"env-{tool}"
        run([*cmd, "venv", "-q", str(venvs[tool]), "--python", args.python], env, cwd=work)
    scenarios: list[tuple[str, str, list[str], bool]] = [
        ("compile", "offline compile of trio.in",
         ["pip", "compile", str(reqs / "trio.in"), "-q", "--python", args.python, *EXCLUDE_NEWER],
         False),
        ("compile", "offline compile of requirements.in",
         ["pip", "compile", str(reqs / "requirements.in"), "-q", "--python", args.python,
          *EXCLUDE_NEWER], False),
        ("sync", "no-op offline sync of requirements-large.txt",
         ["pip", "sync", "-q", str(reqs / "requirements-large.txt"), "--python", "{venv}"], False),
        ("venv", "venv", ["venv", "-q", "{dir}", "--python", args.python], True),
    ]
    print(f"| scenario ({args.runs} runs) | sula before | sula after | uv | before/uv | after/uv "
          "| CPU before → after, uv |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for key, title, argv, clears in scenarios:
        if key not in args.only.split(","):
            continue

        def line(tool: str, offline: bool, argv: list[str] = argv) -> list[str]:
            out = [a.replace("{venv}", str(venvs[tool] / "bin" / "python"))
                   .replace("{dir}", str(work / f"new-{tool}")) for a in argv]
            return [*tools[tool][0], *out, *(["--offline"] if offline else [])]

        for tool in tools:  # warm-up, online
            run(line(tool, False), tools[tool][1], work / f"new-{tool}" if clears else None,
                cwd=work)
        walls: dict[str, list[float]] = {t: [] for t in tools}
        cpus: dict[str, list[float]] = {t: [] for t in tools}
        for _ in range(args.runs):
            for tool in tools:
                wall, cpu = run(line(tool, key != "venv"), tools[tool][1],
                                work / f"new-{tool}" if clears else None, cwd=work)
                walls[tool].append(wall)
                cpus[tool].append(cpu)
        w = {t: statistics.median(v) * 1000 for t, v in walls.items()}
        c = {t: statistics.median(v) * 1000 for t, v in cpus.items()}
        print(f"| {title} | {w['before']:.0f} ms | {w['after']:.0f} ms | {w['uv']:.0f} ms | "
              f"{w['before'] / w['uv']:.1f} | {w['after'] / w['uv']:.1f} | "
              f"{c['before']:.0f} → {c['after']:.0f} ms, {c['uv']:.0f} ms |", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
