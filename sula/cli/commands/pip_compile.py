"""``sula pip compile SRC… [-o OUT]``: resolve requirements into a pinned requirements file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from sula.cli.main import CliContext
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.context import BuildContext
    from sula.interpreter import Interpreter

_EPILOG = """\
examples:
  sula pip compile requirements.in -o requirements.txt
  sula pip compile pyproject.toml --extra dev --generate-hashes
  sula pip compile requirements.in -o pylock.toml
  echo "flask>=2" | sula pip compile - --python-version 3.11 --exclude-newer 2024-06-01
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli._quickparse import hidden
    from sula.client.settings import add_index_arguments

    parser.epilog = _EPILOG
    parser.add_argument("src_file", nargs="*", metavar="SRC",
                        help="requirements.in/.txt, pyproject.toml, a .py script with inline "
                        "metadata (PEP 723), or - for stdin")
    parser.add_argument("-c", "--constraint", action="append", default=[], metavar="FILE",
                        help="Constrain versions with a requirements file (repeatable)")
    parser.add_argument("--override", action="append", default=[], metavar="FILE",
                        help="Override every requirement on a package (repeatable)")
    parser.add_argument("--extra", action="append", default=[], metavar="EXTRA",
                        help="Include an optional-dependency group of pyproject.toml (repeatable)")
    parser.add_argument("--all-extras", action="store_true", help="Include every extra")
    parser.add_argument("--group", action="append", default=[], metavar="[PATH:]GROUP",
                        help="Include a PEP 735 dependency group of ./pyproject.toml, or of "
                        "PATH (a pyproject.toml), without the project itself (repeatable)")
    parser.add_argument("-o", "--output-file", metavar="FILE",
                        help="Write the result to FILE (its pins are kept as preferences)")
    res = parser.add_argument_group("resolution")
    res.add_argument("--resolution", choices=["highest", "lowest", "lowest-direct"],
                     default="highest", help="Which versions to prefer (default: highest)")
    res.add_argument("--prerelease",
                     choices=["disallow", "allow", "if-necessary", "explicit",
                              "if-necessary-or-explicit"],
                     default=None,
                     help="When to accept pre-releases (default: if-necessary, as uv)")
    res.add_argument("--pre", action="store_true", help=hidden(parser))
    res.add_argument("-U", "--upgrade", action="store_true",
                     help="Ignore the pins of the existing output file")
    res.add_argument("-P", "--upgrade-package", action="append", default=[], metavar="NAME",
                     help="Ignore the existing pin of NAME (repeatable)")
    from sula.cli.commands._pip_flow import add_build_arguments

    add_build_arguments(parser)
    py = parser.add_argument_group("target")
    py.add_argument("-p", "--python", metavar="PYTHON",
                    help="Interpreter (path, version or name) whose environment to resolve for")
    py.add_argument("--python-version", metavar="X.Y",
                    help="Resolve for this Python version instead of the interpreter's")
    py.add_argument("--python-platform", metavar="TARGET",
                    help="Resolve for another platform (linux, windows, macos, "
                    "x86_64-manylinux_2_28, aarch64-apple-darwin, ...)")
    py.add_argument("--universal", action="store_true",
                    help="Resolve for every platform and every Python from --python-version up; "
                    "pins carry the markers of the environments that need them")
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=["requirements.txt", "pylock.toml"], default=None,
                     dest="output_format",
                     help="The output format (default: pylock.toml when -o names a "
                     "pylock.toml or pylock.NAME.toml, else requirements.txt)")
    out.add_argument("--generate-hashes", action="store_true",
                     help="Add --hash lines for every file of each pinned version")
    out.add_argument("--no-header", action="store_true", help="Leave out the header comment")
    out.add_argument("--no-annotate", action="store_true", help="Leave out `# via` comments")
    out.add_argument("--annotation-style", choices=["split", "line"], default="split")
    out.add_argument("--emit-index-url", action="store_true", dest="emit_index_url",
                     default=False, help="Write --index-url/--extra-index-url lines")
    out.add_argument("--no-emit-index-url", action="store_false", dest="emit_index_url")
    out.add_argument("--emit-find-links", action="store_true", dest="emit_find_links",
                     default=False, help="Write --find-links lines")
    out.add_argument("--no-emit-find-links", action="store_false", dest="emit_find_links")
    out.add_argument("--strip-extras", action="store_true", dest="strip_extras", default=True,
                     help="Write `name==1.0` instead of `name[extra]==1.0` (default)")
    out.add_argument("--no-strip-extras", action="store_false", dest="strip_extras")
    out.add_argument("--custom-compile-command", metavar="COMMAND",
                     help="The command shown in the header instead of this one")
    out.add_argument("--no-emit-package", "--unsafe-package", metavar="NAME", action="append",
                     default=[], dest="no_emit_package",
                     help="Leave NAME's pin out of the output, its dependencies stay (repeatable; "
                     "pip-tools' --unsafe-package)")
    tools = parser.add_argument_group("pip-tools options accepted with a warning (no effect)")
    for flag in _NO_EFFECT:
        if flag == "--resolver":
            tools.add_argument(flag, choices=["backtracking", "legacy"], default=None)
        else:
            tools.add_argument(flag, action="store_true")
    add_index_arguments(parser)


