"""``PythonEnvironment``: an interpreter plus the directories an install writes into."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sula.interpreter.model import InstallPaths, Interpreter

__all__ = ["PythonEnvironment"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PythonEnvironment:
    """Where an install goes: the environment's root and install paths, and the interpreter
    whose markers and tags decide what is installed.

    :meth:`from_interpreter` is the interpreter's own environment (a venv or the system);
    :meth:`from_target_dir` and :meth:`from_prefix` describe ``--target DIR`` and
    ``--prefix DIR`` installs made for that interpreter.
    """

    root: Path
    interpreter: Interpreter
    paths: InstallPaths

    @classmethod
    def from_interpreter(cls, interpreter: Interpreter) -> PythonEnvironment:
        """The environment ``interpreter`` runs in (``sys.prefix`` and its sysconfig paths)."""
        return cls(root=Path(interpreter.prefix), interpreter=interpreter, paths=interpreter.paths)

    @classmethod
    def from_target_dir(cls, interpreter: Interpreter, target: str | Path) -> PythonEnvironment:
        """pip's ``--target DIR``: packages straight into DIR, scripts into ``DIR/bin``."""
        root = Path(target).absolute()
        d = str(root)
        scripts = str(root / ("Scripts" if interpreter.markers.get("os_name") == "nt" else "bin"))
        paths = InstallPaths(purelib=d, platlib=d, scripts=scripts, data=d, include=str(root / "include"))
        return cls(root=root, interpreter=interpreter, paths=paths)

    @classmethod
    def from_prefix(cls, interpreter: Interpreter, prefix: str | Path) -> PythonEnvironment:
        """pip's ``--prefix DIR``: the interpreter's prefix scheme (``lib/pythonX.Y/site-packages``,
        ``bin``, …) rooted at DIR."""
        root = Path(prefix).absolute()
        return cls(root=root, interpreter=interpreter, paths=interpreter.prefix_scheme.under(root))

    @property
    def python(self) -> Path:
        """The interpreter's executable as this environment knows it."""
        return Path(self.interpreter.sys_executable)

    @property
    def scripts_dir(self) -> Path:
        return Path(self.paths.scripts)

    @property
    def purelib(self) -> Path:
        return Path(self.paths.purelib)

    @property
    def platlib(self) -> Path:
        return Path(self.paths.platlib)

    def site_packages(self) -> list[Path]:
        """purelib, then platlib when it differs: where installed distributions are looked up."""
        dirs = [Path(self.paths.purelib)]
        if self.paths.platlib != self.paths.purelib:
            dirs.append(Path(self.paths.platlib))
        return dirs

    def is_venv(self) -> bool:
        return (self.root / "pyvenv.cfg").is_file()
