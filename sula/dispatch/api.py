"""``sula.install``: install requirements into an environment from Python, without a subprocess."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from typing import Any

    from sula.cache import Cache
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.context import BuildContext
    from sula.dispatch.install import InstallReporter, InstallSummary
    from sula.installer.linker import LinkMode
    from sula.interpreter import Interpreter
    from sula.resolver.graph import ResolutionGraph

__all__ = ["install", "resolve"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _speaks_api(function: Callable[_P, _T]) -> Callable[_P, _T]:
    """Run ``function`` under :func:`sula.errors.api_words`: its errors name keyword arguments
    (``python_version=``), not the commands' flags (``--python-version``)."""
    import functools

    @functools.wraps(function)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        from sula.errors import api_words

        with api_words():
            return function(*args, **kwargs)

    return call


def _check_choices(**values: str | None) -> None:
    """``prerelease=``/``resolution=``: one of the values the commands' flags take, or a
    SulaError naming the keyword (argparse checks the flags)."""
    from sula.errors import SulaError
    from sula.resolver.options import PrereleaseMode, ResolutionMode

    kinds = {"prerelease": PrereleaseMode, "resolution": ResolutionMode}
    for keyword, value in values.items():
        choices = [m.value for m in kinds[keyword]]
        if value is not None and value not in choices:
            raise SulaError(f"Invalid `{keyword}=` value `{value}`: expected one of "
                            + ", ".join(f"`{c}`" for c in choices))


def _split(requirements: Sequence[str | os.PathLike[str]]) -> tuple[list[str], list[str]]:
    """Requirement strings stay strings; a path object is a requirements file, unless it
    names a wheel or a directory (then it is that distribution, like a path on the CLI)."""
    packages: list[str] = []
    files: list[str] = []
    for item in requirements:
        if isinstance(item, str):
            packages.append(item)
            continue
        path = os.fspath(item)
        if path.endswith(".whl") or os.path.isdir(path):
            packages.append(os.path.abspath(path))
        else:
            files.append(path)
    return packages, files


