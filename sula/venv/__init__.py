"""Create PEP 405 virtual environments quickly, for users (``sula venv``) and for build isolation.

Public API::

    create_venv(path, interpreter, *, prompt=None, system_site_packages=False,
                clear=False, allow_existing=False, relocatable=False) -> VirtualEnvironment
    seed_packages(python_version) -> tuple[str, ...]   # what --seed installs

``interpreter`` is a :class:`sula.interpreter.Interpreter` (from ``find_interpreter``).
Errors are :class:`VenvError` (:class:`VenvExistsError` for an existing target,
:class:`VenvSeedError` when seeding fails). Seeding installs from the index with sula's
installer, a layer above this one: ``sula.dispatch.seed.seed_venv``.
"""

from __future__ import annotations

from sula.venv.create import VirtualEnvironment, create_venv, seed_packages
from sula.venv.errors import VenvError, VenvExistsError, VenvSeedError

__all__ = ["VenvError", "VenvExistsError", "VenvSeedError", "VirtualEnvironment", "create_venv", "seed_packages"]
