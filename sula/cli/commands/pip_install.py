"""``sula pip install PKG… | -r FILE | -e PATH``: resolve against the environment, then install."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.utils import NormalizedName

    from sula.cli.main import CliContext
    from sula.installer.site_packages import SitePackages
    from sula.requirements.types import RequirementsSpec


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from sula.cli.commands._pip_env import add_target_arguments
    from sula.cli.commands._pip_flow import add_install_arguments
    from sula.client.settings import add_index_arguments

    parser.add_argument("package", nargs="*", help="Requirements to install (PEP 508, URLs, paths)")
    parser.add_argument("-r", "--requirement", metavar="FILE", action="append", default=[],
                        help="Install the requirements in FILE (repeatable)")
    parser.add_argument("-c", "--constraint", metavar="FILE", action="append", default=[],
                        help="Constrain versions with FILE (repeatable)")
    parser.add_argument("--override", metavar="FILE", action="append", default=[],
                        help="Override versions with FILE (repeatable)")
    parser.add_argument("-e", "--editable", metavar="PATH", action="append", default=[],
                        help="Install a local project in editable mode (needs a source build)")
    parser.add_argument("-U", "--upgrade", action="store_true",
                        help="Upgrade to the newest allowed versions instead of keeping installed ones")
    parser.add_argument("-P", "--upgrade-package", metavar="NAME", action="append", default=[],
                        help="Allow upgrading one package (repeatable)")
    parser.add_argument("--no-deps", action="store_true",
                        help="Install only the packages asked for, not their dependencies")
    parser.add_argument("--no-binary", metavar="NAMES", action="append", default=[],
                        help="Do not use wheels for these packages (`:all:` for every one)")
    parser.add_argument("--only-binary", metavar="NAMES", action="append", default=[],
                        help="Use only wheels for these packages (`:all:` for every one)")
    parser.add_argument("--no-build", action="store_true", help="Use only wheels (same as --only-binary :all:)")
    parser.add_argument("--prerelease", choices=["disallow", "allow", "if-necessary", "explicit",
                                                 "if-necessary-or-explicit"], default=None,
                        help="When to consider pre-release versions")
    parser.add_argument("--resolution", choices=["highest", "lowest", "lowest-direct"], default="highest",
                        help="Which versions to prefer")
    add_install_arguments(parser)
    add_target_arguments(parser)
    add_index_arguments(parser)


def _requested_satisfied(spec: RequirementsSpec, site: SitePackages, markers: dict[str, str]) -> int | None:
    """How many installed packages already satisfy every requirement, transitively; None if not."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    from sula.installer.check import requirements_of
    from sula.requirements.types import RegistryRequirement

    if spec.constraints or spec.overrides or spec.editables:
        return None
    todo: list[tuple[NormalizedName, SpecifierSet, frozenset[str]]] = []
    for entry in spec.requirements:
        req = entry.requirement
        if not isinstance(req, RegistryRequirement):
            return None
        if req.marker is not None and not req.marker.evaluate(dict(markers)):
            continue
        todo.append((req.name, req.specifier, frozenset(req.extras)))
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, specifier, extras = todo.pop()
        found = site.get(name)
        if len(found) != 1:
            return None
        dist = found[0]
        try:
            if not specifier.contains(Version(dist.version), prereleases=True):
                return None
        except InvalidVersion:
            return None
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for dep in requirements_of(dist, markers, extras):
            assert isinstance(dep, Requirement)
            todo.append((canonicalize_name(dep.name), dep.specifier, frozenset(dep.extras)))
    return len({n for n, _ in seen})


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    import asyncio

    from packaging.utils import canonicalize_name
    from packaging.version import Version

    from sula.cli.commands._pip_env import find_target, format_elapsed, packages
    from sula.cli.commands._pip_flow import merged_index_settings, run_pipeline
    from sula.errors import SulaError
    from sula.installer.plan import Reinstall, Wanted
    from sula.installer.site_packages import SitePackages
    from sula.requirements import from_sources

    started = time.perf_counter()
    if not (args.package or args.requirement or args.editable):
        raise SulaError("Give at least one package, `-r FILE` or `-e PATH` to install")
    spec = from_sources(
        requirements=args.requirement, constraints=args.constraint, overrides=args.override,
        packages=args.package, editables=args.editable,
    )
    env, layout = find_target(args, ctx)
    interp = env.interpreter
    markers = dict(interp.marker_environment())
    site = SitePackages.from_layout(layout)
    reinstall = Reinstall(
        all=args.reinstall,
        packages=frozenset(canonicalize_name(n) for n in args.reinstall_package),
    )
    if not (args.upgrade or args.upgrade_package or reinstall.all or reinstall.packages):
        n = _requested_satisfied(spec, site, markers)
        if n is not None:
            ctx.printer.info(f"Audited {packages(n)} in {format_elapsed(time.perf_counter() - started)}")
            return 0

    from sula.client.registry import RegistryClient
    from sula.resolver.api import resolve_async
    from sula.resolver.manifest import Manifest
    from sula.resolver.options import BinaryPolicy, PrereleaseMode, ResolutionMode, ResolverOptions
    from sula.resolver.python import PythonTarget

    preferences: dict[NormalizedName, Version] = {}
    if not args.upgrade:
        upgrade = {canonicalize_name(n) for n in args.upgrade_package}
        for dist in site:
            if dist.name in upgrade or dist.direct_url is not None:
                continue
            try:
                preferences[dist.name] = Version(dist.version)
            except ValueError:
                continue
    python = PythonTarget.from_interpreter(markers=markers, tags=list(interp.tags))
    prerelease = args.prerelease or ("allow" if spec.pre else "if-necessary")
    options = ResolverOptions(
        prerelease=PrereleaseMode(prerelease),
        resolution=ResolutionMode(args.resolution),
        binary=BinaryPolicy.from_lists(
            only_binary=[*args.only_binary, *sorted(spec.only_binary)],
            no_binary=[*args.no_binary, *sorted(spec.no_binary)],
            no_build=args.no_build,
        ),
        python_version=python.version,
    )
    manifest = Manifest.from_spec(spec, markers=python.markers, preferences=preferences)
    index, client_settings = merged_index_settings(args, ctx, spec)

    async def resolve() -> object:
        async with RegistryClient(cache=ctx.cache, index=index, settings=client_settings) as client:
            return await resolve_async(manifest, client=client, python=python, options=options)

    graph = asyncio.run(resolve())
    from sula.resolver.graph import ResolutionGraph

    assert isinstance(graph, ResolutionGraph)
    hashes: dict[str, tuple[str, ...]] = {}
    requested: set[str] = set()
    for entry in [*spec.requirements, *spec.editables]:
        if entry.name is not None:
            requested.add(entry.name)
            if entry.hashes:
                hashes[entry.name] = entry.hashes
    wanted: list[Wanted] = []
    for pinned in graph.sorted():
        if args.no_deps and pinned.name not in requested:
            continue
        url = (pinned.file_url or pinned.url) if pinned.url is not None else None
        wanted.append(Wanted(
            name=pinned.name,
            version=None if url is not None else str(pinned.version),
            url=url,
            hashes=hashes.get(pinned.name, ()),
            requested=pinned.name in requested,
        ))
    run_pipeline(
        wanted, args=args, ctx=ctx, spec=spec, layout=layout, interp=interp,
        reinstall=reinstall, sync=False, started=started,
    )
    if args.strict and not args.dry_run:
        from sula.cli.commands.pip_check import report_problems

        if report_problems(ctx, layout, interp):
            return 1
    return 0
