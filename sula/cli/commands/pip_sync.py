"""``sula pip sync REQUIREMENTS…``: make the environment hold exactly what the files pin."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sula.cli.main import CliContext


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments
    from sula.cli.commands._pip_flow import add_install_arguments
    from sula.client.settings import add_index_arguments

    parser.add_argument("src_file", nargs="+", metavar="REQUIREMENTS",
                        help="requirements.txt files (`-` for standard input) that pin every package")
    add_install_arguments(parser)
    add_target_arguments(parser)
    add_index_arguments(parser)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from packaging.utils import canonicalize_name

    from sula.cli.commands._pip_env import find_target
    from sula.cli.commands._pip_flow import run_pipeline, wanted_from_spec
    from sula.installer.plan import Reinstall
    from sula.requirements import from_sources

    started = time.perf_counter()
    spec = from_sources(requirements=args.src_file)
    env, layout = find_target(args, ctx)
    wanted = wanted_from_spec(
        spec, env.interpreter, require_hashes=args.require_hashes or spec.require_hashes
    )
    reinstall = Reinstall(
        all=args.reinstall,
        packages=frozenset(canonicalize_name(n) for n in args.reinstall_package),
    )
    run_pipeline(
        wanted, args=args, ctx=ctx, spec=spec, layout=layout, interp=env.interpreter,
        reinstall=reinstall, sync=True, started=started,
    )
    if args.strict and not args.dry_run:
        from sula.cli.commands.pip_check import report_problems

        if report_problems(ctx, layout, env.interpreter):
            return 1
    return 0