@_speaks_api
def install(
    requirements: Sequence[str | os.PathLike[str]] = (),
    *,
    editables: Sequence[str | os.PathLike[str]] = (),
    constraints: Sequence[str | os.PathLike[str]] = (),
    overrides: Sequence[str | os.PathLike[str]] = (),
    python: str | os.PathLike[str] | None = None,
    target: str | os.PathLike[str] | None = None,
    prefix: str | os.PathLike[str] | None = None,
    index_url: str | None = None,
    extra_index_urls: Sequence[str] = (),
    find_links: Sequence[str | os.PathLike[str]] = (),
    no_index: bool = False,
    sync: bool = False,
    upgrade: bool | Sequence[str] = False,
    reinstall: bool | Sequence[str] = False,
    no_deps: bool = False,
    link_mode: LinkMode | str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    compile_bytecode: bool = False,
    dry_run: bool = False,
    prerelease: str | None = None,
    resolution: str = "highest",
    only_binary: Sequence[str] = (),
    no_binary: Sequence[str] = (),
    offline: bool = False,
    break_system_packages: bool = False,
    reporter: InstallReporter | None = None,
) -> InstallSummary:
    """Resolve ``requirements`` and install them into an environment; what ``sula pip install``
    does, returning an :class:`~sula.dispatch.install.InstallSummary` instead of printing.

    ``requirements``: strings are requirements as on the command line (``"flask>=3"``, a URL,
    a wheel path); ``os.PathLike`` values are requirements files (a wheel or directory path
    is taken as the distribution itself). ``editables``: project directories to install in
    editable mode (``-e``). ``python``: an interpreter path, a venv directory,
    a version (``"3.12"``) or a name; default: the active virtual environment, then ``.venv``.
    ``target``/``prefix``: install into that directory/scheme instead (pip's options).
    ``sync=True`` makes the environment hold exactly the resolution, removing everything
    else (uv's ``--exact``). ``upgrade``/``reinstall``: True for all packages, or names.
    ``no_deps``: resolve the requirements alone, not their dependencies. ``link_mode``:
    ``"hardlink"`` (default on Linux, falling back to copies), ``"copy"``, ``"clone"``,
    ``"symlink"``. ``cache_dir``: default ``SULA_CACHE_DIR`` or the user cache directory.
    ``constraints``/``overrides``: strings are requirements, ``os.PathLike`` values files.
    An interpreter that PEP 668 marks externally managed (a distribution's Python outside any
    virtual environment) is refused, as by the commands, unless ``break_system_packages=True``
    or ``target``/``prefix`` is given.

    Raises :class:`sula.errors.SulaError` subclasses for every failure the user can fix; their
    messages name these keyword arguments, not the command's flags.
    """
    import argparse

    from sula.cache import Cache
    from sula.client.settings import settings_from_args
    from sula.dispatch.install import SILENT, InstallSettings, install_spec
    from sula.distribution.names import canonicalize_name
    from sula.errors import SulaError
    from sula.installer import Layout
    from sula.installer.linker import LinkMode
    from sula.installer.plan import Reinstall
    from sula.interpreter import PythonEnvironment, find_environment
    from sula.requirements import from_sources
    from sula.resolver.api import strings_and_files

    if isinstance(requirements, (str, os.PathLike)):
        requirements = [requirements]
    packages, files = _split(requirements)
    if not (packages or files or editables):
        raise SulaError("Give at least one requirement to install")
    _check_choices(prerelease=prerelease, resolution=resolution)
    (constraint_packages, constraint_files), (override_packages, override_files) = (
        strings_and_files(constraints), strings_and_files(overrides))
    spec = from_sources(requirements=files, constraints=constraint_files, overrides=override_files,
                        packages=packages, constraint_packages=constraint_packages,
                        override_packages=override_packages,
                        editables=[os.fspath(e) for e in editables])
    mode: LinkMode | None
    try:
        mode = LinkMode(link_mode) if link_mode is not None else None
    except ValueError as err:
        raise SulaError(f"Unknown link mode `{link_mode}` (`link_mode=`)") from err
    # The same rules as the commands and `sula.resolve`: arguments, then `SULA_*`, then sula.toml.
    index, client = settings_from_args(argparse.Namespace(
        index_url=index_url,
        extra_index_url=list(extra_index_urls) or None,
        find_links=[os.fspath(f) for f in find_links] or None,
        no_index=no_index,
    ), offline=offline)
    settings = InstallSettings(
        index=index,
        client=client,
        reinstall=Reinstall(
            all=reinstall is True,
            packages=frozenset(canonicalize_name(n) for n in ([] if isinstance(reinstall, bool) else reinstall)),
        ),
        sync=sync,
        no_deps=no_deps,
        upgrade=upgrade is True,
        upgrade_packages=frozenset(
            canonicalize_name(n) for n in ([] if isinstance(upgrade, bool) else upgrade)
        ),
        link_mode=mode,
        compile_bytecode=compile_bytecode,
        dry_run=dry_run,
        prerelease=prerelease,
        resolution=resolution,
        only_binary=tuple(only_binary),
        no_binary=tuple(no_binary),
    )
    cache = Cache.from_settings(cache_dir, no_cache=False).init()
    try:
        with cache.lock_shared():
            env = find_environment(None if python is None else os.fspath(python), cache=cache)
            if target is None and prefix is None and not break_system_packages:
                detail = env.interpreter.externally_managed()
                if detail is not None:
                    from sula.interpreter import ExternallyManagedError

                    raise ExternallyManagedError(str(env.root), detail)
            if target is not None:
                env = PythonEnvironment.from_target_dir(env.interpreter, os.fspath(target))
            elif prefix is not None:
                env = PythonEnvironment.from_prefix(env.interpreter, os.fspath(prefix))
            summary = install_spec(
                spec, cache=cache, layout=Layout.from_environment(env), interp=env.interpreter,
                settings=settings, reporter=reporter or SILENT,
            )
        _keep_budget(cache, offline=offline)
        return summary
    finally:
        cache.cleanup()


def _keep_budget(cache: Cache, *, offline: bool) -> None:
    """After a call that wrote to the cache: evict down to ``SULA_CACHE_MAX_SIZE`` (or
    ``cache-max-size`` in sula.toml), as the commands do."""
    import sys

    usage = sys.modules.get("sula.cache.usage")
    if usage is None or not usage.upkeep_due(cache):
        return
    from sula.cache.evict import enforce_budget

    enforce_budget(cache, offline=offline)


@_speaks_api
def resolve(requirements: Sequence[str | os.PathLike[str]], **options: Any) -> ResolutionGraph:
    """Resolve requirements and return the pinned graph (``graph.pins()``): what
    ``sula pip compile`` does, with the same source builds (sdists, local projects and git,
    in isolated build environments filled by sula). The options are those of
    :func:`sula.resolver.api.resolve` (``python_version``, ``index_url``, ``exclude_newer``,
    ``offline``, ``cache_dir``…); ``no_build=True`` refuses every build. Error messages name
    these keyword arguments, not the command's flags."""
    from sula.resolver.api import resolve as resolve_graph

    _check_choices(prerelease=options.get("prerelease"), resolution=options.get("resolution"))
    if options.get("no_build"):
        return resolve_graph(requirements, **options)

    def make(interp: Interpreter, index: IndexSettings, client: ClientSettings) -> BuildContext:
        from sula.cache import Cache
        from sula.context import BuildOptions
        from sula.dispatch.build import InstallerBuildContext

        cache = Cache.from_settings(options.get("cache_dir"), no_cache=False)
        return InstallerBuildContext(interpreter=interp, cache=cache, build_options=BuildOptions(),
                                     index=index, client=client)

    return resolve_graph(requirements, build_context=make, **options)
