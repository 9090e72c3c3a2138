"""Create a PEP 405 virtual environment directly (no ``python -m venv``): pyvenv.cfg, interpreter
links, site-packages, activation scripts, and optionally pip from the bundled wheels.

Layout of ``create_venv(".venv", python3.12)`` on Linux::

    .venv/
      .gitignore                 "*": never committed
      CACHEDIR.TAG               backup tools skip it
      pyvenv.cfg                 home, implementation, sula, version_info,
                                 include-system-site-packages[, prompt][, relocatable]
      bin/python -> /root/.pyenv/versions/3.12.1/bin/python3.12   (the base's real executable)
      bin/python3 -> python, bin/python3.12 -> python
      bin/activate, activate.fish, activate.csh, activate.nu, activate.ps1, activate_this.py
      lib/python3.12/site-packages/
      lib64 -> lib               64-bit Linux, as the stdlib's venv does
"""

from __future__ import annotations

import os
from pathlib import Path

from sula.interpreter._diag import debug, span
from sula.venv.errors import VenvError, VenvExistsError

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from typing import Final

    from sula.interpreter import InstallPaths, Interpreter
    from sula.venv._seed import SeedPackage

__all__ = ["VirtualEnvironment", "create_venv"]

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by sula.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


class VirtualEnvironment:
    """A created environment: where its interpreter, scripts and site-packages are.

    A plain class rather than a dataclass (``import dataclasses`` costs milliseconds of
    ``sula venv``'s start-up); ``Final`` attributes are immutable to mypy.
    """

    __slots__ = ("base_executable", "platlib", "prompt", "python", "root", "scripts_dir",
                 "seeded", "site_packages")

    def __init__(
        self,
        *,
        root: Path,
        python: Path,
        scripts_dir: Path,
        site_packages: Path,
        platlib: Path,
        base_executable: Path,
        prompt: str,
        seeded: tuple[SeedPackage, ...] = (),
    ) -> None:
        self.root: Final = root
        self.python: Final = python
        self.scripts_dir: Final = scripts_dir
        self.site_packages: Final = site_packages
        self.platlib: Final = platlib
        self.base_executable: Final = base_executable
        self.prompt: Final = prompt
        self.seeded: Final = seeded

    def _astuple(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VirtualEnvironment):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        return f"VirtualEnvironment(root={self.root!r}, python={self.python!r})"


def _base_executable(interpreter: Interpreter) -> Path:
    """The executable a new venv links to: never a file inside another venv."""
    real = Path(interpreter.real_executable)
    if interpreter.is_venv():
        prefix = Path(os.path.realpath(interpreter.prefix))
        if prefix in real.parents:  # a venv made with copies: go to its base
            major, minor = interpreter.python_version[0], interpreter.python_version[1]
            for name in (f"python{major}.{minor}", f"python{major}", "python"):
                candidate = Path(interpreter.base_prefix) / "bin" / name
                if candidate.is_file():
                    return Path(os.path.realpath(candidate))
    return real


def _prepare_dir(root: Path, *, shown: str, clear: bool, allow_existing: bool) -> None:
    if root.is_symlink() and not root.exists():
        raise VenvError(f"The path `{root}` is a broken symbolic link")
    if not root.exists():
        root.mkdir(parents=True)
        return
    if not root.is_dir():
        raise VenvError(f"The path `{root}` exists and is not a directory")
    with os.scandir(root) as it:
        empty = next(it, None) is None
    if empty:
        return
    if clear:
        from sula._fs import remove_tree

        # Remove the contents, not the directory: it may be the working directory or a mount.
        with os.scandir(root) as it:
            for entry in list(it):
                remove_tree(Path(entry.path))
        return
    if allow_existing:
        return
    raise VenvExistsError(shown, is_venv=(root / "pyvenv.cfg").is_file())


def _symlink(target: str, link: Path) -> None:
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(target, link)


def _pyvenv_cfg(
    interpreter: Interpreter,
    base: Path,
    *,
    system_site_packages: bool,
    prompt: str | None,
    relocatable: bool,
) -> str:
    from sula._version import __version__

    lines = [
        f"home = {base.parent}",
        f"implementation = {interpreter.implementation}",
        f"sula = {__version__}",
        f"version_info = {interpreter.python_full_version}",
        f"include-system-site-packages = {'true' if system_site_packages else 'false'}",
    ]
    if prompt is not None:
        lines.append(f"prompt = {prompt}")
    if relocatable:
        lines.append("relocatable = true")
    return "\n".join(lines) + "\n"


