"""``sula pip check``: report installed packages with missing or conflicting dependencies."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from sula.cli.main import CliContext
    from sula.installer import Layout
    from sula.interpreter import Interpreter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments

    add_target_arguments(parser, install=False)


def report_problems(ctx: CliContext, layout: Layout, interp: Interpreter) -> int:
    """Print the incompatibilities (markers evaluated for ``interp``); return how many."""
    from sula.cli.commands._pip_env import format_elapsed, packages
    from sula.installer.check import check
    from sula.installer.site_packages import SitePackages

    t = time.perf_counter()
    site = SitePackages.from_layout(layout)
    problems = check(site, interp.marker_environment())
    ctx.printer.info(f"Checked {packages(len(site))} in {format_elapsed(time.perf_counter() - t)}")
    if not problems:
        ctx.printer.info("All installed packages are compatible")
        return 0
    n = len(problems)
    ctx.printer.info(f"Found {n} incompatibilit{'y' if n == 1 else 'ies'}")
    for p in problems:
        ctx.printer.info(p.__str__())
    return n


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    from sula.cli.commands._pip_env import find_target

    env, layout = find_target(args, ctx)
    return 1 if report_problems(ctx, layout, env.interpreter) else 0
