"""Entry point: split global options from the command, import only the chosen command, render errors.

Global options (``-q``, ``-v``, ``--color``, ``--cache-dir``, ``-n``, ``--offline``,
``--native-tls``) are accepted anywhere before a ``--``, as uv accepts them, so they are
taken out of argv first; the rest goes to the parser of the one command being run.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import argparse

    from sula.cache import Cache
    from sula.cli.printer import Printer

_START = time.perf_counter()


@dataclass(frozen=True, slots=True)
class CommandInfo:
    module: str
    help: str


# Commands in the order `sula help` lists them. Groups map to their subcommands.
COMMANDS: dict[str, CommandInfo | dict[str, CommandInfo]] = {
    "pip": {
        "compile": CommandInfo("sula.cli.commands.pip_compile", "Resolve requirements into a pinned requirements file"),
        "sync": CommandInfo("sula.cli.commands.pip_sync", "Make an environment hold exactly what requirements files pin"),
        "install": CommandInfo("sula.cli.commands.pip_install", "Resolve and install packages into an environment"),
        "uninstall": CommandInfo("sula.cli.commands.pip_uninstall", "Uninstall packages"),
        "freeze": CommandInfo("sula.cli.commands.pip_freeze", "List installed packages in requirements format"),
        "list": CommandInfo("sula.cli.commands.pip_list", "List installed packages"),
        "show": CommandInfo("sula.cli.commands.pip_show", "Show information about installed packages"),
        "check": CommandInfo("sula.cli.commands.pip_check", "Verify installed packages have compatible dependencies"),
        "tree": CommandInfo("sula.cli.commands.pip_tree", "Show the dependency tree of installed packages"),
    },
    "cache": {
        "dir": CommandInfo("sula.cli.commands.cache.dir", "Show the cache directory"),
        "clean": CommandInfo("sula.cli.commands.cache.clean", "Remove all, or some packages', cache entries"),
        "prune": CommandInfo("sula.cli.commands.cache.prune", "Remove unused and temporary cache entries"),
    },
    "venv": CommandInfo("sula.cli.commands.venv", "Create a virtual environment"),
    "help": CommandInfo("sula.cli.commands.help", "Show help for a command"),
}

GROUP_HELP = {
    "pip": "pip-compatible commands: compile, sync, install, uninstall, freeze, list, show, check, tree",
    "cache": "Manage sula's cache",
}


class CommandModule(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, ctx: CliContext) -> int: ...


@dataclass(slots=True)
class GlobalOptions:
    """Options every command accepts, wherever they appear on the line."""

    quiet: int = 0
    verbose: int = 0
    color: str = "auto"
    cache_dir: str | None = None
    no_cache: bool = False
    offline: bool = False
    native_tls: bool = False
    version: bool = False


@dataclass(slots=True)
class CliContext:
    """What a command gets besides its own arguments: global options, the printer, the cache."""

    options: GlobalOptions
    printer: Printer
    _cache: Cache | None = field(default=None)
    _exit: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @property
    def cache(self) -> Cache:
        """The run's cache, created on first use and held with a shared lock until the
        command ends, so that `sula cache clean` in another process waits for us."""
        if self._cache is None:
            from sula.cache import Cache

            cache = Cache.from_settings(self.options.cache_dir, self.options.no_cache).init()
            if not cache.temporary:
                self._exit.enter_context(cache.lock_shared())
            self._cache = cache
        return self._cache

    def elapsed(self) -> float:
        return time.perf_counter() - _START

    def close(self) -> None:
        self._exit.close()
        if self._cache is not None:
            self._cache.cleanup()


class UsageError(Exception):
    """Bad command line: printed with usage, exit 2."""


def _truthy(value: str | None) -> bool:
    return value is not None and value.strip().lower() in {"1", "true", "yes", "on"}


def split_global_options(argv: Sequence[str]) -> tuple[GlobalOptions, list[str]]:
    """Take the global options out of ``argv`` (up to a ``--``); return them and the rest."""
    opts = GlobalOptions(
        cache_dir=os.environ.get("SULA_CACHE_DIR") or None,
        no_cache=_truthy(os.environ.get("SULA_NO_CACHE")),
        offline=_truthy(os.environ.get("SULA_OFFLINE")),
        native_tls=_truthy(os.environ.get("SULA_NATIVE_TLS")),
    )
    rest: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        tok = args[i]
        if tok == "--":
            rest.extend(args[i:])
            break
        name, eq, value = tok.partition("=")
        if tok in ("-q", "--quiet"):
            opts.quiet += 1
        elif tok.startswith("-q") and set(tok[1:]) == {"q"}:
            opts.quiet += len(tok) - 1
        elif tok in ("-v", "--verbose"):
            opts.verbose += 1
        elif tok.startswith("-v") and set(tok[1:]) == {"v"}:
            opts.verbose += len(tok) - 1
        elif tok in ("-n", "--no-cache"):
            opts.no_cache = True
        elif tok == "--offline":
            opts.offline = True
        elif tok == "--native-tls":
            opts.native_tls = True
        elif tok in ("-V", "--version") and not rest:
            opts.version = True
        elif name in ("--color", "--cache-dir"):
            if not eq:
                if i + 1 >= len(args):
                    raise UsageError(f"option `{name}` needs a value")
                i += 1
                value = args[i]
            if name == "--color":
                if value not in ("auto", "always", "never"):
                    raise UsageError(
                        f"invalid value `{value}` for `--color` (choose auto, always, never)"
                    )
                opts.color = value
            else:
                opts.cache_dir = value
        else:
            rest.append(tok)
        i += 1
    return opts, rest


def _add_global_help(parser: argparse.ArgumentParser) -> None:
    """Document the global options in every command's --help (they are parsed earlier)."""
    import argparse

    group = parser.add_argument_group("global options")
    sup = argparse.SUPPRESS
    group.add_argument("-q", "--quiet", action="count", default=sup, help="Print less (repeatable)")
    group.add_argument(
        "-v", "--verbose", action="count", default=sup,
        help="Print debug logs with step timings (repeatable; -vv shows tracebacks)",
    )
    group.add_argument("--color", choices=["auto", "always", "never"], default=sup,
                       help="When to use colors (default: auto)")
    group.add_argument("--cache-dir", default=sup, metavar="DIR",
                       help="Cache directory (env: SULA_CACHE_DIR)")
    group.add_argument("-n", "--no-cache", action="store_true", default=sup,
                       help="Use a temporary cache, removed at exit")
    group.add_argument("--offline", action="store_true", default=sup,
                       help="Never touch the network")
    group.add_argument("--native-tls", action="store_true", default=sup,
                       help="Verify TLS with the system's native trust store")