# pip-tools flags that change nothing in sula, and why (as uv words it).
_NO_EFFECT = {
    "--allow-unsafe": "sula can safely pin `pip` and other packages",
    "--resolver": "sula always backtracks",
    "--no-emit-trusted-host": "sula never emits trusted hosts",
    "--no-reuse-hashes": "sula doesn't reuse hashes",
    "--build-isolation": "sula isolates builds by default",
}


def _warn_no_effect(args: argparse.Namespace) -> None:
    from sula._warnings import warn_user

    for flag, why in _NO_EFFECT.items():
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value:
            shown = f"{flag}={value}" if isinstance(value, str) else flag
            warn_user(f"pip-compile's `{shown}` has no effect ({why})")


def _command_line(args: argparse.Namespace) -> str:
    """The command for the header: this command's own arguments, global options left out."""
    if args.custom_compile_command:
        return str(args.custom_compile_command)
    from sula.cli.main import split_global_options

    argv = sys.argv[1:]
    try:
        _opts, rest = split_global_options(argv)
    except Exception:
        rest = argv
    if rest[:2] == ["pip", "compile"]:
        rest = rest[2:]
    from sula.distribution.index import redact_url

    # Passwords in index URLs are hidden in the header, as pip-compile does.
    return " ".join(["sula", "pip", "compile", *(_quote(redact_url(a)) for a in rest)])


_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-")


def _quote(arg: str) -> str:
    """``shlex.quote``, whose module (a regex compiled at import) the header alone needed."""
    if arg and all(c in _SAFE for c in arg):
        return arg
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    import time

    from sula.resolver.api import CompileRequest, compile_requirements

    t0 = time.perf_counter()
    _warn_no_effect(args)
    if not args.src_file and not args.group:
        from sula.errors import SulaError

        raise SulaError("No requirements given: pass `requirements.in`, `pyproject.toml`, "
                        "a script, `-` or `--group`")
    request = CompileRequest(
        sources=list(args.src_file),
        constraints=list(args.constraint),
        overrides=list(args.override),
        extras=list(args.extra),
        all_extras=bool(args.all_extras),
        groups=list(args.group),
        output_file=Path(args.output_file) if args.output_file else None,
        output_format=args.output_format,
        upgrade=bool(args.upgrade),
        upgrade_packages=list(args.upgrade_package),
        resolution=args.resolution,
        prerelease=args.prerelease or ("allow" if args.pre else None),
        no_build=bool(args.no_build),
        only_binary=list(args.only_binary),
        no_binary=list(args.no_binary),
        python=args.python,
        python_version=args.python_version,
        python_platform=args.python_platform,
        universal=bool(args.universal),
        generate_hashes=bool(args.generate_hashes),
        header=not args.no_header,
        annotate=not args.no_annotate,
        annotation_style=args.annotation_style,
        emit_index_url=bool(args.emit_index_url),
        emit_find_links=bool(args.emit_find_links),
        strip_extras=bool(args.strip_extras),
        no_emit_packages=list(args.no_emit_package),
        command=_command_line(args),
        index_args=args,
        offline=ctx.options.offline,
        native_tls=ctx.options.native_tls,
    )
    result = compile_requirements(request, cache=ctx.cache,
                                  build_context=_build_context_factory(args, ctx))
    if args.output_file:
        from sula._fs import write_user_file
        from sula.errors import SulaError

        out = Path(args.output_file)
        try:
            if out.is_dir():
                raise IsADirectoryError(21, "It is a directory")
            write_user_file(out, result.text)
        except OSError as err:
            # The cause names the path given, not the temporary file beside it.
            cause = OSError(err.errno, err.strerror or str(err))
            raise SulaError(f"Failed to write the output file `{out}`") from cause
    if not args.output_file or ctx.printer.quiet < 1:
        sys.stdout.write(result.text)
        sys.stdout.flush()
    elapsed = time.perf_counter() - t0
    ctx.printer.info(f"Resolved {result.count} package{'s' if result.count != 1 else ''} "
                     f"in {_fmt_time(elapsed)}")
    return 0


def _build_context_factory(args: argparse.Namespace, ctx: CliContext) -> Callable[
        [Interpreter, IndexSettings, ClientSettings], BuildContext]:
    from sula.cli.commands._pip_flow import build_options_from_args

    options = build_options_from_args(args, ctx)

    def make(interp: Interpreter, index: IndexSettings, client: ClientSettings) -> BuildContext:
        from sula.dispatch.build import InstallerBuildContext

        return InstallerBuildContext(interpreter=interp, cache=ctx.cache, build_options=options,
                                     index=index, client=client)

    return make


def _fmt_time(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.2f}s"
