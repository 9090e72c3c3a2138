"""Benchmark: sula against uv and pip / pip-compile in the same run (median, min, ratios).

    python bench/compare.py [--runs 5] [--only install-warm,noop-sync,resolve-warm,resolve-trio,venv,...]
                            [--json FILE] [--workdir DIR] [--requirements DIR] [--python PATH]
                            [--sula CMD] [--uv PATH] [--pip-compile PATH]

Every tool gets its own cache directory under the work directory and one untimed warm-up run
(with the network) per scenario; then the tools take turns, run by run, so that they all see the
same machine state. sula and uv run their timed runs with `--offline` and dead proxy variables,
so a timed run cannot reach the network. pip cannot: it revalidates every index page it uses
(`Cache-Control: max-age=0`, answered 304 from its HTTP cache), so its warm runs include those
round trips. The cold scenarios empty each tool's cache before every run and use the network;
the `-online` ones keep the warm cache but do not pass `--offline`. Each row also gives the
median peak RSS of the command (its largest process, from wait4). See bench/README.md for what
each scenario runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("install-warm", "noop-sync", "resolve-warm", "resolve-trio", "venv",
             "install-cold", "resolve-cold", "resolve-online", "resolve-trio-online",
             "resolve-ha", "resolve-ha-online", "resolve-ha-cold")
DEFAULT = ("install-warm", "noop-sync", "resolve-warm", "resolve-trio", "venv",
           "install-cold", "resolve-cold", "resolve-online")  # the home-assistant ones take minutes
NEEDED = {"install-warm": "requirements-large.txt", "noop-sync": "requirements-large.txt",
          "install-cold": "requirements-large.txt",
          "resolve-warm": "requirements.in", "resolve-online": "requirements.in",
          "resolve-trio": "trio.in", "resolve-trio-online": "trio.in", "resolve-cold": "trio.in",
          "resolve-ha": "home-assistant.in", "resolve-ha-online": "home-assistant.in",
          "resolve-ha-cold": "home-assistant.in"}
EXCLUDE_NEWER = "2026-11-01T00:00:00Z"
DEAD_PROXY = "http://127.0.0.1:9"
PIP_REWARM_AFTER = 300.0  # s: re-warm pip's cache before a timed run if the last warm-up is older
WARM_TIMEOUT = 3600.0
RUN_TIMEOUT = 1800.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Tools:
    """The commands under test; ``None`` when a tool is not installed."""

    sula: list[str]
    uv: str | None
    pip: list[str]
    pip_compile: str | None
    python: str  # base interpreter every venv is made from
    python_version: str  # its X.Y


@dataclass(slots=True, kw_only=True)
class Case:
    """One tool in one scenario: ``command(run, warm)`` is the argv of run ``run`` (-1 = warm-up)."""

    tool: str  # sula | uv | pip
    label: str
    command: Callable[[int, bool], list[str]] | None  # None: the tool is missing
    before: Callable[[int], None] = lambda run: None  # untimed set-up of a run (a fresh venv)
    after: Callable[[int], None] = lambda run: None  # untimed clean-up of a run
    cwd: Path | None = None
    offline: bool = True  # timed runs get dead proxies (sula and uv also get --offline)
    rewarm_after: float | None = None
    note: str = ""
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # peak RSS of each timed run, bytes
    status: str = "ok"  # ok | FAILED | missing
    error: str = ""
    last_warm: float = 0.0


@dataclass(slots=True, kw_only=True)
class Scenario:
    name: str
    title: str
    cases: list[Case]
    notes: list[str] = field(default_factory=list)
    baseline: str = "pip"  # how the third row is named in the ratio
    target: float | None = None  # DESIGN.md's goal for sula/uv (warm install 2x, warm resolve 3x)


# --------------------------------------------------------------------------- environment


def tool_env(*, offline: bool) -> dict[str, str]:
    """The outside environment minus anything that would point a tool elsewhere (pip's config
    files, find-links, constraints; uv's and sula's settings); with ``offline``, dead proxies."""
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "SULA_", "CONDA_"))
        # PYTHONDONTWRITEBYTECODE (set on these machines) would make every Python tool,
        # sula and pip alike, recompile its own modules on every start: not what a user
        # with a normal install sees.
        and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")
    }
    if "PIP_CERT" in os.environ:  # a CA bundle changes no answer; the network may need it
        env["PIP_CERT"] = os.environ["PIP_CERT"]
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1",
               UV_NO_CONFIG="1", UV_PYTHON_DOWNLOADS="never")
    for key in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env.pop(key, None)
        if offline:
            env[key] = DEAD_PROXY
    if offline:
        env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def find_tools(args: argparse.Namespace) -> Tools:
    here = Path(sys.executable).parent
    if args.sula:
        sula = shlex.split(args.sula)
    elif (here / "sula").exists():
        sula = [str(here / "sula")]
    else:
        sula = [sys.executable, "-m", "sula"]
    uv = args.uv or next((str(p) for p in (ROOT / ".test-venv/bin/uv", here / "uv") if p.exists()),
                         None) or shutil.which("uv")
    pip_compile = args.pip_compile or next(
        (str(p) for p in (ROOT / ".test-venv/bin/pip-compile", here / "pip-compile") if p.exists()),
        None) or shutil.which("pip-compile")
    python = str(Path(args.python).absolute()) if args.python else getattr(
        sys, "_base_executable", sys.executable)
    version = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    return Tools(sula=sula, uv=uv, pip=[sys.executable, "-m", "pip"], pip_compile=pip_compile,
                 python=python, python_version=version)


def version_of(cmd: list[str]) -> str:
    try:
        proc = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=60,
                              env=tool_env(offline=True))
    except OSError as err:
        return f"unavailable ({err})"
    return (proc.stdout.strip() or proc.stderr.strip()).splitlines()[0] if proc.returncode == 0 else "?"


def make_venv(python: str, path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([python, "-m", "venv", "--without-pip", str(path)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def venv_python(venv: Path) -> str:
    return str(venv / "bin" / "python")


# --------------------------------------------------------------------------- scenarios


def install_scenarios(name: str, tools: Tools, work: Path, reqs: Path) -> Scenario:
    """``install-warm`` (a fresh venv per run), ``install-cold`` (the same with the tool's cache
    emptied before each run, online) or ``noop-sync`` (one synced venv, synced again)."""
    noop = name == "noop-sync"
    cold = name == "install-cold"
    cache = work / ("cache-cold" if cold else "cache")
    cases: list[Case] = []

    def add(tool: str, label: str, argv: Callable[[Path, bool], list[str]] | None,
            rewarm: float | None = None, offline: bool = not cold) -> None:
        base = work / name / tool

        def venv_of(run: int) -> Path:
            return base / ("venv" if noop else f"run-{run}")

        def before(run: int) -> None:
            if not noop or run < 0:  # noop: only the warm-up creates (and fills) the venv
                make_venv(tools.python, venv_of(run))
            if cold:
                shutil.rmtree(cache / tool, ignore_errors=True)

        def after(run: int) -> None:
            if not noop:
                shutil.rmtree(venv_of(run), ignore_errors=True)

        cases.append(Case(
            tool=tool, label=label, before=before, after=after, rewarm_after=rewarm,
            offline=offline,
            command=None if argv is None else (lambda run, warm: argv(venv_of(run), warm)),
        ))

    add("sula", "sula pip sync", lambda venv, warm: [
        *tools.sula, "pip", "sync", str(reqs), "--python", venv_python(venv),
        "--cache-dir", str(cache / "sula"), *([] if warm or cold else ["--offline"])])
    uv = tools.uv
    add("uv", "uv pip sync", None if uv is None else lambda venv, warm: [
        uv, "pip", "sync", str(reqs), "--python", venv_python(venv),
        "--cache-dir", str(cache / "uv"), *([] if warm or cold else ["--offline"])])
    add("pip", "pip install --no-deps -r", lambda venv, warm: [
        *tools.pip, "--python", venv_python(venv), "install", "--no-deps", "-r", str(reqs),
        "--cache-dir", str(cache / "pip")],
        # noop: every pin is already satisfied, pip reads no index page and needs no network
        rewarm=None if noop or cold else PIP_REWARM_AFTER, offline=noop)
    if noop:
        title = f"sync {reqs.name} into the already-synced venv"
        notes = ["pip: `Requirement already satisfied` for each pin"]
    elif cold:
        title = f"cold-cache install of {reqs.name} into a fresh venv (cache emptied, network)"
        notes = ["every tool's cache is removed before each run (not timed); all use the network"]
    else:
        title = f"warm-cache install of {reqs.name} into a fresh venv (venv creation not timed)"
        notes = ["pip revalidates each index page (max-age=0 → 304) on every run: its timed runs "
                 "use the network; sula and uv run --offline"]
    return Scenario(name=name, title=title, cases=cases, notes=notes,
                    target={"install-warm": 1.2, "install-cold": 1.5}.get(name))


def resolve_scenario(name: str, tools: Tools, work: Path, src: Path) -> Scenario:
    """``resolve-*``: a warm offline resolve; ``*-online`` the same without ``--offline``;
    ``*-cold`` with each tool's cache emptied before every run."""
    cold = name.endswith("-cold")
    online = cold or name.endswith("-online")
    cache = work / ("cache-cold" if cold else "cache")
    target_args = ["--python", tools.python, "--python-version", "3.11", "--exclude-newer", EXCLUDE_NEWER]
    uv, pip_compile = tools.uv, tools.pip_compile
    mode = [] if online else ["--offline"]

    def emptied(*dirs: str) -> Callable[[int], None]:
        def before(run: int) -> None:
            if cold and run >= 0:  # the warm-up still fills the cache (checks the command works)
                for d in dirs:
                    shutil.rmtree(cache / d, ignore_errors=True)
        return before

    cases = [
        Case(tool="sula", label="sula pip compile", before=emptied("sula"), offline=not online,
             command=lambda run, warm: [
                 *tools.sula, "pip", "compile", str(src), *target_args,
                 "--cache-dir", str(cache / "sula"), *([] if warm else mode)]),
        Case(tool="uv", label="uv pip compile", before=emptied("uv"), offline=not online,
             command=None if uv is None else lambda run, warm: [
                 uv, "pip", "compile", str(src), *target_args, "--cache-dir", str(cache / "uv"),
                 *([] if warm else mode)]),
        Case(tool="pip", label="pip-compile", offline=False, before=emptied("pip-tools", "pip"),
             rewarm_after=None if cold else PIP_REWARM_AFTER,
             cwd=work, command=None if pip_compile is None else lambda run, warm: [
                 pip_compile, str(src), "--output-file", "-", "--quiet", "--strip-extras",
                 "--cache-dir", str(cache / "pip-tools"),
                 "--pip-args", f"--cache-dir {cache / 'pip'} --uploaded-prior-to {EXCLUDE_NEWER}"]),
    ]
    pc_python = "?"
    if pip_compile is not None:
        first = Path(pip_compile).read_bytes()[:400].split(b"\n", 1)[0]
        if first.startswith(b"#!"):
            interp = first[2:].decode().strip().split()[0]
            pc_python = subprocess.run(
                [interp, "-c", "import platform; print(platform.python_version())"],
                capture_output=True, text=True).stdout.strip() or "?"
    notes = [
        f"pip-compile has no --exclude-newer or --python-version: it gets pip's "
        f"--uploaded-prior-to {EXCLUDE_NEWER} through --pip-args, and resolves for the Python it "
        f"runs on ({pc_python}); pip revalidates index pages, so its timed runs use the network",
    ]
    if cold:
        title, target = f"cold-cache resolve of {src.name} (caches emptied, network)", 1.0
    elif online:
        title, target = f"warm-cache resolve of {src.name}, online (no --offline)", 1.0
    else:
        title, target = f"warm-cache resolve of {src.name}, --offline", 3.0
    if src.name == "home-assistant.in":  # pip-compile takes the better part of an hour here
        cases = cases[:2]
        target = 1.0
    return Scenario(name=name, title=f"{title}, for Python 3.11, output to /dev/null", cases=cases,
                    notes=notes, target=target)


