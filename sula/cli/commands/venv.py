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
    from sula.dispatch.seed import SeedSettings

EPILOG = """\
examples:
  sula venv                          create .venv with the first python3 on PATH
  sula venv env --python 3.12        find Python 3.12 on PATH or in pyenv
  sula venv --python /usr/bin/python3 --seed --prompt myproj
  sula venv --seed -i http://localhost:8080/simple   seed pip from a private index
  sula --offline venv --seed         seed from the cache only
  sula venv .venv --clear            replace an existing environment
"""


# Spelled here rather than imported from sula.client.settings / sula.installer.linker, which
# import packaging: tests/unit/cli/test_quickparse.py checks that they agree.
INDEX_STRATEGIES = ("first-index", "unsafe-best-match")
LINK_MODES = ("hardlink", "copy", "clone", "symlink")
_INDEX = "index options (used with --seed)"

# One table for argparse (help, errors, unusual spellings) and for the argparse-free parse of
# plain command lines (sula.cli._quickparse): `sula venv` is mostly start-up. The index options
# have the destinations and defaults of `sula pip install`'s (sula.client.settings).
OPTIONS = (
    Option("-p", "--python", metavar="PYTHON",
           help="Interpreter: a path, a version (3.12, 3.12.1) or a name (python3.12, pypy3)"),
    Option("--prompt", metavar="PROMPT",
           help="Prompt prefix shown when activated (`.` = the working directory's name)"),
    Option("--system-site-packages",
           help="Give the environment access to the base interpreter's site-packages"),
    Option("--seed",
           help="Install pip (and setuptools and wheel before Python 3.12) from the index "
           "(env: SULA_VENV_SEED)"),
    Option("--clear", help="Remove whatever is at PATH first (env: SULA_VENV_CLEAR)"),
    Option("--allow-existing", help="Write into an existing directory without removing its contents"),
    Option("--relocatable",
           help="Make activation scripts and launchers work after the directory is moved"),
    Option("--link-mode", metavar="MODE", choices=LINK_MODES,
           help="How seed packages get from the cache into the environment: "
           "hardlink (default, falling back to copy), copy, clone, symlink"),
    Option("-i", "--index-url", metavar="URL", group=_INDEX,
           help="Base URL of the package index (env: SULA_INDEX_URL; default: pip's default index)"),
    Option("--extra-index-url", metavar="URL", repeat=True, group=_INDEX,
           help="Extra index URL, searched before --index-url (repeatable; env: SULA_EXTRA_INDEX_URL)"),
    Option("--no-index", group=_INDEX, help="Ignore all indexes; use --find-links only"),
    Option("-f", "--find-links", metavar="PATH_OR_URL", repeat=True, group=_INDEX,
           help="Directory, file:// or http(s):// page of links to distributions "
           "(repeatable; env: SULA_FIND_LINKS)"),
    Option("--index-strategy", metavar="STRATEGY", choices=INDEX_STRATEGIES, group=_INDEX,
           help="first-index (default): use only the first index that has a package; "
           "unsafe-best-match: merge all indexes"),
    Option("--exclude-newer", metavar="DATE", group=_INDEX,
           help="Ignore index files uploaded after DATE (YYYY-MM-DD or RFC 3339 date-time)"),
    Option("--refresh", group=_INDEX, help="Revalidate all cached index data"),
    Option("--refresh-package", metavar="NAME", repeat=True, group=_INDEX,
           help="Revalidate cached data of one package (repeatable)"),
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


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}


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
    seed = args.seed or _truthy("SULA_VENV_SEED")
    what = "virtual environment with seed packages" if seed else "virtual environment"
    printer.info(f"Creating {what} at: {printer.style(path, 'cyan')}")
    # Bad index flags are reported before anything is created.
    settings = _seed_settings(args, ctx) if seed else None
    venv = create_venv(
        path,
        interpreter,
        prompt=args.prompt,
        system_site_packages=args.system_site_packages,
        clear=args.clear or _truthy("SULA_VENV_CLEAR"),
        allow_existing=args.allow_existing,
        relocatable=args.relocatable,
        seed=seed,
    )
    if settings is not None:
        from sula.cli.commands._pip_env import print_changes
        from sula.dispatch.seed import seed_venv

        summary = seed_venv(venv, interpreter, cache=ctx.cache, settings=settings)
        print_changes(printer, [], [(d.name, d.version) for d in summary.installed])
    printer.info(f"Activate with: {printer.style(_activation_hint(path), 'green')}")
    return 0


def _seed_settings(args: argparse.Namespace | SimpleNamespace, ctx: CliContext) -> SeedSettings:
    """The index, client and link settings of ``--seed`` (heavy imports: only with it)."""
    from sula.client.settings import settings_from_args
    from sula.dispatch.seed import SeedSettings
    from sula.installer.linker import LinkMode

    index, client = settings_from_args(
        args, offline=ctx.options.offline, native_tls=ctx.options.native_tls
    )
    return SeedSettings(
        index=index,
        client=client,
        link_mode=LinkMode(args.link_mode) if args.link_mode else None,
        relocatable=args.relocatable,
    )
