"""``sula pip install PKG… | -r FILE | -e PATH``: resolve against the environment, then install."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments
    from sula.cli.commands._pip_flow import add_install_arguments
    from sula.client.settings import add_index_arguments

    parser.add_argument("package", nargs="*", help="Requirements to install (PEP 508, URLs, paths)")
    parser.add_argument("-r", "--requirement", metavar="FILE", action="append", default=[],
                        help="Install the requirements in FILE: requirements.txt, pyproject.toml, "
                        "a .py script with inline metadata, pylock.toml (repeatable)")
    parser.add_argument("-c", "--constraint", metavar="FILE", action="append", default=[],
                        help="Constrain versions with FILE (repeatable)")
    parser.add_argument("--override", metavar="FILE", action="append", default=[],
                        help="Override versions with FILE (repeatable)")
    parser.add_argument("--extra", metavar="EXTRA", action="append", default=[],
                        help="Include an extra of pyproject.toml, or of a pylock.toml "
                        "(repeatable)")
    parser.add_argument("--group", metavar="[PATH:]GROUP", action="append", default=[],
                        help="Install a PEP 735 dependency group of ./pyproject.toml, or of PATH "
                        "(a pyproject.toml), without the project itself (repeatable)")
    parser.add_argument("-e", "--editable", metavar="PATH", action="append", default=[],
                        help="Install a local project in editable mode (needs a source build)")
    parser.add_argument("-U", "--upgrade", action="store_true",
                        help="Upgrade to the newest allowed versions instead of keeping installed ones")
    parser.add_argument("-P", "--upgrade-package", metavar="NAME", action="append", default=[],
                        help="Allow upgrading one package, or pin it: `-P NAME==VERSION`, "
                        "`-P 'NAME<X'` (repeatable)")
    parser.add_argument("--pre", action="store_true",
                        help="Allow pre-release versions (same as --prerelease allow)")
    parser.add_argument("--exact", action="store_true",
                        help="Also remove installed packages the resolution does not hold (as uv)")
    parser.add_argument("--user", action="store_true", help="Refused: use a virtual environment")
    parser.add_argument("--no-deps", action="store_true",
                        help="Install only the packages asked for, not their dependencies")
    parser.add_argument("--prerelease", choices=["disallow", "allow", "if-necessary", "explicit",
                                                 "if-necessary-or-explicit"], default=None,
                        help="When to consider pre-release versions")
    parser.add_argument("--resolution", choices=["highest", "lowest", "lowest-direct"], default="highest",
                        help="Which versions to prefer")
    add_install_arguments(parser)
    add_target_arguments(parser)
    add_index_arguments(parser)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cli.commands._pip_env import find_target
    from sula.cli.commands._pip_flow import CliReporter, print_summary, settings_from_args
    from sula.dispatch.install import for_platform, install_spec
    from sula.errors import SulaError
    from sula.requirements import from_sources
    from sula.requirements.sources import with_upgrade_packages

    if not (args.package or args.requirement or args.editable or args.group):
        raise SulaError("Give at least one package, `-r FILE`, `-e PATH` or `--group` to install")
    for text in args.package:
        if text.endswith((".txt", ".in")) and "://" not in text and "@" not in text:
            raise SulaError(
                f"Requested package `{text}` looks like a requirements file but was passed as a "
                "package name", hint=f"Did you mean `-r {text}`?",
            )
    spec = from_sources(
        requirements=args.requirement, constraints=args.constraint, overrides=args.override,
        packages=args.package, editables=args.editable, extras=args.extra,
        groups=args.group,
    )
    if args.user:
        raise SulaError("pip's `--user` is not supported: install into a virtual environment "
                        "(`sula venv`) instead")
    spec, released = with_upgrade_packages(spec, args.upgrade_package)
    args.upgrade_package = [str(name) for name in released]
    env, layout = find_target(args, ctx)
    if spec.requires_python:
        from packaging.version import Version

        from sula.requirements.script import check_requires_python

        check_requires_python(spec, Version(env.interpreter.python_full_version))
    settings = settings_from_args(args, ctx, spec, sync=args.exact)
    interp = for_platform(env.interpreter, args.python_platform)
    summary = install_spec(
        spec, cache=ctx.cache, layout=layout, interp=interp, settings=settings,
        reporter=CliReporter(ctx.printer),
    )
    print_summary(ctx, summary)
    if args.strict and not args.dry_run:
        from sula.cli.commands.pip_check import report_problems

        if report_problems(ctx, layout, env.interpreter):
            return 1
    return 0
