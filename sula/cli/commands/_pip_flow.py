"""The CLI side of `pip sync` and `pip install`: flags → :class:`InstallSettings`, and a reporter
that prints uv's summary lines and progress bars. The work is in :mod:`sula.dispatch.install`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from sula.cli.commands._pip_env import DownloadProgress, LinkProgress
    from sula.cli.main import CliContext
    from sula.cli.printer import Printer
    from sula.context import BuildOptions
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
    add_build_arguments(parser)


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of every command that may build a source distribution."""
    group = parser.add_argument_group("build options")
    group.add_argument("--no-binary", metavar="NAMES", action="append", default=[],
                       help="Build these packages from their sdists instead of using wheels "
                       "(`:all:` for every one)")
    group.add_argument("--only-binary", metavar="NAMES", action="append", default=[],
                       help="Use only wheels for these packages (`:all:` for every one)")
    group.add_argument("--no-build", action="store_true",
                       help="Never build from source (same as --only-binary :all:)")
    group.add_argument("-C", "--config-settings", "--config-setting", metavar="KEY=VALUE",
                       action="append", default=[],
                       help="Settings passed to the build backend (repeatable)")
    group.add_argument("--no-build-isolation", action="store_true",
                       help="Build in the target environment, with the build requirements already "
                       "installed there, instead of in an isolated environment")
    group.add_argument("--no-build-isolation-package", metavar="NAME", action="append", default=[],
                       help="Build this package without isolation (repeatable)")
    group.add_argument("--build-constraints", "--build-constraint", "-b", metavar="FILE",
                       action="append", default=[],
                       help="Constrain the versions of build requirements with FILE (repeatable)")


def build_options_from_args(args: argparse.Namespace, ctx: CliContext) -> BuildOptions:
    """The build options of a command line."""
    from sula.context import BuildOptions
    from sula.distribution.names import canonicalize_name
    from sula.errors import SulaError

    settings: dict[str, str | list[str]] = {}
    for item in getattr(args, "config_settings", ()):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SulaError(f"Invalid `--config-settings` value `{item}`: expected `KEY=VALUE`")
        have = settings.get(key)
        if have is None:
            settings[key] = value
        elif isinstance(have, list):
            have.append(value)
        else:
            settings[key] = [have, value]
    return BuildOptions(
        config_settings=settings,
        no_build_isolation=bool(getattr(args, "no_build_isolation", False)),
        no_build_isolation_packages=frozenset(
            canonicalize_name(n) for n in getattr(args, "no_build_isolation_package", ())),
        build_constraints=_build_constraints(getattr(args, "build_constraints", ())),
        verbose=ctx.options.verbose > 0,
    )


def _build_constraints(paths: Sequence[str]) -> tuple[str, ...]:
    if not paths:  # the usual line: sula.dispatch (the installer's side) is not imported
        return ()
    from sula.dispatch.build import read_build_constraints

    return read_build_constraints(paths)


def settings_from_args(
    args: argparse.Namespace, ctx: CliContext, spec: RequirementsSpec | None, *, sync: bool
) -> InstallSettings:
    """The install settings of a command line (index options of requirements files included)."""
    from sula.client.settings import settings_from_args as index_settings
    from sula.dispatch.hashes import hash_checking
    from sula.dispatch.install import InstallSettings
    from sula.distribution.names import canonicalize_name
    from sula.installer.linker import LinkMode
    from sula.installer.plan import Reinstall
    from sula.resolver.options import index_for

    if args.trusted_host:
        from sula._warnings import warn_user

        warn_user("pip's `--trusted-host` has no effect: sula reads `http://` indexes as they are "
                  "and verifies TLS for `https://` ones (`SSL_CERT_FILE`, `--native-tls`)")
    index, client = index_settings(args, offline=ctx.options.offline, native_tls=ctx.options.native_tls)
    require_hashes, hashes_implied = (
        hash_checking(spec, args.require_hashes) if spec is not None else (args.require_hashes, False))
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
        require_hashes=require_hashes,
        hashes_implied=hashes_implied,
        prerelease=getattr(args, "prerelease", None) or ("allow" if getattr(args, "pre", False) else None),
        resolution=getattr(args, "resolution", "highest"),
        only_binary=tuple(getattr(args, "only_binary", ())),
        no_binary=tuple(getattr(args, "no_binary", ())),
        no_build=getattr(args, "no_build", False),
        build=build_options_from_args(args, ctx),
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
