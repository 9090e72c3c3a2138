"""``PythonEnvironment``: an interpreter plus the directories an install writes into."""

from __future__ import annotations

from pathlib import Path

from sula.interpreter.model import InstallPaths, Interpreter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__all__ = ["PythonEnvironment"]


class PythonEnvironment:
    """Where an install goes: the environment's root and install paths, and the interpreter
    whose markers and tags decide what is installed.

    :meth:`from_interpreter` is the interpreter's own environment (a venv or the system);
    :meth:`from_target_dir` and :meth:`from_prefix` describe ``--target DIR`` and
    ``--prefix DIR`` installs made for that interpreter.
    """

    __slots__ = ("interpreter", "paths", "root")

    def __init__(self, *, root: Path, interpreter: Interpreter, paths: InstallPaths) -> None:
        # A plain class (no dataclasses import: start-up time); Final makes it immutable to mypy.
        self.root: Final = root
        self.interpreter: Final = interpreter
        self.paths: Final = paths

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PythonEnvironment):
            return NotImplemented
        return (self.root, self.interpreter, self.paths) == (other.root, other.interpreter, other.paths)

    __hash__ = None  # type: ignore[assignment]  # as the Interpreter it holds

    def __repr__(self) -> str:
        return f"PythonEnvironment(root={self.root!r}, interpreter={self.interpreter!r})"

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
