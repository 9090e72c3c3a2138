"""Create PEP 405 virtual environments quickly, for users (``sula venv``) and for build isolation.

Public API::

    create_venv(path, interpreter, *, prompt=None, system_site_packages=False, seed=False,
                clear=False, allow_existing=False, relocatable=False) -> VirtualEnvironment

``interpreter`` is a :class:`sula.interpreter.Interpreter` (from ``find_interpreter``).
Errors are :class:`VenvError` (:class:`VenvExistsError` for an existing target).
"""

from __future__ import annotations

from sula.venv.create import VirtualEnvironment, create_venv
from sula.venv.errors import VenvError, VenvExistsError

__all__ = ["VenvError", "VenvExistsError", "VirtualEnvironment", "create_venv"]