def venv_scenario(tools: Tools, work: Path) -> Scenario:
    base = work / "venv"
    cache = work / "cache"
    uv = tools.uv

    def spot(tool: str, run: int) -> Path:
        return base / tool / f"run-{run}"

    def clear(tool: str) -> tuple[Callable[[int], None], Callable[[int], None]]:
        def before(run: int) -> None:
            shutil.rmtree(spot(tool, run), ignore_errors=True)
            spot(tool, run).parent.mkdir(parents=True, exist_ok=True)

        def after(run: int) -> None:
            shutil.rmtree(spot(tool, run), ignore_errors=True)
        return before, after

    cases = [
        Case(tool="sula", label="sula venv", command=lambda run, warm: [
            *tools.sula, "venv", str(spot("sula", run)), "--python", tools.python,
            "--cache-dir", str(cache / "sula"), *([] if warm else ["--offline"])]),
        Case(tool="uv", label="uv venv", command=None if uv is None else lambda run, warm: [
            uv, "venv", str(spot("uv", run)), "--python", tools.python,
            "--cache-dir", str(cache / "uv"), *([] if warm else ["--offline"])]),
        Case(tool="pip", label="python -m venv --without-pip", command=lambda run, warm: [
            tools.python, "-m", "venv", "--without-pip", str(spot("pip", run))]),
    ]
    for case in cases:
        case.before, case.after = clear(case.tool)
    return Scenario(name="venv", title=f"create a venv for {tools.python} (Python {tools.python_version})",
                    cases=cases, baseline="venv")


