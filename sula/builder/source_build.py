"""A source tree with its build environment: PEP 517 hooks through pyproject-hooks, in a subprocess."""

from __future__ import annotations

import asyncio
import os
import warnings
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pyproject_hooks import BuildBackendWarning

from sula._fs import remove_tree
from sula.builder._runner import HookProcessError, HookRunner
from sula.builder.build_system import BuildSystem, read_build_system
from sula.builder.errors import (
    BackendFailedError,
    BackendUnavailableError,
    BuildEnvironmentError,
    InvalidBackendResultError,
    InvalidBuildSystemError,
    MissingBackendHookError,
)
from sula.context import BuildKind
from sula.errors import SulaError

if TYPE_CHECKING:
    from types import TracebackType

    from sula.context import BuildContext, BuildOptions
    from sula.distribution.names import NormalizedName
    from sula.venv import VirtualEnvironment

__all__ = ["SourceBuild"]

# pyproject-hooks re-emits the backend's UserWarnings in this process with `warnings`, which
# would print them: nothing below the CLI prints, and the backend's own output is captured.
warnings.filterwarnings("ignore", category=BuildBackendWarning)

T = TypeVar("T")

# One semaphore per event loop and limit: asyncio primitives belong to the loop they were first
# used on, and a process may run several loops (tests, `sula.install()` called twice).
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _build_slots(limit: int) -> asyncio.Semaphore:
    per_loop = _SLOTS.setdefault(asyncio.get_running_loop(), {})
    sem = per_loop.get(limit)
    if sem is None:
        sem = per_loop[limit] = asyncio.Semaphore(max(1, limit))
    return sem


