"""``Interpreter``: what one Python reported about itself (markers, tags, install paths, prefixes).

Plain classes with ``__slots__`` rather than ``msgspec.Struct`` or dataclasses: ``sula venv`` is
start-up bound, and importing msgspec (with typing_extensions) or dataclasses (with inspect)
costs more than the whole venv creation. One record is decoded per run, so the stdlib's
``json`` (probe answers) and ``marshal`` (cache entries) are fast enough. Attributes are
``Final``: mypy rejects assignments, as it would to a frozen class.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Final

__all__ = ["InstallPaths", "Interpreter"]

_PATH_KEYS = ("purelib", "platlib", "scripts", "data", "include")


def _expect(value: object, kind: type, what: str) -> None:
    if type(value) is not kind:
        raise ValueError(f"`{what}` is {type(value).__name__}, not {kind.__name__}")


class InstallPaths:
    """sysconfig install paths: absolute for an environment, or relative to a prefix in a scheme."""

    __slots__ = _PATH_KEYS

    def __init__(self, *, purelib: str, platlib: str, scripts: str, data: str, include: str) -> None:
        self.purelib: Final = purelib
        self.platlib: Final = platlib
        self.scripts: Final = scripts
        self.data: Final = data
        self.include: Final = include

    def _astuple(self) -> tuple[str, str, str, str, str]:
        return (self.purelib, self.platlib, self.scripts, self.data, self.include)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InstallPaths):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in zip(_PATH_KEYS, self._astuple(), strict=True))
        return f"InstallPaths({fields})"

    def to_dict(self) -> dict[str, str]:
        return dict(zip(_PATH_KEYS, self._astuple(), strict=True))

    @classmethod
    def from_dict(cls, data: object, what: str = "paths") -> InstallPaths:
        """From ``to_dict()``'s shape; ``ValueError`` when a key is missing or not a string."""
        _expect(data, dict, what)
        assert isinstance(data, dict)
        for key in _PATH_KEYS:
            _expect(data.get(key), str, f"{what}.{key}")
        return cls(
            purelib=data["purelib"],
            platlib=data["platlib"],
            scripts=data["scripts"],
            data=data["data"],
            include=data["include"],
        )

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


# Field name -> the type of its value in the probe's JSON (and in a cache entry).
_FIELDS: dict[str, type] = {
    "probe_version": int,
    "markers": dict,
    "tags": list,
    "paths": InstallPaths,
    "venv_scheme": InstallPaths,
    "prefix_scheme": InstallPaths,
    "prefix": str,
    "base_prefix": str,
    "base_exec_prefix": str,
    "sys_executable": str,
    "real_executable": str,
    "python_version": tuple,
    "python_full_version": str,
    "implementation_name": str,
    "pointer_size": int,
    "stdlib": str,
    "abiflags": str,
    "gil_disabled": bool,
    "platform": str,
}


