"""PEP 517 build frontend: read ``[build-system]``, make an isolated environment through the
build context, call the backend's hooks with pyproject-hooks in a subprocess, capture output.

Public API::

    build = await SourceBuild.setup(source_tree, context=ctx, package="pkg==1.0",
                                    name=None, kind=BuildKind.WHEEL, temp_root=None)
    try:
        dist_info = await build.metadata(out_dir)   # None: no prepare_metadata hook
        wheel = await build.wheel(out_dir)
    finally:
        await build.close()

    read_build_system(source_tree) -> BuildSystem   # requires, backend, backend_path

Errors derive from :class:`BuildError`. Importing this package is cheap: the modules load on
first use of a name.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from sula.builder.build_system import BuildSystem, read_build_system
    from sula.builder.errors import (
        BackendFailedError,
        BackendUnavailableError,
        BuildEnvironmentError,
        BuildError,
        InvalidBackendResultError,
        InvalidBuildSystemError,
        MissingBackendHookError,
        NotAPythonProjectError,
    )
    from sula.builder.source_build import SourceBuild

__all__ = [
    "BackendFailedError",
    "BackendUnavailableError",
    "BuildEnvironmentError",
    "BuildError",
    "BuildSystem",
    "InvalidBackendResultError",
    "InvalidBuildSystemError",
    "MissingBackendHookError",
    "NotAPythonProjectError",
    "SourceBuild",
    "read_build_system",
]

_MODULES = {
    "SourceBuild": "source_build",
    "BuildSystem": "build_system",
    "read_build_system": "build_system",
}


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module = importlib.import_module(f"sula.builder.{_MODULES.get(name, 'errors')}")
    value = getattr(module, name)
    globals()[name] = value
    return value
