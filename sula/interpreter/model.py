"""``Interpreter``: what one Python reported about itself (markers, tags, install paths, prefixes)."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

__all__ = ["InstallPaths", "Interpreter"]


class InstallPaths(msgspec.Struct, frozen=True):
    """sysconfig install paths: absolute for an environment, or relative to a prefix in a scheme."""

    purelib: str
    platlib: str
    scripts: str
    data: str
    include: str

    def under(self, prefix: str | os.PathLike[str]) -> InstallPaths:
        """This scheme (relative paths) applied to ``prefix``; absolute entries stay as they are."""
        root = os.fspath(prefix)

        def join(rel: str) -> str:
            return os.path.normpath(os.path.join(root, rel)) if rel else root

        return InstallPaths(
            purelib=join(self.purelib),
            platlib=join(self.platlib),
            scripts=join(self.scripts),
            data=join(self.data),
            include=join(self.include),
        )


# Tag rank tables, built on first use per Interpreter object (a frozen Struct has no spare
# attribute to memoize into). Keyed by id(); the value keeps the object alive so ids stay unique.
_TAG_RANKS: dict[int, tuple[Interpreter, dict[str, int]]] = {}


class Interpreter(msgspec.Struct, frozen=True):
    """A Python interpreter as its own probe described it (``sula/interpreter/_probe.py``).

    Decoded from the probe's JSON and cached as msgpack in the ``interpreters-v1`` bucket.
    ``tags`` are ``"interpreter-abi-platform"`` strings, best first, in the order of
    ``packaging.tags.sys_tags()``; ``paths`` are the install paths of the environment this
    interpreter runs in; ``venv_scheme``/``prefix_scheme`` are the same paths relative to a
    new venv's root or to a ``--prefix`` directory.
    """

    probe_version: int
    markers: dict[str, str]
    tags: list[str]
    paths: InstallPaths
    venv_scheme: InstallPaths
    prefix_scheme: InstallPaths
    prefix: str
    base_prefix: str
    base_exec_prefix: str
    sys_executable: str
    real_executable: str
    python_version: tuple[int, int, int]
    python_full_version: str
    implementation_name: str
    pointer_size: int
    stdlib: str
    abiflags: str
    gil_disabled: bool
    platform: str

    def is_venv(self) -> bool:
        """True when this interpreter runs inside a virtual environment (PEP 405)."""
        return self.prefix != self.base_prefix

    @property
    def implementation(self) -> str:
        """``CPython``, ``PyPy``, … (the ``platform_python_implementation`` marker)."""
        return self.markers.get("platform_python_implementation", self.implementation_name)

    @property
    def python_minor(self) -> str:
        """``"3.12"``."""
        return f"{self.python_version[0]}.{self.python_version[1]}"

    def marker_environment(self) -> dict[str, str]:
        """A fresh dict for ``packaging.markers.Marker.evaluate(environment=...)``."""
        return dict(self.markers)

    def tag_priority(self, tag: str) -> int | None:
        """Rank of a ``py-abi-plat`` tag (0 is best), or None when this interpreter cannot use it.

        A dict lookup after the first call; the resolver and installer use it to rank wheels.
        """
        entry = _TAG_RANKS.get(id(self))
        if entry is None or entry[0] is not self:
            ranks: dict[str, int] = {}
            for i, t in enumerate(self.tags):
                ranks.setdefault(t, i)
            entry = (self, ranks)
            _TAG_RANKS[id(self)] = entry
        return entry[1].get(tag)

    def wheel_priority(self, wheel_tags: str) -> int | None:
        """Best rank among the tags of a wheel filename's tag triple (compressed sets allowed,
        e.g. ``py2.py3-none-any``), or None when none is supported."""
        interpreters, _, rest = wheel_tags.partition("-")
        abis, _, platforms = rest.partition("-")
        best: int | None = None
        for i in interpreters.split("."):
            for a in abis.split("."):
                for p in platforms.split("."):
                    rank = self.tag_priority(f"{i}-{a}-{p}")
                    if rank is not None and (best is None or rank < best):
                        best = rank
        return best

    @property
    def base_executable(self) -> Path:
        """The real executable file behind this interpreter (symlinks resolved): a new venv's
        ``bin/python`` points here."""
        return Path(self.real_executable)