# --------------------------------------------------------------------------- running


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def execute(case: Case, run: int, *, warm: bool) -> float | None:
    """Run one command; return its wall time, or mark the case FAILED and return None."""
    assert case.command is not None
    argv = case.command(run, warm)
    case.before(run)
    env = tool_env(offline=case.offline and not warm)
    rss = 0
    with tempfile.TemporaryFile() as errfile:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, cwd=case.cwd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=errfile, start_new_session=True)
        except OSError as err:
            elapsed, failure, stderr = 0.0, f"{type(err).__name__}: {err}", ""
        else:
            status, rss, timed_out = wait_with_rusage(proc, WARM_TIMEOUT if warm else RUN_TIMEOUT)
            elapsed = time.perf_counter() - start
            failure = ("timed out" if timed_out else
                       f"exit {os.waitstatus_to_exitcode(status)}" if status != 0 else "")
            errfile.seek(0)
            stderr = errfile.read().decode(errors="replace")
    case.after(run)
    if not warm and not failure:
        case.rss.append(rss)
    if failure:
        case.status = "FAILED"
        case.error = f"{'warm-up' if warm else f'run {run + 1}'}: {shlex.join(argv)}: {failure}\n{tail(stderr)}"
        print(f"    {case.label}: FAILED ({failure})", file=sys.stderr)
        for line in tail(stderr).splitlines():
            print(f"      | {line}", file=sys.stderr)
        return None
    if warm:
        case.last_warm = time.monotonic()
    return elapsed


