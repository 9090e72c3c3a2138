"""Create a PEP 405 virtual environment directly (no ``python -m venv``): pyvenv.cfg, interpreter
links, site-packages and activation scripts. Seed packages (``--seed``) are installed from the
index by ``sula.dispatch.seed``, above this layer.

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

from sula._log import getLogger
from sula.interpreter._diag import span
from sula.venv.errors import VenvError, VenvExistsError

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Final

    from sula.interpreter import Interpreter

__all__ = ["VirtualEnvironment", "create_venv", "seed_packages"]

_log = getLogger(__name__)

_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by sula.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


_VENV_FIELDS = ("root", "python", "scripts_dir", "site_packages", "platlib", "base_executable")


class VirtualEnvironment:
    """A created environment: where its interpreter, scripts and site-packages are.

    The locations are ``Path`` properties made on first use from the strings
    :func:`create_venv` worked with: ``sula venv`` never imports pathlib (with re and
    urllib.parse, a tenth of its run). A plain class rather than a dataclass for the same
    reason (``import dataclasses`` imports inspect).
    """

    __slots__ = ("_paths", "prompt")

    def __init__(
        self,
        *,
        root: str | os.PathLike[str],
        python: str | os.PathLike[str],
        scripts_dir: str | os.PathLike[str],
        site_packages: str | os.PathLike[str],
        platlib: str | os.PathLike[str],
        base_executable: str | os.PathLike[str],
        prompt: str,
    ) -> None:
        self._paths: Final = tuple(
            os.fspath(p) for p in (root, python, scripts_dir, site_packages, platlib, base_executable)
        )
        self.prompt: Final = prompt

    def _path(self, index: int) -> Path:
        from pathlib import Path

        return Path(self._paths[index])

    @property
    def root(self) -> Path:
        return self._path(0)

    @property
    def python(self) -> Path:
        """``bin/python``: a symbolic link to :attr:`base_executable`."""
        return self._path(1)

    @property
    def scripts_dir(self) -> Path:
        return self._path(2)

    @property
    def site_packages(self) -> Path:
        """purelib."""
        return self._path(3)

    @property
    def platlib(self) -> Path:
        return self._path(4)

    @property
    def base_executable(self) -> Path:
        return self._path(5)

    def _astuple(self) -> tuple[object, ...]:
        return (*self._paths, self.prompt)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VirtualEnvironment):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        return f"VirtualEnvironment(root={self._paths[0]!r}, python={self._paths[1]!r})"


def _base_executable(interpreter: Interpreter) -> str:
    """The executable a new venv links to: never a file inside another venv."""
    real = interpreter.real_executable
    if interpreter.is_venv():
        prefix = os.path.realpath(interpreter.prefix)
        if real.startswith(prefix.rstrip(os.sep) + os.sep):  # a venv made with copies: go to its base
            major, minor = interpreter.python_version[0], interpreter.python_version[1]
            for name in (f"python{major}.{minor}", f"python{major}", "python"):
                candidate = os.path.join(interpreter.base_prefix, "bin", name)
                if os.path.isfile(candidate):
                    return os.path.realpath(candidate)
    return real


def _prepare_dir(root: str, *, shown: str, clear: bool, allow_existing: bool) -> None:
    if os.path.islink(root) and not os.path.exists(root):
        raise VenvError(f"The path `{root}` is a broken symbolic link")
    if not os.path.exists(root):
        os.makedirs(root)
        return
    if not os.path.isdir(root):
        raise VenvError(f"The path `{root}` exists and is not a directory")
    with os.scandir(root) as it:
        empty = next(it, None) is None
    if empty:
        return
    if clear:
        from pathlib import Path

        from sula._fs import remove_tree

        # Remove the contents, not the directory: it may be the working directory or a mount.
        with os.scandir(root) as it:
            for entry in list(it):
                remove_tree(Path(entry.path))
        return
    if allow_existing:
        return
    raise VenvExistsError(shown, is_venv=os.path.isfile(os.path.join(root, "pyvenv.cfg")))


def _symlink(target: str, link: str) -> None:
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(target, link)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _pyvenv_cfg(
    interpreter: Interpreter,
    base: str,
    *,
    system_site_packages: bool,
    prompt: str | None,
    relocatable: bool,
    seed: bool = False,
) -> str:
    from sula._version import __version__

    lines = [
        f"home = {os.path.dirname(base)}",
        f"implementation = {interpreter.implementation}",
        f"sula = {__version__}",
        f"version_info = {interpreter.python_full_version}",
        f"include-system-site-packages = {'true' if system_site_packages else 'false'}",
    ]
    if prompt is not None:
        lines.append(f"prompt = {prompt}")
    if relocatable:
        lines.append("relocatable = true")
    if seed:  # uv's key: `pip sync` keeps the seed packages of such an environment
        lines.append("seed = true")
    return "\n".join(lines) + "\n"


def create_venv(
    path: str | os.PathLike[str],
    interpreter: Interpreter,
    *,
    prompt: str | None = None,
    system_site_packages: bool = False,
    clear: bool = False,
    allow_existing: bool = False,
    relocatable: bool = False,
    seed: bool = False,
) -> VirtualEnvironment:
    """Create a virtual environment at ``path`` for ``interpreter`` (any CPython 3.8+).

    ``prompt`` ``"."`` means the working directory's name; None means the environment's
    directory name (and no ``prompt`` key in pyvenv.cfg). An existing non-empty ``path`` is
    an error (:class:`VenvExistsError`) unless ``clear`` (empty it first) or
    ``allow_existing`` (write over it); ``seed`` writes ``seed = true`` (the caller seeds it).
    The environment holds no packages: seed them with
    ``sula.dispatch.seed.seed_venv``. The build layer reuses this for isolated build
    environments.
    """
    if os.name == "nt":
        raise VenvError("Creating virtual environments on Windows is not supported yet")
    root = os.path.abspath(path)
    if prompt == ".":
        prompt = os.path.basename(os.getcwd())
    shown_prompt = prompt if prompt is not None else os.path.basename(root)
    with span("venv.create", path=root):
        base = _base_executable(interpreter)
        try:
            _prepare_dir(root, shown=os.fspath(path), clear=clear, allow_existing=allow_existing)
            paths = interpreter.venv_scheme.under(root)
            bin_dir = paths.scripts
            os.makedirs(bin_dir, exist_ok=True)
            purelib, platlib = paths.purelib, paths.platlib
            os.makedirs(purelib, exist_ok=True)
            if platlib != purelib:
                os.makedirs(platlib, exist_ok=True)
            lib64 = os.path.join(root, "lib64")
            if (
                interpreter.pointer_size == 64
                and interpreter.markers.get("sys_platform") != "darwin"
                and os.path.isdir(os.path.join(root, "lib"))
                and not os.path.lexists(lib64)
            ):
                os.symlink("lib", lib64)

            major, minor = interpreter.python_version[0], interpreter.python_version[1]
            python = os.path.join(bin_dir, "python")
            _symlink(base, python)
            names = [f"python{major}", f"python{major}.{minor}"]
            if interpreter.gil_disabled:
                names.append(f"python{major}.{minor}t")
            if interpreter.implementation_name == "pypy":
                names += ["pypy", f"pypy{major}", f"pypy{major}.{minor}"]
            for name in names:
                _symlink("python", os.path.join(bin_dir, name))

            _write(
                os.path.join(root, "pyvenv.cfg"),
                _pyvenv_cfg(
                    interpreter,
                    base,
                    system_site_packages=system_site_packages,
                    prompt=prompt,
                    relocatable=relocatable,
                    seed=seed,
                ),
            )
            from sula.venv._activate import render_activation_scripts

            site_rel = sorted({os.path.relpath(purelib, root), os.path.relpath(platlib, root)})
            scripts = render_activation_scripts(
                venv_dir=root,
                prompt=shown_prompt,
                bin_name=os.path.basename(bin_dir),
                site_packages=site_rel,
                relocatable=relocatable,
            )
            for name, text in scripts.items():
                _write(os.path.join(bin_dir, name), text)
            _write(os.path.join(root, ".gitignore"), "*\n")
            _write(os.path.join(root, "CACHEDIR.TAG"), _CACHEDIR_TAG)
        except OSError as err:
            raise VenvError(f"Failed to create a virtual environment at `{root}`") from err
    _log.debug("created %s for %s", root, base)
    return VirtualEnvironment(
        root=root,
        python=python,
        scripts_dir=bin_dir,
        site_packages=purelib,
        platlib=platlib,
        base_executable=base,
        prompt=shown_prompt,
    )


def seed_packages(python_version: tuple[int, ...]) -> tuple[str, ...]:
    """What ``--seed`` installs, as uv decides: ``pip``, plus ``setuptools`` and ``wheel``
    before Python 3.12 (whose ``venv`` and ``ensurepip`` stopped providing setuptools)."""
    if tuple(python_version[:2]) >= (3, 12):
        return ("pip",)
    return ("pip", "setuptools", "wheel")
