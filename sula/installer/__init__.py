"""The installer: link unpacked wheels into an environment, read what is installed, plan, uninstall."""

from __future__ import annotations

from sula.installer.errors import InstallError, InvalidWheelError, UninstallError, UnsafePathError
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
