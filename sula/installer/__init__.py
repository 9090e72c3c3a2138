"""The installer: link unpacked wheels into an environment, read what is installed, plan, uninstall.

The names below are imported on first use, so that reading the target's layout or
site-packages (a no-op sync) does not load the linker, RECORD writer and script maker.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sula.installer.errors import (
        InstallError,
        InvalidWheelError,
        UninstallError,
        UnsafePathError,
    )
    from sula.installer.install import InstallOptions, install_wheel, remove_stale_temp
    from sula.installer.layout import Layout
    from sula.installer.linker import Linker, LinkMode
    from sula.installer.wheel import EntryPoint, UnpackedWheel

__all__ = [
    "EntryPoint",
    "InstallError",
    "InstallOptions",
    "InvalidWheelError",
    "Layout",
    "LinkMode",
    "Linker",
    "UninstallError",
    "UnpackedWheel",
    "UnsafePathError",
    "install_wheel",
    "remove_stale_temp",
]

_WHERE = {
    "InstallError": "errors",
    "InvalidWheelError": "errors",
    "UninstallError": "errors",
    "UnsafePathError": "errors",
    "InstallOptions": "install",
    "install_wheel": "install",
    "remove_stale_temp": "install",
    "Layout": "layout",
    "Linker": "linker",
    "LinkMode": "linker",
    "EntryPoint": "wheel",
    "UnpackedWheel": "wheel",
}


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'sula.installer' has no attribute {name!r}")
    value = getattr(import_module(f"sula.installer.{module}"), name)
    globals()[name] = value
    return value
