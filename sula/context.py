"""Protocols that break the build ↔ resolve ↔ install cycle (uv's puffin-traits).

The resolver and the installer need wheels and metadata of source distributions; building
one needs an environment filled by the resolver and the installer. Neither side imports the
other: the database asks a :class:`BuildContext` for a :class:`SourceBuildHandle`, and
``sula.dispatch`` implements the context by composing ``sula.builder`` with the resolver,
the installer and ``sula.venv``.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from sula._record import dataclass, field

if TYPE_CHECKING:
    from pathlib import Path

    from sula.cache import Cache
    from sula.distribution.names import NormalizedName
    from sula.interpreter import Interpreter

__all__ = ["BuildContext", "BuildKind", "BuildOptions", "SourceBuildHandle"]


class BuildKind(enum.Enum):
    """What a build makes: a regular wheel or a PEP 660 editable one."""

    WHEEL = "wheel"
    EDITABLE = "editable"


def _default_builds() -> int:
    env = os.environ.get("SULA_CONCURRENT_BUILDS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildOptions:
    """How sources are built (the same for every build of one run).

    ``config_settings``: ``-C KEY=VALUE`` (a key given twice holds a list, as pip passes it).
    ``no_build_isolation``: build in the target environment itself, whose build requirements
    the user installed; ``no_build_isolation_packages``: the same for some packages only.
    ``build_constraints``: requirement strings (``cython<3``) that constrain every build
    environment's resolution. ``concurrency``: builds at once (``SULA_CONCURRENT_BUILDS``,
    default the number of cores). ``verbose``: stream the backend's output to stderr as it
    runs (``-v``) instead of only keeping it for an error message.
    """

    config_settings: Mapping[str, str | list[str]] = field(default_factory=dict)
    no_build_isolation: bool = False
    no_build_isolation_packages: frozenset[NormalizedName] = frozenset()
    build_constraints: tuple[str, ...] = ()
    concurrency: int = field(default_factory=_default_builds)
    verbose: bool = False

    def isolated(self, name: NormalizedName | None) -> bool:
        """Whether the build of ``name`` gets an isolated environment."""
        if self.no_build_isolation:
            return False
        return name is None or name not in self.no_build_isolation_packages


class SourceBuildHandle(Protocol):
    """A source tree with its build environment ready: ask it for metadata or a wheel."""

    async def metadata(self, out_dir: Path) -> Path | None:
        """``prepare_metadata_for_build_wheel`` (or ``…_editable``) into ``out_dir``: the
        ``*.dist-info`` directory made, or None when the backend does not offer the hook."""
        ...

    async def wheel(self, out_dir: Path) -> Path:
        """``build_wheel`` (or ``build_editable``) into ``out_dir``: the wheel file made."""
        ...

    async def close(self) -> None:
        """Remove the build environment and temporary files."""
        ...


class BuildContext(Protocol):
    """What the database needs to build: the target interpreter, the cache, the options, and
    a way to set up a build of a source tree (its environment resolved and installed)."""

    @property
    def interpreter(self) -> Interpreter: ...

    @property
    def cache(self) -> Cache: ...

    @property
    def build_options(self) -> BuildOptions: ...

    async def setup_build(
        self, source_tree: Path, *, package: str, name: NormalizedName | None, kind: BuildKind
    ) -> SourceBuildHandle:
        """Read ``source_tree``'s ``[build-system]``, make its build environment, and return
        the handle. ``package`` names the source in messages (``django-allauth==0.51.0``)."""
        ...

    async def install_requirements(
        self, requirements: Sequence[str], venv: Path, *, package: str
    ) -> None:
        """Resolve ``requirements`` (with the build constraints) for the environment at
        ``venv`` and install them into it; ``package`` is the source being built, for messages."""
        ...
