"""Entry point: split global options from the command, import only the chosen command, render errors.

Global options (``-q``, ``-v``, ``--color``, ``--cache-dir``, ``-n``, ``--offline``,
``--native-tls``) are accepted anywhere before a ``--``, as uv accepts them, so they are
taken out of argv first; the rest goes to the parser of the one command being run.

Every command imports this module, and a short one (``sula venv``, ``sula --version``) is
mostly start-up: it imports no ``typing`` at run time (``TYPE_CHECKING`` below is a plain
name that mypy treats as True), no ``dataclasses`` (it imports ``inspect``), no ``contextlib``
or ``shutil`` unless a command needs them. tests/unit/cli/test_startup.py guards this.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    import contextlib
    from collections.abc import Sequence
    from typing import Final, NoReturn, Protocol

    from sula.cache import Cache
    from sula.cli.printer import Printer

    class CommandModule(Protocol):
        """A command's module. It may also define ``parse_quick(args) -> SimpleNamespace |
        None``: an argparse-free parse of plain lines (sula.cli._quickparse)."""

        def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

        def run(self, args: argparse.Namespace, ctx: CliContext) -> int: ...


_START = time.perf_counter()


class CommandInfo:
    """A command's module (imported only when that command runs) and its one-line help."""

    __slots__ = ("help", "module")

    def __init__(self, module: str, help: str) -> None:
        self.module: Final = module
        self.help: Final = help

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CommandInfo):
            return NotImplemented
        return (self.module, self.help) == (other.module, other.help)

    def __hash__(self) -> int:
        return hash((self.module, self.help))

    def __repr__(self) -> str:
        return f"CommandInfo(module={self.module!r}, help={self.help!r})"


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
        "size": CommandInfo("sula.cli.commands.cache.size", "Show the size of the cache"),
    },
    "venv": CommandInfo("sula.cli.commands.venv", "Create a virtual environment"),
    "help": CommandInfo("sula.cli.commands.help", "Show help for a command"),
}

GROUP_HELP = {
    "pip": "pip-compatible commands: compile, sync, install, uninstall, freeze, list, show, check, tree",
    "cache": "Manage sula's cache",
}


_OPTION_FIELDS = ("quiet", "verbose", "color", "cache_dir", "no_cache", "offline", "native_tls",
                  "version")


class GlobalOptions:
    """Options every command accepts, wherever they appear on the line."""

    __slots__ = _OPTION_FIELDS

    def __init__(
        self,
        quiet: int = 0,
        verbose: int = 0,
        color: str = "auto",
        cache_dir: str | None = None,
        no_cache: bool = False,
        offline: bool = False,
        native_tls: bool = False,
        version: bool = False,
    ) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.color = color
        self.cache_dir = cache_dir
        self.no_cache = no_cache
        self.offline = offline
        self.native_tls = native_tls
        self.version = version

    def _astuple(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _OPTION_FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GlobalOptions):
            return NotImplemented
        return self._astuple() == other._astuple()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        fields = zip(_OPTION_FIELDS, self._astuple(), strict=True)
        return "GlobalOptions(" + ", ".join(f"{k}={v!r}" for k, v in fields) + ")"