class SourceBuild:
    """One source tree ready to build (implements :class:`sula.context.SourceBuildHandle`).

    Made by :meth:`setup`: ``[build-system]`` read, and for an isolated build a fresh venv
    filled with ``build-system.requires`` and then with what ``get_requires_for_build_*`` adds.
    Every hook runs in a subprocess of the build environment's Python (never in sula's
    process), at most ``build_options.concurrency`` at once per event loop. Call :meth:`close`
    (or use ``async with``) to remove the environment, also after a failure.
    """

    def __init__(
        self,
        *,
        source_tree: Path,
        package: str,
        kind: BuildKind,
        build_system: BuildSystem,
        options: BuildOptions,
        temp_dir: Path,
        environment: Path | None,
        site_dirs: Sequence[str],
        runner: HookRunner,
        python: str,
        markers: dict[str, str],
    ) -> None:
        from pyproject_hooks import BuildBackendHookCaller

        self.source_tree = source_tree
        self.package = package
        self.kind = kind
        self.build_system = build_system
        self._options = options
        self._temp_dir = temp_dir
        self.environment = environment
        self._site_dirs = tuple(site_dirs)
        self._runner = runner
        self.python = python
        self._markers = markers
        try:
            self._caller = BuildBackendHookCaller(
                os.fspath(source_tree),
                build_system.backend,
                backend_path=list(build_system.backend_path) or None,
                runner=runner,
                python_executable=python,
            )
        except ValueError as err:  # pyproject-hooks' check that backend-path stays in the tree
            raise InvalidBuildSystemError(
                source_tree / "pyproject.toml", f"`build-system.backend-path`: {err}"
            ) from None

    @property
    def isolated(self) -> bool:
        """Whether this build has its own environment (else it runs in the target's)."""
        return self.environment is not None

    @classmethod
    async def setup(
        cls,
        source_tree: Path,
        *,
        context: BuildContext,
        package: str,
        name: NormalizedName | None = None,
        kind: BuildKind = BuildKind.WHEEL,
        temp_root: Path | None = None,
    ) -> SourceBuild:
        """Read ``source_tree``'s build system and make its environment (see the class).

        ``package`` names the source in messages (``pkg==1.0``, or a path); ``name`` is its
        normalized name when known, for ``--no-build-isolation-package``. The environment is
        made in a temporary directory under ``temp_root`` (default: the cache's temp root).
        """
        import tempfile

        build_system = read_build_system(source_tree)
        options = context.build_options
        interpreter = context.interpreter
        isolated = options.isolated(name)
        root = temp_root if temp_root is not None else context.cache.temp_root
        root.mkdir(parents=True, exist_ok=True)
        temp_dir = Path(tempfile.mkdtemp(prefix="build-", dir=root))
        runner: HookRunner | None = None
        try:
            environment: Path | None = None
            site_dirs: list[str] = []
            if isolated:
                env = await _create_env(temp_dir / "env", context, package)
                environment = env.root
                python, venv = os.fspath(env.python), os.fspath(env.root)
                scripts: str | None = os.fspath(env.scripts_dir)
                site_dirs = [os.fspath(env.site_packages), os.fspath(env.platlib)]
            elif interpreter.is_venv():  # the target venv, as if it were activated
                python, venv, scripts = (
                    interpreter.sys_executable, interpreter.prefix, interpreter.paths.scripts
                )
            else:
                python, venv, scripts = interpreter.sys_executable, None, None
            runner = HookRunner(
                package=package, venv=venv, scripts_dir=scripts, isolated=isolated,
                verbose=options.verbose,
            )
            build = cls(
                source_tree=source_tree, package=package, kind=kind, build_system=build_system,
                options=options, temp_dir=temp_dir, environment=environment,
                site_dirs=site_dirs, runner=runner, python=python,
                markers=interpreter.marker_environment(),
            )
            if isolated:
                await build._fill_environment(context)
        except BaseException:
            # Cancelled (Ctrl-C) or failed while a hook runs: stop it, or the process would
            # wait for the backend to finish before it can exit.
            if runner is not None:
                runner.kill()
            remove_tree(temp_dir)
            raise
        return build

    async def _fill_environment(self, context: BuildContext) -> None:
        assert self.environment is not None
        requires = list(self.build_system.requires)
        if requires:
            await self._install(context, requires)
        hook, get_requires = self._hook_for("get_requires_for_build")
        config = self._config_settings()
        extra = await self._hook(hook, lambda: get_requires(config))
        if not isinstance(extra, list) or not all(isinstance(r, str) for r in extra):
            raise InvalidBackendResultError(
                package=self.package, backend=self.build_system.backend, hook=hook, result=extra
            )
        if self._unsatisfied(extra):
            # Resolve the whole set again, not only what is new, so the environment stays
            # consistent (a new requirement may need another version of an installed one).
            await self._install(context, [*requires, *(r for r in extra if r not in requires)])

    async def _install(self, context: BuildContext, requirements: list[str]) -> None:
        assert self.environment is not None
        try:
            await context.install_requirements(requirements, self.environment, package=self.package)
        except SulaError as err:
            raise BuildEnvironmentError(self.package, "install the build requirements") from err

    def _unsatisfied(self, requirements: Sequence[str]) -> list[str]:
        """Those of ``requirements`` (from ``get_requires_for_build_*``) that the build
        environment does not satisfy yet, markers evaluated for the build's interpreter."""
        from importlib.metadata import distributions

        from packaging.requirements import InvalidRequirement, Requirement
        from packaging.version import InvalidVersion, Version

        from sula.distribution.names import canonicalize_name

        installed: dict[str, str] = {}
        for dist in distributions(path=list(self._site_dirs)):
            dist_name = dist.metadata["Name"]
            if dist_name:
                installed.setdefault(canonicalize_name(dist_name), dist.version)
        missing = []
        for text in requirements:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                missing.append(text)  # the installer names it in its error
                continue
            if req.marker is not None and not req.marker.evaluate({**self._markers, "extra": ""}):
                continue
            version = installed.get(canonicalize_name(req.name))
            try:
                ok = (
                    version is not None
                    and not req.extras  # an extra's own requirements are not checked here
                    and req.specifier.contains(Version(version), prereleases=True)
                )
            except InvalidVersion:
                ok = False
            if not ok:
                missing.append(text)
        return missing

    def _hook_for(self, stem: str) -> tuple[str, Callable[..., Any]]:
        """The hook's name for this build's kind (``build_wheel`` or ``build_editable``) and
        the hook caller's method that runs it."""
        hook = f"{stem}_{self.kind.value}"
        method: Callable[..., Any] = getattr(self._caller, hook)
        return hook, method

    def _config_settings(self) -> dict[str, str | list[str]]:
        return {
            key: list(value) if isinstance(value, list) else value
            for key, value in self._options.config_settings.items()
        }

    async def _hook(self, hook: str, call: Callable[[], T]) -> T:
        """Run one hook (``call`` uses the hook caller) in a thread, under the build slots."""
        from pyproject_hooks import BackendUnavailable

        async with _build_slots(self._options.concurrency):
            try:
                return await asyncio.to_thread(call)
            except HookProcessError as err:
                failed = BackendFailedError(
                    package=self.package, backend=self.build_system.backend, hook=hook,
                    exit_code=err.exit_code, output=err.output, total_lines=err.total,
                    hint=err.hint,
                )
                # Its causes (the call, the output, the hint) are made with it.
                raise failed from failed.__cause__
            except BackendUnavailable as err:
                raise BackendUnavailableError(
                    package=self.package, backend=self.build_system.backend,
                    isolated=self.isolated, requires=self.build_system.requires,
                    detail=err.traceback,
                ) from None
            except OSError as err:  # the environment's Python could not be started
                raise BuildEnvironmentError(self.package, "run the build backend") from err

    async def metadata(self, out_dir: Path) -> Path | None:
        """``prepare_metadata_for_build_wheel`` (``…_editable``) into ``out_dir``: the
        ``.dist-info`` directory, or None when the backend has no such hook (then build the
        wheel and read its METADATA)."""
        from pyproject_hooks import HookMissing

        hook, prepare = self._hook_for("prepare_metadata_for_build")
        out, config = _out_dir(out_dir), self._config_settings()
        try:
            # No fallback: pyproject-hooks would build a whole wheel to cut the metadata out
            # of it; the caller decides what to do with the wheel instead.
            name = await self._hook(hook, lambda: prepare(out, config, _allow_fallback=False))
        except HookMissing:
            return None
        return self._result(out_dir, name, hook, ".dist-info", directory=True)

    async def wheel(self, out_dir: Path) -> Path:
        """``build_wheel`` (``build_editable``) into ``out_dir``: the wheel file made."""
        from pyproject_hooks import HookMissing

        hook, build = self._hook_for("build")
        out, config = _out_dir(out_dir), self._config_settings()
        try:
            name = await self._hook(hook, lambda: build(out, config))
        except HookMissing:
            raise MissingBackendHookError(
                package=self.package, backend=self.build_system.backend, hook=hook
            ) from None
        return self._result(out_dir, name, hook, ".whl", directory=False)

    def _result(self, out_dir: Path, name: Any, hook: str, suffix: str, *, directory: bool) -> Path:
        path = out_dir / name if isinstance(name, str) and name else None
        if (
            path is None
            or path.parent != out_dir
            or not path.name.endswith(suffix)
            or not (path.is_dir() if directory else path.is_file())
        ):
            raise InvalidBackendResultError(
                package=self.package, backend=self.build_system.backend, hook=hook, result=name
            )
        return path

    async def close(self) -> None:
        """Stop running hooks and remove the build environment and temporary files."""
        self._runner.kill()
        await asyncio.to_thread(remove_tree, self._temp_dir)

    async def __aenter__(self) -> SourceBuild:
        return self

    async def __aexit__(
        self, typ: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def _out_dir(path: Path) -> str:
    path.mkdir(parents=True, exist_ok=True)
    return os.path.abspath(path)


async def _create_env(path: Path, context: BuildContext, package: str) -> VirtualEnvironment:
    from sula.venv import VenvError, create_venv

    try:
        return await asyncio.to_thread(create_venv, path, context.interpreter)
    except VenvError as err:
        raise BuildEnvironmentError(package, "create the build environment") from err
