"""Helpers: index files for version-map tests, without an index."""

from __future__ import annotations

from sula.client.types import DistFile, File
from sula.distribution.filename import parse_dist_filename
from sula.resolver.options import BinaryPolicy
from sula.resolver.python import PythonTarget
from sula.resolver.version_map import VersionMap

LINUX_311 = [
    "cp311-cp311-manylinux_2_17_x86_64",
    "cp311-abi3-manylinux_2_17_x86_64",
    "cp311-none-manylinux_2_17_x86_64",
    "py3-none-manylinux_2_17_x86_64",
    "cp311-none-any",
    "py311-none-any",
    "py3-none-any",
]
MARKERS_311 = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "implementation_name": "cpython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
}


def target(tags: list[str] | None = LINUX_311, version: str | None = None) -> PythonTarget:
    return PythonTarget.from_interpreter(markers=MARKERS_311, tags=tags, python_version=version)


def dist(filename: str, *, requires_python: str | None = None, yanked: bool = False,
         hashes: dict[str, str] | None = None) -> DistFile:
    f = File(filename=filename, url=f"http://127.0.0.1/files/{filename}",
             requires_python=requires_python, yanked=yanked, hashes=hashes or {})
    return DistFile(parse_dist_filename(filename, filename.split("-")[0]), f, "http://127.0.0.1/simple/")


def vmap(name: str, files: list[DistFile], *, tags: list[str] | None = LINUX_311,
         binary: BinaryPolicy | None = None, version: str | None = None) -> VersionMap:
    from packaging.utils import canonicalize_name

    return VersionMap(canonicalize_name(name), [files], python=target(tags, version),
                      binary=binary or BinaryPolicy())
