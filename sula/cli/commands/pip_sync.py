"""``sula pip sync REQUIREMENTS…``: make the environment hold exactly what the files pin."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments
    from sula.cli.commands._pip_flow import add_install_arguments
    from sula.client.settings import add_index_arguments

    parser.add_argument("src_file", nargs="+", metavar="REQUIREMENTS",
                        help="requirements.txt files (`-` for standard input) that pin every "
                        "package, or one PEP 751 pylock.toml")
    parser.add_argument("--allow-empty-requirements", action="store_true",
                        help="Let files that pin nothing empty the environment (as uv)")
    parser.add_argument("--extra", metavar="EXTRA", action="append", default=[],
                        help="Include an extra of pyproject.toml, or of a pylock.toml "
                        "(repeatable)")
    parser.add_argument("--group", metavar="[PATH:]GROUP", action="append", default=[],
                        help="Also install a PEP 735 dependency group (pinned, like every "
                        "requirement of sync) of ./pyproject.toml or PATH (repeatable)")
    add_install_arguments(parser)
    add_target_arguments(parser)
    add_index_arguments(parser)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cli.commands._pip_env import find_target
    from sula.cli.commands._pip_flow import CliReporter, print_summary, settings_from_args
    from sula.dispatch.install import for_platform, install_wanted, wanted_from_spec
    from sula.requirements import from_sources

    started = time.perf_counter()
    spec = from_sources(requirements=args.src_file, extras=args.extra, groups=args.group)
    env, layout = find_target(args, ctx)
    if not (spec.requirements or spec.editables or spec.lock is not None
            or args.allow_empty_requirements):
        # A file left empty by mistake must not wipe the environment (uv's answer, exit 0).
        from sula._warnings import warn_user

        files = ", ".join(f"`{f}`" for f in args.src_file)
        warn_user(f"Requirements file {files} does not contain any dependencies")
        ctx.printer.info(
            "No requirements found (hint: use `--allow-empty-requirements` to clear the environment)"
        )
        return 0
    settings = settings_from_args(args, ctx, spec, sync=True)
    # Every line is a pin: the wanted set is the files' (no resolution).
    interp = for_platform(env.interpreter, args.python_platform)
    wanted = wanted_from_spec(spec, interp, require_hashes=settings.require_hashes,
                              cache=ctx.cache, settings=settings)
    reporter = CliReporter(ctx.printer)
    reporter.on_resolved(len(wanted), time.perf_counter() - started)
    summary = install_wanted(
        wanted, cache=ctx.cache, layout=layout, interp=interp, settings=settings,
        spec=spec, reporter=reporter,
    )
    print_summary(ctx, summary)
    if args.strict and not args.dry_run:
        from sula.cli.commands.pip_check import report_problems

        if report_problems(ctx, layout, env.interpreter):
            return 1
    return 0
