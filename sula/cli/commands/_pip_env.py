"""Shared by the installing and reading `pip` commands: the target environment, timings,
the download progress bar and the `+`/`-` change list."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from sula.cli.main import CliContext
    from sula.cli.printer import Printer
    from sula.installer import Layout
    from sula.interpreter import PythonEnvironment


def add_target_arguments(parser: argparse.ArgumentParser, *, install: bool = True) -> None:
    """``--python``, ``--system``, ``--target`` and ``--prefix`` (to write or to read there)."""
    group = parser.add_argument_group("environment options")
    group.add_argument(
        "-p", "--python", metavar="PYTHON", default=None,
        help="The Python whose environment to use (path, version or name; default: the active "
        "virtual environment, then .venv)",
    )
    group.add_argument("--system", action="store_true", help="Use the system Python's environment")
    verb = "Install into" if install else "Read"
    group.add_argument(*(("-t", "--target") if install else ("--target",)), metavar="DIR", default=None,
                       help=f"{verb} DIR instead of the environment (like pip's --target)")
    group.add_argument("--prefix", metavar="DIR", default=None,
                       help=f"{verb} the scheme rooted at DIR (like pip's --prefix)")


def add_safety_arguments(parser: argparse.ArgumentParser) -> None:
    """``--break-system-packages`` for the commands that change an environment."""
    parser.add_argument(
        "--break-system-packages", action="store_true",
        help="Change a Python marked externally managed (PEP 668) anyway",
    )


def find_target(args: argparse.Namespace, ctx: CliContext) -> tuple[PythonEnvironment, Layout]:
    """The environment the command acts on, and its install layout; says which on stderr
    (``Using Python 3.12.1 environment at: .venv``, as uv does).

    ``--target`` and ``--prefix`` without ``--python`` use the first Python on PATH, as uv
    does. A command that changes the environment (it has ``--break-system-packages``) refuses
    a base interpreter that PEP 668 marks externally managed unless that flag is given.
    """
    from sula.installer import Layout
    from sula.interpreter import PythonEnvironment, find_environment, find_interpreter

    target = getattr(args, "target", None)
    prefix = getattr(args, "prefix", None)
    if (target is not None or prefix is not None) and args.python is None and not args.system:
        env = PythonEnvironment.from_interpreter(find_interpreter(None, cache=ctx.cache))
    else:
        env = find_environment(args.python, system=args.system, cache=ctx.cache)
    interp = env.interpreter
    if target is not None or prefix is not None:
        exe = _shown_path(interp.sys_executable)
        ctx.printer.info(f"Using {interp.implementation} {interp.python_full_version} interpreter at: {exe}")
        if target is not None:
            env = PythonEnvironment.from_target_dir(interp, target)
        elif prefix is not None:
            env = PythonEnvironment.from_prefix(interp, prefix)
        return env, Layout.from_environment(env)
    shown = _shown_path(str(env.root))
    ctx.printer.info(f"Using Python {interp.python_full_version} environment at: {shown}")
    if getattr(args, "break_system_packages", True) is False:
        detail = interp.externally_managed()
        if detail is not None:
            from sula.interpreter import ExternallyManagedError

            raise ExternallyManagedError(shown, detail)
    return env, Layout.from_environment(env)


def latest_of(
    args: argparse.Namespace, ctx: CliContext, env: PythonEnvironment, dists: Iterable[tuple[str, str]]
) -> dict[str, tuple[str, bool, str]]:
    """``--outdated``/``--uptodate``: for each ``(name, installed version)`` the index has, its
    newest version, whether that is newer than the installed one, and its file type."""
    from packaging.version import InvalidVersion, Version

    from sula.client.settings import settings_from_args
    from sula.dispatch.outdated import latest_versions

    installed: dict[str, Version] = {}
    for name, version in dists:
        try:
            installed[name] = Version(version)
        except InvalidVersion:
            continue
    index, client = settings_from_args(args, offline=ctx.options.offline,
                                       native_tls=ctx.options.native_tls)
    latest = latest_versions(
        sorted(installed), cache=ctx.cache, index=index, client=client, interp=env.interpreter,
        prereleases=frozenset(n for n, v in installed.items() if v.is_prerelease),
    )
    return {name: (item.version, Version(item.version) > installed[name], item.filetype)
            for name, item in latest.items()}


def _shown_path(path: str) -> str:
    """``path`` relative to the working directory when it is inside it, else as it is."""
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def format_elapsed(seconds: float) -> str:
    """uv's style: ``12ms`` below a second, ``1.52s`` above."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    return f"{seconds:.2f}s"


def packages(n: int) -> str:
    return f"{n} package" if n == 1 else f"{n} packages"