def create_venv(
    path: str | os.PathLike[str],
    interpreter: Interpreter,
    *,
    prompt: str | None = None,
    system_site_packages: bool = False,
    seed: bool = False,
    clear: bool = False,
    allow_existing: bool = False,
    relocatable: bool = False,
) -> VirtualEnvironment:
    """Create a virtual environment at ``path`` for ``interpreter`` (any CPython 3.8+).

    ``prompt`` ``"."`` means the working directory's name; None means the environment's
    directory name (and no ``prompt`` key in pyvenv.cfg). An existing non-empty ``path`` is
    an error (:class:`VenvExistsError`) unless ``clear`` (empty it first) or
    ``allow_existing`` (write over it). ``seed`` installs pip (and setuptools before Python
    3.12) from the interpreter's bundled wheels. The build layer reuses this for isolated
    build environments.
    """
    if os.name == "nt":
        raise VenvError("Creating virtual environments on Windows is not supported yet")
    root = Path(os.path.abspath(path))
    if prompt == ".":
        prompt = Path.cwd().name
    shown_prompt = prompt if prompt is not None else root.name
    with span("venv.create", path=root):
        base = _base_executable(interpreter)
        try:
            _prepare_dir(root, shown=os.fspath(path), clear=clear, allow_existing=allow_existing)
            paths = interpreter.venv_scheme.under(root)
            bin_dir = Path(paths.scripts)
            bin_dir.mkdir(parents=True, exist_ok=True)
            purelib, platlib = Path(paths.purelib), Path(paths.platlib)
            purelib.mkdir(parents=True, exist_ok=True)
            if platlib != purelib:
                platlib.mkdir(parents=True, exist_ok=True)
            lib64 = root / "lib64"
            if (
                interpreter.pointer_size == 64
                and interpreter.markers.get("sys_platform") != "darwin"
                and (root / "lib").is_dir()
                and not lib64.exists()
                and not lib64.is_symlink()
            ):
                os.symlink("lib", lib64)

            major, minor = interpreter.python_version[0], interpreter.python_version[1]
            python = bin_dir / "python"
            _symlink(str(base), python)
            names = [f"python{major}", f"python{major}.{minor}"]
            if interpreter.gil_disabled:
                names.append(f"python{major}.{minor}t")
            if interpreter.implementation_name == "pypy":
                names += ["pypy", f"pypy{major}", f"pypy{major}.{minor}"]
            for name in names:
                _symlink("python", bin_dir / name)

            (root / "pyvenv.cfg").write_text(
                _pyvenv_cfg(
                    interpreter,
                    base,
                    system_site_packages=system_site_packages,
                    prompt=prompt,
                    relocatable=relocatable,
                ),
                encoding="utf-8",
            )
            from sula.venv._activate import render_activation_scripts

            site_rel = sorted({os.path.relpath(purelib, root), os.path.relpath(platlib, root)})
            scripts = render_activation_scripts(
                venv_dir=str(root),
                prompt=shown_prompt,
                bin_name=bin_dir.name,
                site_packages=site_rel,
                relocatable=relocatable,
            )
            for name, text in scripts.items():
                (bin_dir / name).write_text(text, encoding="utf-8")
            (root / ".gitignore").write_text("*\n", encoding="utf-8")
            (root / "CACHEDIR.TAG").write_text(_CACHEDIR_TAG, encoding="utf-8")
        except OSError as err:
            raise VenvError(f"Failed to create a virtual environment at `{root}`") from err

        seeded: tuple[SeedPackage, ...] = ()
        if seed:
            seeded = _seed(interpreter, root, paths, python, relocatable=relocatable)
    debug(__name__, "created %s for %s", root, base)
    return VirtualEnvironment(
        root=root,
        python=python,
        scripts_dir=bin_dir,
        site_packages=purelib,
        platlib=platlib,
        base_executable=base,
        prompt=shown_prompt,
        seeded=seeded,
    )


def _seed(
    interpreter: Interpreter,
    root: Path,
    paths: InstallPaths,
    python: Path,
    *,
    relocatable: bool,
) -> tuple[SeedPackage, ...]:
    from sula.venv._seed import find_bundled_wheels, install_seed_wheel

    wheels = find_bundled_wheels(interpreter.stdlib, interpreter.python_version)
    if not wheels:
        raise VenvError(
            f"Python {interpreter.python_full_version} at `{interpreter.sys_executable}` bundles no pip wheel to seed with",
            hint="Create the environment without `--seed`, or use a Python that ships `ensurepip`",
        )
    seeded = []
    with span("venv.seed", wheels=len(wheels)):
        for wheel in wheels:
            try:
                seeded.append(
                    install_seed_wheel(
                        wheel,
                        site_packages=Path(paths.purelib),
                        scripts_dir=Path(paths.scripts),
                        data_dir=root,
                        include_dir=root / "include",
                        python=str(python),
                        python_version=interpreter.python_version,
                        relocatable=relocatable,
                    )
                )
            except OSError as err:
                raise VenvError(f"Failed to seed `{wheel.name}` into `{root}`") from err
    return tuple(seeded)
