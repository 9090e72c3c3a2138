"""``sula venv [PATH]``: create a virtual environment (default ``.venv``), like ``uv venv``."""

from __future__ import annotations

import os

from sula.cli._quickparse import Option, add_options, quick_parse

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import SimpleNamespace

    from sula.cli.main import CliContext

EPILOG = """\
examples:
  sula venv                          create .venv with the first python3 on PATH
  sula venv env --python 3.12        find Python 3.12 on PATH or in pyenv
  sula venv --python /usr/bin/python3 --seed --prompt myproj
  sula venv .venv --clear            replace an existing environment
"""


# One table for argparse (help, errors, unusual spellings) and for the argparse-free parse of
# plain command lines (sula.cli._quickparse): `sula venv` is mostly start-up.
OPTIONS = (
    Option("-p", "--python", metavar="PYTHON",
           help="Interpreter: a path, a version (3.12, 3.12.1) or a name (python3.12, pypy3)"),
    Option("--prompt", metavar="PROMPT",
           help="Prompt prefix shown when activated (`.` = the working directory's name)"),
    Option("--system-site-packages",
           help="Give the environment access to the base interpreter's site-packages"),
    Option("--seed",
           help="Install pip (and setuptools before Python 3.12) from the interpreter's bundled wheels"),
    Option("--clear", help="Remove whatever is at PATH first (env: SULA_VENV_CLEAR)"),
    Option("--allow-existing", help="Write into an existing directory without removing its contents"),
    Option("--relocatable",
           help="Make activation scripts and launchers work after the directory is moved"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("path", nargs="?", default=".venv", metavar="PATH",
                        help="Where to create the environment (default: .venv)")
    add_options(parser, OPTIONS)


def parse_quick(args: Sequence[str]) -> SimpleNamespace | None:
    """The arguments without argparse when they use only plain spellings, else None."""
    return quick_parse(args, OPTIONS, positional="path", default=".venv")


def _activation_hint(path: str) -> str:
    shell = os.path.basename(os.environ.get("SHELL", ""))
    bin_path = os.path.join(path, "bin")
    match shell:
        case "fish":
            return f"source {os.path.join(bin_path, 'activate.fish')}"
        case "csh" | "tcsh":
            return f"source {os.path.join(bin_path, 'activate.csh')}"
        case "nu":
            return f"overlay use {os.path.join(bin_path, 'activate.nu')}"
        case "pwsh" | "powershell":
            return f". {os.path.join(bin_path, 'activate.ps1')}"
        case _:
            return f"source {os.path.join(bin_path, 'activate')}"


def run(args: argparse.Namespace | SimpleNamespace, ctx: CliContext) -> int:
    from sula.interpreter import find_interpreter
    from sula.venv import create_venv

    printer = ctx.printer
    interpreter = find_interpreter(args.python, cache=ctx.cache)
    printer.info(
        f"Using {interpreter.implementation} {interpreter.python_full_version} "
        f"interpreter at: {printer.style(interpreter.sys_executable, 'cyan')}"
    )
    path: str = args.path
    printer.info(f"Creating virtual environment at: {printer.style(path, 'cyan')}")
    clear = args.clear or os.environ.get("SULA_VENV_CLEAR", "").lower() in {"1", "true", "yes", "on"}
    venv = create_venv(
        path,
        interpreter,
        prompt=args.prompt,
        system_site_packages=args.system_site_packages,
        seed=args.seed,
        clear=clear,
        allow_existing=args.allow_existing,
        relocatable=args.relocatable,
    )
    for package in venv.seeded:
        printer.info(f" {printer.style('+', 'green')} {package.name}=={package.version}")
    printer.info(f"Activate with: {printer.style(_activation_hint(path), 'green')}")
    return 0