def wait_with_rusage(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, int, bool]:
    """Wait for ``proc``; its raw wait status, its peak RSS in bytes (the largest of it and the
    children it waited for), and whether it was killed for taking longer than ``timeout``."""
    import threading

    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting
    return status, usage.ru_maxrss * 1024, timed_out.is_set()


def run_scenario(scenario: Scenario, runs: int) -> None:
    print(f"[{scenario.name}] {scenario.title}", file=sys.stderr)
    for case in scenario.cases:
        if case.command is None:
            case.status = "missing"
            continue
        print(f"  warming {case.label}", file=sys.stderr)
        execute(case, -1, warm=True)
    for run in range(runs):
        for case in scenario.cases:
            if case.status != "ok":
                continue
            stale = (case.rewarm_after is not None
                     and time.monotonic() - case.last_warm > case.rewarm_after)
            if stale and execute(case, -1, warm=True) is None:
                continue
            elapsed = execute(case, run, warm=False)
            if elapsed is not None:
                case.times.append(elapsed)
        print(f"  run {run + 1}/{runs}: " + ", ".join(
            f"{c.label} {c.times[-1]:.3f}s" for c in scenario.cases if c.status == "ok" and c.times),
            file=sys.stderr)


def median_of(scenario: Scenario, tool: str) -> float | None:
    for case in scenario.cases:
        if case.tool == tool and case.status == "ok" and case.times:
            return statistics.median(case.times)
    return None


def ratios(scenario: Scenario) -> dict[str, float | None]:
    """Ratios of medians: ``sula/uv`` (under 1: sula is faster) and ``pip/sula`` (over 1: sula is
    faster); in the venv scenario the third row is ``python -m venv``, named ``venv/sula``."""
    sula, uv, pip = (median_of(scenario, t) for t in ("sula", "uv", "pip"))
    return {
        "sula/uv": sula / uv if sula and uv else None,
        f"{scenario.baseline}/sula": pip / sula if pip and sula else None,
    }


def target_met(scenario: Scenario) -> bool | None:
    ratio = ratios(scenario)["sula/uv"]
    return None if scenario.target is None or ratio is None else ratio <= scenario.target