def top_level_help() -> str:
    from sula._version import __version__

    lines = [
        f"sula {__version__}: a fast Python package resolver and installer",
        "",
        "Usage: sula [OPTIONS] <COMMAND>",
        "",
        "Commands:",
    ]
    for name, info in COMMANDS.items():
        if isinstance(info, dict):
            if not info:
                continue
            lines.append(f"  {name:<10} {GROUP_HELP[name]}")
        else:
            lines.append(f"  {name:<10} {info.help}")
    lines += [
        "",
        "Global options (accepted before or after the command):",
        "  -q, --quiet            Print less (repeatable)",
        "  -v, --verbose          Debug logs with step timings (repeatable; -vv shows tracebacks)",
        "      --color WHEN       auto, always or never",
        "      --cache-dir DIR    Cache directory (env: SULA_CACHE_DIR)",
        "  -n, --no-cache         Use a temporary cache, removed at exit",
        "      --offline          Never touch the network",
        "      --native-tls       Use the system's native trust store",
        "  -V, --version          Print sula's version",
        "",
        "Run `sula help <command>` for a command's options.",
    ]
    return "\n".join(lines)


def group_help(group: str) -> str:
    info = COMMANDS[group]
    assert isinstance(info, dict)
    lines = [f"Usage: sula {group} <COMMAND>", "", f"{GROUP_HELP[group]}", "", "Commands:"]
    for name, cmd in info.items():
        lines.append(f"  {name:<10} {cmd.help}")
    return "\n".join(lines)


def resolve_command(rest: list[str]) -> tuple[list[str], CommandInfo | None, list[str]]:
    """Find the command path at the start of ``rest``: ``(["pip", "sync"], info, args)``."""
    if not rest or rest[0] not in COMMANDS:
        return [], None, rest
    head = rest[0]
    entry = COMMANDS[head]
    if isinstance(entry, CommandInfo):
        return [head], entry, rest[1:]
    if not entry:
        return [], None, rest
    if len(rest) < 2 or rest[1] not in entry:
        return [head], None, rest[1:]
    return [head, rest[1]], entry[rest[1]], rest[2:]


def build_parser(path: list[str], info: CommandInfo) -> tuple[argparse.ArgumentParser, CommandModule]:
    import argparse
    import importlib

    module: CommandModule = importlib.import_module(info.module)
    parser = argparse.ArgumentParser(
        prog="sula " + " ".join(path),
        description=info.help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.add_arguments(parser)
    _add_global_help(parser)
    return parser, module


def _setup_logging(verbose: int, printer: Printer) -> None:
    if verbose <= 0:
        return
    import logging

    class _Fmt(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            t = time.perf_counter() - _START
            level = printer.style(record.levelname, "dim")
            return f"{level} {t:8.3f}s {record.name}: {record.getMessage()}"

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Fmt())
    root = logging.getLogger("sula")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    if verbose >= 3:
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.DEBUG)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 user-fixable failure, 2 other failures)."""
    from sula.cli.printer import Printer

    if argv is None:
        argv = sys.argv[1:]
    try:
        opts, rest = split_global_options(argv)
    except UsageError as err:
        sys.stderr.write(f"error: {err}\n\n{top_level_help()}\n")
        return 2
    printer = Printer(quiet=opts.quiet, color=opts.color)
    if opts.version:
        from sula._version import __version__

        printer.out(f"sula {__version__}")
        return 0
    path, info, args = resolve_command(rest)
    if info is None:
        if path and (not args or args[0] in ("-h", "--help")):
            printer.out(group_help(path[0]))
            return 0
        if not rest or rest[0] in ("-h", "--help"):
            printer.out(top_level_help())
            return 0
        bad = " ".join(path + args[:1])
        sys.stderr.write(f"error: unrecognized command `{bad}`\n\n")
        sys.stderr.write((group_help(path[0]) if path else top_level_help()) + "\n")
        return 2

    from sula import _warnings

    _setup_logging(opts.verbose, printer)
    _warnings.set_sink(printer.warn)
    ctx = CliContext(options=opts, printer=printer)
    try:
        parser, module = build_parser(path, info)
        ns = parser.parse_args(args)
        return module.run(ns, ctx)
    except KeyboardInterrupt:
        sys.stderr.write("error: Interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`sula pip freeze | head`); exit quietly like other tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as err:
        from sula.errors import SulaError, format_chain

        if opts.verbose >= 2:
            import traceback

            traceback.print_exc()
        printer.error_lines(format_chain(err))
        return err.exit_code if isinstance(err, SulaError) else 2
    finally:
        ctx.close()
