"""Which kind of input a requirements source names, from its file name alone.

Kept apart from :mod:`sula.requirements.pylock` and :mod:`sula.requirements.script` so that
telling a ``requirements.in`` from a lock or a script imports neither (nor compiles their
regular expressions): every ``pip compile``/``sync``/``install`` asks this of each input.
"""

from __future__ import annotations

import os

__all__ = ["is_pylock", "is_script"]


def is_pylock(source: str) -> bool:
    """Whether a file name is a PEP 751 lock file's (``pylock.toml``, ``pylock.dev.toml``)."""
    name = os.path.basename(os.fspath(source))
    if not (name.startswith("pylock.") and name.endswith(".toml")):
        return False
    middle = name[len("pylock."):-len(".toml")]  # empty for pylock.toml itself
    return len(name) == len("pylock.toml") or (bool(middle) and "." not in middle)


def is_script(source: str) -> bool:
    """Whether a requirements source names a Python script (``.py``, ``.pyw``)."""
    return source.endswith((".py", ".pyw")) and os.path.basename(source) != "setup.py"
