"""The :class:`~sula.context.BuildContext` of sula's commands: build environments filled by
sula's own resolver and installer, from the same indexes and the same cache as the run.

``sula.builder`` makes the isolated environment (a venv) and asks the context to install the
backend's requirements into it; this module answers by resolving them for the build's
interpreter (with the build constraints) and linking them from the cache, as a ``pip install``
into that venv would. A warm set of build requirements costs a resolution from cached pages and
a link step: no download, no backend call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sula._record import replace

if TYPE_CHECKING:
    from pathlib import Path

    from sula.cache import Cache
    from sula.client.settings import ClientSettings, IndexSettings
    from sula.context import BuildKind, BuildOptions, SourceBuildHandle
    from sula.distribution.names import NormalizedName
    from sula.interpreter import Interpreter

__all__ = ["InstallerBuildContext", "read_build_constraints"]


class InstallerBuildContext:
    """Builds sources for ``interpreter`` with environments from ``index`` and ``cache``."""

    def __init__(
        self,
        *,
        interpreter: Interpreter,
        cache: Cache,
        build_options: BuildOptions,
        index: IndexSettings,
        client: ClientSettings,
    ) -> None:
        self._interpreter = interpreter
        self._cache = cache
        self._options = build_options
        self.index = index
        self.client = client

    @property
    def interpreter(self) -> Interpreter:
        return self._interpreter

    @property
    def cache(self) -> Cache:
        return self._cache

    @property
    def build_options(self) -> BuildOptions:
        return self._options

    async def setup_build(
        self, source_tree: Path, *, package: str, name: NormalizedName | None, kind: BuildKind
    ) -> SourceBuildHandle:
        from sula.builder import SourceBuild

        return await SourceBuild.setup(source_tree, context=self, package=package, name=name, kind=kind)

    async def install_requirements(
        self, requirements: Sequence[str], venv: Path, *, package: str
    ) -> None:
        # The install runs its own event loop (resolution, downloads, nested builds) in a
        # worker thread, so that it never blocks the loop of the run that asked for the build.
        import asyncio

        from sula.dispatch._nested import NestedRun

        nested = NestedRun()
        try:
            await asyncio.to_thread(nested.call, self._install, list(requirements), venv, package)
        except asyncio.CancelledError:
            nested.cancel()  # Ctrl-C: stop the thread's install too, or the exit waits for it
            raise

    def _install(self, requirements: list[str], venv: Path, package: str) -> None:
        from sula.dispatch.install import InstallSettings, install_spec
        from sula.installer import Layout
        from sula.installer.plan import Reinstall
        from sula.requirements import from_sources

        # Errors propagate: the builder says which source's build requirements failed.
        if not requirements:
            return
        spec = from_sources(packages=requirements)
        if self._options.build_constraints:
            constraints = from_sources(packages=list(self._options.build_constraints))
            spec = replace(spec, constraints=constraints.requirements)
        major, minor = self._interpreter.python_version[0], self._interpreter.python_version[1]
        layout = Layout.for_venv(venv, (major, minor))
        settings = InstallSettings(index=self.index, client=self.client, reinstall=Reinstall(),
                                   build=self._options)
        install_spec(spec, cache=self._cache, layout=layout, interp=self._interpreter,
                     settings=settings)


def read_build_constraints(paths: Sequence[str]) -> tuple[str, ...]:
    """``--build-constraints FILE…``: the requirement lines of the files, as strings."""
    if not paths:
        return ()
    from sula.requirements import from_sources

    spec = from_sources(requirements=list(paths))
    return tuple(str(entry.requirement) for entry in spec.requirements)