def print_changes(
    printer: Printer,
    removed: Iterable[tuple[str, str]],
    added: Iterable[tuple[str, str] | tuple[str, str, str | None]],
    *,
    dry_run: bool = False,
) -> None:
    """uv's change lines on stderr, by name: `` - name==old``, `` + name==new``, `` ~ name==v``
    for a reinstall of the same version, and for a URL install `` + name==v (from URL)``
    (`` + name @ URL`` in a dry run, before the version is known)."""
    gone = list(removed)
    new = [(item[0], item[1], item[2] if len(item) > 2 else None) for item in added]
    same = {(n, v) for n, v in gone} & {(n, v) for n, v, _ in new}
    rows: list[tuple[str, int, str, str | None]] = [(n, 0, v, None) for n, v in gone if (n, v) not in same]
    rows += [(n, 1, v, url) for n, v, url in new if (n, v) not in same]
    rows += [(n, 2, v, None) for n, v in sorted(same)]
    signs = {0: ("-", "red"), 1: ("+", "green"), 2: ("~", "yellow")}
    for name, kind, version, url in sorted(rows, key=lambda r: (r[0], r[1])):
        sign = printer.style(signs[kind][0], signs[kind][1], "bold")
        if url is not None:
            from sula.distribution.index import redact_url

            url = redact_url(url)
        if url is not None and (dry_run or not version):
            text = f"{name}{printer.style(' @ ' + url, 'dim')}"
        elif url is not None:
            text = f"{name}{printer.style('==' + version, 'dim')} (from {url})"
        else:
            text = f"{name}{printer.style('==' + version, 'dim')}"
        printer.info(f" {sign} {text}")


def _console(printer: Printer) -> Console:
    """rich's stderr console; with colors off (``NO_COLOR``, ``--color never``) it writes no
    styles at all (rich drops colors for NO_COLOR but still writes bold)."""
    from rich.console import Console

    return Console(stderr=True, color_system="auto" if printer.color_err else None)


class DownloadProgress:
    """A rich progress bar of bytes and packages on a terminal; nothing elsewhere."""

    def __init__(self, total: int, printer: Printer) -> None:
        self.total = total
        self._progress: object | None = None
        if printer.quiet or not sys.stderr.isatty() or total == 0:
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        progress = Progress(
            TextColumn("[bold cyan]Downloading[/] {task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=_console(printer),
            transient=True,
        )
        self._tasks: dict[str, object] = {}
        self._done = 0
        self._overall = progress.add_task(f"0/{total} packages", total=None)
        self._progress = progress
        progress.start()

    def on_download_start(self, name: str, size: int | None) -> None:
        if self._progress is None:  # not a terminal: never import rich
            return
        from rich.progress import Progress

        if isinstance(self._progress, Progress):
            self._tasks[name] = self._progress.add_task(name, total=size)

    def on_download_progress(self, name: str, nbytes: int) -> None:
        if self._progress is None:  # not a terminal: never import rich
            return
        from rich.progress import Progress, TaskID

        if isinstance(self._progress, Progress):
            task = self._tasks.get(name)
            if isinstance(task, int):
                self._progress.advance(TaskID(task), nbytes)

    def on_download_complete(self, name: str) -> None:
        if self._progress is None:  # not a terminal: never import rich
            return
        from rich.progress import Progress, TaskID

        if isinstance(self._progress, Progress):
            task = self._tasks.pop(name, None)
            if isinstance(task, int):
                self._progress.remove_task(TaskID(task))
            self._done += 1
            overall = self._overall
            assert isinstance(overall, int)
            self._progress.update(TaskID(overall), description=f"{self._done}/{self.total} packages")

    def close(self) -> None:
        if self._progress is None:  # not a terminal: never import rich
            return
        from rich.progress import Progress

        if isinstance(self._progress, Progress):
            self._progress.stop()


class LinkProgress:
    """A rich bar of packages linked, on a terminal, for installs of more than a few packages."""

    def __init__(self, total: int, printer: Printer) -> None:
        self._progress: object | None = None
        if printer.quiet or not sys.stderr.isatty() or total < 10:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(
            TextColumn("[bold cyan]Installing[/]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=_console(printer), transient=True,
        )
        self._task = progress.add_task("", total=total)
        self._progress = progress
        progress.start()

    def on_installed(self, name: str) -> None:
        if self._progress is None:  # not a terminal: never import rich
            return
        from rich.progress import Progress, TaskID

        if isinstance(self._progress, Progress) and isinstance(self._task, int):
            self._progress.update(TaskID(self._task), advance=1, description=name)

    def close(self) -> None:
        if self._progress is None:  # not a terminal: never import rich
            return
        from rich.progress import Progress

        if isinstance(self._progress, Progress):
            self._progress.stop()