def fmt_time(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms" if seconds < 1 else f"{seconds:7.2f} s "


def print_table(scenarios: list[Scenario], runs: int) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"# {os.cpu_count()} CPUs, load average {load} at the end: other work on the machine "
          "inflates every tool's times, most of all the shortest")
    print(f"{'scenario':<20} {'command':<30} {'median':>11} {'min':>11} {'peak RSS':>9}  runs")
    for scenario in scenarios:
        for i, case in enumerate(scenario.cases):
            first = scenario.name if i == 0 else ""
            if case.status == "ok" and case.times:
                rss = f"{statistics.median(case.rss) / 2**20:6.0f} MB" if case.rss else "?"
                print(f"{first:<20} {case.label:<30} {fmt_time(statistics.median(case.times)):>11} "
                      f"{fmt_time(min(case.times)):>11} {rss:>9}  {len(case.times)}/{runs}")
            else:
                print(f"{first:<20} {case.label:<30} {case.status.upper():>11}")
        r = ratios(scenario)
        shown = "   ".join(f"{k} {v:.2f}x" if v else f"{k} n/a" for k, v in r.items())
        met = target_met(scenario)
        if met is not None:
            shown += f"   (target sula/uv <= {scenario.target:g}x: {'met' if met else 'MISSED'})"
        print(f"{'':<20} {'ratios (medians):':<30} {shown}")
        for note in scenario.notes:
            print(f"{'':<20} note: {note}")
    failed = [(s, c) for s in scenarios for c in s.cases if c.status == "FAILED"]
    for scenario, case in failed:
        print(f"\nFAILED {scenario.name} / {case.label}: {case.error}")


def to_json(scenarios: list[Scenario], tools: Tools, runs: int) -> dict[str, object]:
    return {
        "runs": runs,
        "python": tools.python,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg_at_end": list(os.getloadavg())},
        "versions": {
            "sula": version_of(tools.sula),
            "uv": version_of([tools.uv]) if tools.uv else None,
            "pip": version_of(tools.pip),
            "pip-compile": version_of([tools.pip_compile]) if tools.pip_compile else None,
        },
        "scenarios": {
            s.name: {
                "title": s.title,
                "notes": s.notes,
                "ratios": ratios(s),
                "target_sula_uv": s.target,
                "target_met": target_met(s),
                "rows": [
                    {"tool": c.tool, "command": c.label, "status": c.status, "times": c.times,
                     "peak_rss": c.rss,
                     "median": statistics.median(c.times) if c.times else None,
                     "min": min(c.times) if c.times else None, "error": c.error}
                    for c in s.cases
                ],
            }
            for s in scenarios
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument("--only", default=",".join(DEFAULT),
                        help=f"comma-separated scenarios of {', '.join(SCENARIOS)} "
                             f"(default: {', '.join(DEFAULT)})")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--workdir", type=Path,
                        help="caches and venvs go here (default: a temporary dir, removed at exit)")
    parser.add_argument("--requirements", type=Path,
                        default=ROOT.parent / "shared" / "bench" / "requirements",
                        help="directory holding requirements-large.txt, requirements.in and trio.in")
    parser.add_argument("--python", help="base interpreter for every venv (default: this one's base)")
    parser.add_argument("--sula", help="command that runs sula (default: sula beside this Python)")
    parser.add_argument("--uv", help="uv executable (default: .test-venv/bin/uv or beside this Python)")
    parser.add_argument("--pip-compile", help="pip-compile executable (default: beside this Python)")
    args = parser.parse_args(argv)

    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown or not chosen:
        parser.error(f"unknown scenario(s) {unknown}; choose from {', '.join(SCENARIOS)}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    reqs = args.requirements.resolve()
    needed = NEEDED
    for name in chosen:
        if name in needed and not (reqs / needed[name]).is_file():
            parser.error(f"{reqs / needed[name]} not found (use --requirements DIR)")

    tools = find_tools(args)
    temporary = args.workdir is None
    work = Path(tempfile.mkdtemp(prefix="sula-bench-")) if temporary else args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"work dir {work}; python {tools.python}; sula {shlex.join(tools.sula)}; uv {tools.uv}; "
          f"pip-compile {tools.pip_compile}", file=sys.stderr)
    scenarios: list[Scenario] = []
    try:
        for name in chosen:
            if name.startswith("install") or name == "noop-sync":
                scenario = install_scenarios(name, tools, work, reqs / needed[name])
            elif name.startswith("resolve"):
                scenario = resolve_scenario(name, tools, work, reqs / needed[name])
            else:
                scenario = venv_scenario(tools, work)
            run_scenario(scenario, args.runs)
            scenarios.append(scenario)
    finally:
        if temporary:
            shutil.rmtree(work, ignore_errors=True)
    print_table(scenarios, args.runs)
    if args.json:
        args.json.write_text(json.dumps(to_json(scenarios, tools, args.runs), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