class CliContext:
    """What a command gets besides its own arguments: global options, the printer, the cache."""

    __slots__ = ("_cache", "_lock", "options", "printer")

    def __init__(self, options: GlobalOptions, printer: Printer, _cache: Cache | None = None) -> None:
        self.options = options
        self.printer = printer
        self._cache = _cache
        # The cache's shared lock while it is held: entered and left by hand rather than by
        # a contextlib.ExitStack, which `sula venv` would import for it alone.
        self._lock: contextlib.AbstractContextManager[None] | None = None

    @property
    def cache(self) -> Cache:
        """The run's cache, created on first use and held with a shared lock until the
        command ends, so that `sula cache clean` in another process waits for us."""
        if self._cache is None:
            from sula.cache import Cache

            cache = Cache.from_settings(self.options.cache_dir, self.options.no_cache).init()
            if not cache.temporary:
                lock = cache.lock_shared()
                lock.__enter__()
                self._lock = lock
            self._cache = cache
        return self._cache

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.__exit__(None, None, None)

    def elapsed(self) -> float:
        return time.perf_counter() - _START

    def finish(self) -> None:
        """After a command succeeded: release the cache, then keep it within its budget
        (``SULA_CACHE_MAX_SIZE``) if the command wrote to it."""
        self._release()
        cache = self._cache
        # Only a writer imports sula.cache.usage: a read-only command loads nothing more here,
        # and a writer without a budget only a stat.
        usage = sys.modules.get("sula.cache.usage")
        if cache is None or usage is None or not usage.upkeep_due(cache):
            return
        from sula.cache import CacheError
        from sula.cache.evict import InvalidMaxSizeError, enforce_budget
        from sula.cache.usage import format_size

        try:
            done = enforce_budget(cache, offline=self.options.offline)
        except InvalidMaxSizeError:
            raise
        except CacheError as err:  # the command itself succeeded: say so, and go on
            self.printer.warn(f"Failed to keep the cache within its size limit: {err}")
            return
        if done is not None and done.removed:
            n = len(done.removed)
            self.printer.info(
                f"Evicted {n} cache {'entry' if n == 1 else 'entries'} ({format_size(done.freed)}) "
                f"to keep the cache within its size limit"
            )

    def close(self) -> None:
        self._release()
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
        elif tok in ("-n", "--no-cache", "--no-cache-dir"):  # the last is pip's spelling
            opts.no_cache = True
        elif tok == "--offline":
            opts.offline = True
        elif tok == "--native-tls":
            opts.native_tls = True
        elif tok in ("-V", "--version") and not rest:
            opts.version = True
        elif tok == "--no-config":
            from sula.config import configure

            configure(no_config=True)
        elif name in ("--color", "--cache-dir", "--config-file"):
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
            elif name == "--config-file":
                from sula.config import configure

                configure(config_file=value)
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
    group.add_argument("-n", "--no-cache", "--no-cache-dir", action="store_true", default=sup,
                       help="Use a temporary cache, removed at exit (--no-cache-dir: pip's spelling)")
    group.add_argument("--offline", action="store_true", default=sup,
                       help="Never touch the network")
    group.add_argument("--native-tls", action="store_true", default=sup,
                       help="Verify TLS with the system's native trust store")
    group.add_argument("--config-file", default=sup, metavar="FILE",
                       help="Read this sula.toml only (env: SULA_CONFIG_FILE)")
    group.add_argument("--no-config", action="store_true", default=sup,
                       help="Read no configuration file (env: SULA_NO_CONFIG)")


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
        "      --config-file FILE Read this sula.toml only (env: SULA_CONFIG_FILE)",
        "      --no-config        Read no configuration file (env: SULA_NO_CONFIG)",
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


