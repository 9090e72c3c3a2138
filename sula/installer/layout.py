"""Where an environment keeps each kind of installed file (the install scheme)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sula._record import dataclass

if TYPE_CHECKING:
    from sula.interpreter import PythonEnvironment

__all__ = ["Layout"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Layout:
    """The install scheme of one target: sysconfig paths plus the interpreter for shebangs.

    ``purelib`` and ``platlib`` are usually the same ``site-packages``; ``headers`` is
    where a wheel's ``.data/headers`` go (a per-distribution subdirectory is added).
    ``relocatable``: launchers run the interpreter beside them, not ``python``'s absolute
    path (``sula venv --relocatable``).
    """

    python: Path
    purelib: Path
    platlib: Path
    scripts: Path
    data: Path
    headers: Path
    python_version: tuple[int, int] = (3, 11)
    relocatable: bool = False

    @classmethod
    def from_environment(cls, env: PythonEnvironment) -> Layout:
        """The layout of an environment found by ``sula.interpreter.find_environment``.

        Headers go where pip puts them: ``<root>/include/site/pythonX.Y/<dist>`` in a venv,
        the scheme's ``include`` elsewhere.
        """
        interp = env.interpreter
        major, minor = interp.python_version[0], interp.python_version[1]
        paths = env.paths
        headers = Path(paths.include)
        if env.is_venv() and Path(paths.data) == env.root:
            headers = env.root / "include" / "site" / f"python{major}.{minor}"
        return cls(
            python=env.python,
            purelib=Path(paths.purelib),
            platlib=Path(paths.platlib),
            scripts=Path(paths.scripts),
            data=Path(paths.data),
            headers=headers,
            python_version=(major, minor),
        )

    @classmethod
    def for_venv(cls, prefix: Path, python_version: tuple[int, int], python: Path | None = None) -> Layout:
        """The POSIX venv scheme under ``prefix`` (what ``python -m venv`` creates)."""
        major, minor = python_version
        site = prefix / "lib" / f"python{major}.{minor}" / "site-packages"
        return cls(
            python=python if python is not None else prefix / "bin" / "python",
            purelib=site,
            platlib=site,
            scripts=prefix / "bin",
            data=prefix,
            headers=prefix / "include" / "site" / f"python{major}.{minor}",
            python_version=python_version,
        )

    @classmethod
    def for_target(cls, target: Path, python: Path, python_version: tuple[int, int]) -> Layout:
        """``--target DIR``: libraries in ``DIR``, scripts in ``DIR/bin``, like pip's."""
        return cls(
            python=python,
            purelib=target,
            platlib=target,
            scripts=target / "bin",
            data=target,
            headers=target / "include",
            python_version=python_version,
        )

    def lock_path(self) -> Path:
        """The file locked while reading, planning and changing this target: ``<venv>/.lock``
        in a virtual environment (uv's file, so sula and uv exclude each other), else
        ``.lock`` in the library directory (``--target DIR``, ``--prefix``, a system Python).

        The lock lives in the target itself, so that every process that can write the
        target sees the same file, whatever cache directory it uses.
        """
        if (self.data / "pyvenv.cfg").is_file():
            return self.data / ".lock"
        return self.purelib / ".lock"

    def site_dirs(self) -> list[Path]:
        """The distinct library directories, purelib first."""
        return [self.purelib] if self.purelib == self.platlib else [self.purelib, self.platlib]

    def roots(self) -> list[Path]:
        """Every directory the installer may write into (for the uninstall safety check)."""
        seen: list[Path] = []
        for p in (self.purelib, self.platlib, self.scripts, self.data, self.headers):
            if p not in seen:
                seen.append(p)
        return seen
