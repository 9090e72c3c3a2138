"""The CLI side of `pip sync` and `pip install`: flags → :class:`InstallSettings`, and a reporter
that prints uv's summary lines and progress bars. The work is in :mod:`sula.dispatch.install`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sula.cli.commands._pip_env import DownloadProgress, LinkProgress
    from sula.cli.main import CliContext
    from sula.cli.printer import Printer
    from sula.database import DownloadReporter
    from sula.dispatch.install import InstallSettings, InstallSummary
    from sula.requirements.types import RequirementsSpec


def add_install_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every installing command takes."""
    from sula.cli.commands._pip_env import add_safety_arguments

    add_safety_arguments(parser)
    group = parser.add_argument_group("installer options")
    group.add_argument("--reinstall", "--force-reinstall", action="store_true",
                       help="Reinstall every package (pip's --force-reinstall)")
    group.add_argument("--reinstall-package", metavar="NAME", action="append", default=[],
                       help="Reinstall one package (repeatable)")
    group.add_argument("--require-hashes", action="store_true",
                       help="Require a --hash for every requirement and check it")
    group.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing")
    group.add_argument("--strict", action="store_true",
                       help="After installing, fail if any installed package has missing or conflicting dependencies")
    group.add_argument("--link-mode", choices=["hardlink", "copy", "clone", "symlink"], default=None,
                       help="How to put files from the cache into the environment "
                       "(default: hardlink, falling back to copy)")
    group.add_argument("--compile-bytecode", "--compile", action="store_true",
                       help="Compile the installed Python files to bytecode")
    group.add_argument("--trusted-host", metavar="HOST", action="append", default=[],
                       help="Accepted for pip compatibility; no effect (a warning says so)")
    group.add_argument("--python-platform", metavar="TARGET", default=None,
                       help="Install wheels for another platform (e.g. x86_64-manylinux_2_28, "
                       "windows, macos) instead of the target interpreter's")


def settings_from_args(
    args: argparse.Namespace, ctx: CliContext, spec: RequirementsSpec | None, *, sync: bool
) -> InstallSettings:
    """The install settings of a command line (index options of requirements files included)."""
    from packaging.utils import canonicalize_name

    from sula.client.settings import settings_from_args as index_settings
    from sula.dispatch.install import InstallSettings, index_for
    from sula.installer.linker import LinkMode
    from sula.installer.plan import Reinstall

    if args.trusted_host:
        from sula._warnings import warn_user

        warn_user("pip's `--trusted-host` has no effect: sula reads `http://` indexes as they are "
                  "and verifies TLS for `https://` ones (`SSL_CERT_FILE`, `--native-tls`)")
    index, client = index_settings(args, offline=ctx.options.offline, native_tls=ctx.options.native_tls)
    return InstallSettings(
        index=index_for(index, spec),
        client=client,
        reinstall=Reinstall(
            all=args.reinstall,
            packages=frozenset(canonicalize_name(n) for n in args.reinstall_package),
        ),
        sync=sync,
        no_deps=getattr(args, "no_deps", False),
        upgrade=getattr(args, "upgrade", False),
        upgrade_packages=frozenset(canonicalize_name(n) for n in getattr(args, "upgrade_package", [])),
        link_mode=LinkMode(args.link_mode) if args.link_mode else None,
        compile_bytecode=args.compile_bytecode,
        dry_run=args.dry_run,
        require_hashes=args.require_hashes or (spec is not None and spec.require_hashes),
        prerelease=getattr(args, "prerelease", None) or ("allow" if getattr(args, "pre", False) else None),
        resolution=getattr(args, "resolution", "highest"),
        only_binary=tuple(getattr(args, "only_binary", ())),
        no_binary=tuple(getattr(args, "no_binary", ())),
        no_build=getattr(args, "no_build", False),
    )


class CliReporter:
    """Prints ``Resolved``/``Prepared``/``Uninstalled``/``Installed`` lines and draws the bars."""

    def __init__(self, printer: Printer) -> None:
        self.printer = printer
        self._download: DownloadProgress | None = None
        self._link: LinkProgress | None = None

    def _line(self, verb: str, count: int, seconds: float) -> None:
        from sula.cli.commands._pip_env import format_elapsed, packages

        self.printer.info(f"{verb} {packages(count)} in {format_elapsed(seconds)}")

    def on_resolved(self, count: int, seconds: float) -> None:
        self._line("Resolved", count, seconds)

    def on_audited(self, count: int, seconds: float) -> None:
        self._line("Audited", count, seconds)

    def on_download_start(self, total: int) -> DownloadReporter | None:
        from sula.cli.commands._pip_env import DownloadProgress

        self._download = DownloadProgress(total, self.printer)
        return self._download

    def on_download_end(self, count: int, seconds: float) -> None:
        if self._download is not None:
            self._download.close()
            self._download = None
        if count:
            self._line("Prepared", count, seconds)

    def on_uninstalled(self, count: int, seconds: float) -> None:
        self._line("Uninstalled", count, seconds)

    def on_link_start(self, total: int) -> None:
        from sula.cli.commands._pip_env import LinkProgress

        self._link = LinkProgress(total, self.printer)

    def on_linked(self, name: str) -> None:
        if self._link is not None:
            self._link.on_installed(name)

    def on_link_end(self, count: int, seconds: float) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None
        if count:
            self._line("Installed", count, seconds)

    def on_compiled(self, count: int, seconds: float) -> None:
        from sula.cli.commands._pip_env import format_elapsed

        self.printer.info(f"Bytecode compiled {count} files in {format_elapsed(seconds)}")


def print_summary(ctx: CliContext, summary: InstallSummary) -> None:
    """uv's lines: a dry run's ``Would download|uninstall|install N``, then the changes."""
    from sula.cli.commands._pip_env import packages, print_changes

    printer = ctx.printer
    if summary.dry_run:
        if not summary.changed:
            printer.info("Would make no changes")
        for verb, count in [("download", summary.downloaded), ("uninstall", len(summary.uninstalled)),
                            ("install", len(summary.installed))]:
            if count:
                printer.info(f"Would {verb} {packages(count)}")
    print_changes(
        printer,
        [(d.name, d.version) for d in summary.uninstalled],
        [(d.name, d.version, d.url) for d in summary.installed],
        dry_run=summary.dry_run,
    )