def suggest_command(path: list[str], word: list[str]) -> str | None:
    """What an unknown command probably meant: a close spelling (`pip instal`), or a pip
    subcommand typed without `pip` (`sula install`)."""
    if not word:
        return None
    import difflib

    entry = COMMANDS[path[0]] if path else COMMANDS
    names = list(entry) if isinstance(entry, dict) else []
    prefix = " ".join(["sula", *path])
    pip = COMMANDS["pip"]
    assert isinstance(pip, dict)
    if not path and word[0] in pip:
        return f"a similar command exists: `sula pip {word[0]}`"
    close = difflib.get_close_matches(word[0], names, n=1)
    if close:
        return f"a similar command exists: `{prefix} {close[0]}`"
    return None


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` without importing shutil (which imports bz2 and
    lzma): ``COLUMNS``, else the terminal of stdout, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


def build_parser(path: list[str], info: CommandInfo) -> tuple[argparse.ArgumentParser, CommandModule]:
    import argparse

    class Formatter(argparse.RawDescriptionHelpFormatter):
        # argparse makes a formatter for every add_argument() call; the default one imports
        # shutil for the terminal width.
        def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                     width: int | None = None) -> None:
            if width is None:
                width = _terminal_columns() - 2
            super().__init__(prog, indent_increment, max_help_position, width)

    class Parser(argparse.ArgumentParser):
        # A usage error is one line and a pointer to --help, not the whole usage (as uv).
        def error(self, message: str) -> NoReturn:
            sys.stderr.write(f"error: {message}\n\nFor more information, try `{self.prog} --help`\n")
            sys.exit(2)

    module = _command_module(info)
    parser = Parser(
        prog="sula " + " ".join(path),
        description=info.help,
        formatter_class=Formatter,
        allow_abbrev=False,  # `--pre` is not `--prefix`, `--extra` not `--extra-index-url`
    )
    module.add_arguments(parser)
    _add_global_help(parser)
    return parser, module


def _command_module(info: CommandInfo) -> CommandModule:
    """The command's module, imported by ``__import__``: ``importlib.import_module`` is the
    same for an absolute name, but ``import importlib`` imports ``warnings``."""
    __import__(info.module)
    module: CommandModule = sys.modules[info.module]
    return module


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
    """Run the CLI; returns the exit code (0 ok, 1 user-fixable failure, 2 other failures,
    130 interrupted)."""
    try:
        code = _main(argv)
        if argv is None:
            _ignore_sigint()
        return code
    except KeyboardInterrupt:  # Ctrl-C while the run closes (its own handler is past)
        sys.stderr.write("error: Interrupted\n")
        if argv is None:
            _ignore_sigint()
        return 130


def _ignore_sigint() -> None:
    """The exit code is decided and the process exits next (the console script, `python -m
    sula`): a Ctrl-C during the interpreter's teardown, when Python has put SIGINT back to its
    default, would turn it into a death by signal.

    `_signal`, not `signal` (whose enums cost a millisecond), and no `threading`: outside the
    main thread `signal()` raises ValueError, and nothing is to be done."""
    try:
        from _signal import SIG_IGN, SIGINT, signal  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - an interpreter without the C module
        from signal import SIG_IGN, SIGINT, signal
    try:  # noqa: SIM105  # not contextlib.suppress: the launcher has not imported it
        signal(SIGINT, SIG_IGN)
    except ValueError:
        pass


def launch() -> NoReturn:
    """Run the CLI as the whole process and exit with its code: the ``sula`` command
    (``scripts/sula``) and ``python -m sula``.

    A run that has no other thread and registered no ``atexit`` callback (``sula venv``,
    ``--version``, ``help``, an offline compile) ends with ``os._exit`` once stdout and
    stderr are flushed: the interpreter's teardown (freeing every module and object) was
    3-4 ms of a 27 ms ``sula venv`` (measured), more after a resolve has decoded its pages,
    and frees nothing the OS would not. Whatever needs the teardown has another thread (to
    join), a ``threading`` exit hook (``concurrent.futures``' pools) or has imported
    ``atexit`` (logging, ``weakref.finalize`` and so temporary directories, coverage), and
    gets the normal exit, as does a run under a profiler or tracer (which reports after the
    script returns).
    """
    from sula._gc import defer_gc

    defer_gc()  # until an asyncio run starts, if one does
    code = main()
    modules = sys.modules
    threading = modules.get("threading")
    if ("atexit" not in modules and sys.getprofile() is None and sys.gettrace() is None
            and (threading is None or (threading.active_count() == 1
                                       and not getattr(threading, "_threading_atexits", True)))):
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except Exception:  # the normal exit reports it
            pass
        else:
            os._exit(code)
    sys.exit(code)


def _main(argv: Sequence[str] | None) -> int:
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
        if rest and rest[0] in ("-h", "--help"):
            printer.out(top_level_help())
            return 0
        if not rest:  # `sula` alone: the help, and the exit code of a usage error (as uv)
            sys.stderr.write(top_level_help() + "\n")
            return 2
        bad = " ".join(path + args[:1])
        sys.stderr.write(f"error: unrecognized command `{bad}`\n")
        tip = suggest_command(path, args[:1])
        if tip:
            sys.stderr.write(f"\n  tip: {tip}\n")
        help_of = "sula " + path[0] if path else "sula"
        sys.stderr.write(f"\nFor more information, try `{help_of} --help`\n")
        return 2

    from sula import _warnings

    _setup_logging(opts.verbose, printer)
    _warnings.set_sink(printer.warn)
    # Spans are kept for `-v`'s phase line and for SULA_TRACE; otherwise _span (with logging
    # and threading) is left to the modules that time something.
    trace = os.environ.get("SULA_TRACE") or None
    timed = bool(trace) or opts.verbose > 0
    ctx = CliContext(options=opts, printer=printer)
    try:
        if not timed:
            return _run(info, path, args, ctx)
        from sula import _span

        _span.record()
        with _span.span("sula " + " ".join(path)):
            return _run(info, path, args, ctx)
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
        if timed:
            _report_spans(ctx, trace)


def _report_spans(ctx: CliContext, trace: str | None) -> None:
    """With ``-v``, one line of phase times; with ``SULA_TRACE``, the trace file."""
    from sula import _span

    if ctx.options.verbose > 0:
        phases = _span.phase_times()
        if phases:
            ctx.printer.info("Phases: " + ", ".join(
                f"{name} {seconds * 1000:.0f} ms" for name, seconds in phases.items()))
    if trace:
        try:
            _span.write_trace(trace)
        except OSError as err:
            ctx.printer.warn(f"Could not write the trace to `{trace}`: {err.strerror or err}")


def _run(info: CommandInfo, path: list[str], args: list[str], ctx: CliContext) -> int:
    """Import the command, parse its arguments and run it."""
    module = _command_module(info)
    # Plain lines are parsed without argparse (~12 ms of import, and a formatter per
    # option): by the command's own ``parse_quick``, else by recording what its
    # ``add_arguments`` declares (sula.cli._quickparse). None means "not plain": argparse
    # parses it, with its help and errors.
    parse_quick = getattr(module, "parse_quick", None)
    if parse_quick is not None:
        ns = parse_quick(args)
    else:
        from sula.cli._quickparse import Recorder

        recorder = Recorder()
        try:
            module.add_arguments(recorder)  # type: ignore[arg-type]  # argparse's subset
        except AttributeError:  # a part of argparse the recorder lacks: argparse's line
            ns = None
        else:
            ns = recorder.parse(args)
    if ns is None:
        parser, module = build_parser(path, info)
        ns = parser.parse_args(args)
    code = module.run(ns, ctx)
    if code == 0:
        ctx.finish()  # the cache budget, once the command has succeeded
    return code