class Interpreter:
    """A Python interpreter as its own probe described it (``sula/interpreter/_probe.py``).

    Decoded from the probe's JSON (:meth:`from_dict`) and cached with ``marshal`` in the
    ``interpreters-v2`` bucket (:meth:`to_dict`). ``tags`` are ``"interpreter-abi-platform"``
    strings, best first, in the order of ``packaging.tags.sys_tags()``; ``paths`` are the
    install paths of the environment this interpreter runs in; ``venv_scheme``/``prefix_scheme``
    are the same paths relative to a new venv's root or to a ``--prefix`` directory.
    """

    __slots__ = (*_FIELDS, "_tag_ranks")

    def __init__(
        self,
        *,
        probe_version: int,
        markers: dict[str, str],
        tags: list[str],
        paths: InstallPaths,
        venv_scheme: InstallPaths,
        prefix_scheme: InstallPaths,
        prefix: str,
        base_prefix: str,
        base_exec_prefix: str,
        sys_executable: str,
        real_executable: str,
        python_version: tuple[int, int, int],
        python_full_version: str,
        implementation_name: str,
        pointer_size: int,
        stdlib: str,
        abiflags: str,
        gil_disabled: bool,
        platform: str,
    ) -> None:
        self.probe_version: Final = probe_version
        self.markers: Final = markers
        self.tags: Final = tags
        self.paths: Final = paths
        self.venv_scheme: Final = venv_scheme
        self.prefix_scheme: Final = prefix_scheme
        self.prefix: Final = prefix
        self.base_prefix: Final = base_prefix
        self.base_exec_prefix: Final = base_exec_prefix
        self.sys_executable: Final = sys_executable
        self.real_executable: Final = real_executable
        self.python_version: Final = python_version
        self.python_full_version: Final = python_full_version
        self.implementation_name: Final = implementation_name
        self.pointer_size: Final = pointer_size
        self.stdlib: Final = stdlib
        self.abiflags: Final = abiflags
        self.gil_disabled: Final = gil_disabled
        self.platform: Final = platform
        # Tag -> rank, built on the first tag_priority() call.
        self._tag_ranks: dict[str, int] | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain data (str, int, bool, list, tuple, dict) for ``marshal`` or ``json``."""
        out: dict[str, object] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            out[name] = value.to_dict() if isinstance(value, InstallPaths) else value
        return out

    @classmethod
    def from_dict(cls, data: object) -> Interpreter:
        """From the probe's JSON object or :meth:`to_dict`'s output, every field type-checked.

        Raises ``ValueError`` naming the first field that is missing or of the wrong type.
        """
        _expect(data, dict, "interpreter")
        assert isinstance(data, dict)
        values: dict[str, object] = {}
        for name, kind in _FIELDS.items():
            value = data.get(name)
            if kind is InstallPaths:
                value = InstallPaths.from_dict(value, name)
            elif kind is tuple:
                if type(value) is list:  # JSON has no tuples
                    value = tuple(value)
                _expect(value, tuple, name)
                assert isinstance(value, tuple)
                if len(value) != 3 or any(type(v) is not int for v in value):
                    raise ValueError(f"`{name}` is not three integers")
            else:
                _expect(value, kind, name)
            values[name] = value
        markers, tags = values["markers"], values["tags"]
        assert isinstance(markers, dict) and isinstance(tags, list)
        # set(map(type, ...)) walks the ~1,000 tags in C: a third of a generator's time.
        if not set(map(type, markers)).union(map(type, markers.values())) <= {str}:
            raise ValueError("`markers` holds a value that is not a string")
        if not set(map(type, tags)) <= {str}:
            raise ValueError("`tags` holds a value that is not a string")
        return cls(**values)  # type: ignore[arg-type]

    def _astuple(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Interpreter):
            return NotImplemented
        return self._astuple() == other._astuple()

    __hash__ = None  # type: ignore[assignment]  # markers and tags are mutable containers

    def __repr__(self) -> str:
        return (
            f"Interpreter({self.implementation_name} {self.python_full_version}, "
            f"sys_executable={self.sys_executable!r}, prefix={self.prefix!r})"
        )

    def retarget(self, *, markers: dict[str, str], tags: list[str]) -> Interpreter:
        """This interpreter with other marker values and tags: what ``--python-platform``
        installs for (wheels for another platform, into a target this Python may not run)."""
        values = {name: getattr(self, name) for name in _FIELDS}
        values.update(markers=markers, tags=tags)
        return Interpreter(**values)

    def is_venv(self) -> bool:
        """True when this interpreter runs inside a virtual environment (PEP 405)."""
        return self.prefix != self.base_prefix

    def externally_managed(self) -> str | None:
        """PEP 668: the message of the ``EXTERNALLY-MANAGED`` marker in the standard library
        directory of a base interpreter (its ``Error`` key, else a generic text), or None
        when there is no marker or this is a virtual environment."""
        if self.is_venv():
            return None
        import configparser

        marker = os.path.join(self.stdlib, "EXTERNALLY-MANAGED")
        if not os.path.isfile(marker):
            return None
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(marker, encoding="utf-8")
            detail = parser.get("externally-managed", "Error", fallback="")
        except (configparser.Error, OSError, UnicodeDecodeError):
            detail = ""
        return detail.strip() or "This environment is managed by another package manager"

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
        ranks = self._tag_ranks
        if ranks is None:
            ranks = {}
            for i, t in enumerate(self.tags):
                ranks.setdefault(t, i)
            self._tag_ranks = ranks
        return ranks.get(tag)

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
        from pathlib import Path

        return Path(self.real_executable)
