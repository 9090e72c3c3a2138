"""uv's spelling of markers: the decision diagram and its DNF text (sula/resolver/marker_text.py)."""

from __future__ import annotations

import pytest
from packaging.markers import Marker
from packaging.version import Version

from sula.resolver.marker_text import FALSE_ID, TRUE_ID, DiagramBuilder
from sula.resolver.markers import MarkerAlgebra
from sula.resolver.pubgrub.range import Range


def text(marker: str, python: str = "3.9") -> str | None:
    algebra = MarkerAlgebra(Range.higher_than(Version(python)))
    return algebra.to_text(algebra.from_marker(Marker(marker)))


@pytest.mark.parametrize(("marker", "expected"), [
    # python_version becomes python_full_version; bounds as uv writes them.
    ("python_version <= '3.11'", "python_full_version < '3.12'"),
    ("python_version > '3.10'", "python_full_version >= '3.11'"),
    ("python_version == '3.10'", "python_full_version == '3.10.*'"),
    ("python_version != '3.10'", "python_full_version != '3.10.*'"),
    ("python_full_version > '3.9.0'", "python_full_version > '3.9'"),
    ("python_full_version != '3.10.1'", "python_full_version != '3.10.1'"),
    # Below requires-python nothing is installed: the bound drops out, or the marker is false.
    ("python_version >= '3.9' and python_version < '3.12'", "python_full_version < '3.12'"),
    ("python_version >= '3.8'", None),
    ("python_version < '3.8'", "python_version < '0'"),
    # Terms by variable (uv's expression kinds), clauses by their variables.
    ("sys_platform == 'linux' and implementation_name == 'cpython'",
     "implementation_name == 'cpython' and sys_platform == 'linux'"),
    ("(implementation_name == 'cpython' and sys_platform == 'linux') or "
     "(implementation_name == 'pypy' and sys_platform == 'darwin')",
     "(implementation_name == 'pypy' and sys_platform == 'darwin') or "
     "(implementation_name == 'cpython' and sys_platform == 'linux')"),
    ("sys_platform != 'win32' and sys_platform != 'emscripten'",
     "sys_platform != 'emscripten' and sys_platform != 'win32'"),
    ("platform_system == 'Windows'", "sys_platform == 'win32'"),
    # Shared terms written once.
    ("(sys_platform == 'linux' and platform_machine == 'aarch64') or "
     "(sys_platform == 'linux' and platform_machine == 'x86_64')",
     "(platform_machine == 'aarch64' or platform_machine == 'x86_64') and sys_platform == 'linux'"),
    ("python_version >= '3.10' and sys_platform == 'linux' and "
     "(platform_machine == 'aarch64' or platform_machine == 'x86_64')",
     "python_full_version >= '3.10' and ((platform_machine == 'aarch64' and sys_platform == 'linux')"
     " or (platform_machine == 'x86_64' and sys_platform == 'linux'))"),
    # What holds on every Python is written without a Python term.
    ("(python_version < '3.10' and sys_platform != 'win32') or "
     "(sys_platform != 'emscripten' and sys_platform != 'win32')",
     "(python_full_version < '3.10' and sys_platform == 'emscripten') or "
     "(sys_platform != 'emscripten' and sys_platform != 'win32')"),
    ("python_version < '3.10' or implementation_name != 'pypy' or "
     "(platform_python_implementation == 'PyPy' and python_version >= '3.11')",
     "python_full_version < '3.10' or (python_full_version >= '3.11' and "
     "platform_python_implementation == 'PyPy') or implementation_name != 'pypy'"),
    ("'linux' in sys_platform", "'linux' in sys_platform"),
    # Clauses that differ in one variable are joined; decisions a clause does not need drop.
    ("(python_version >= '3.10' and implementation_name != 'cpython') or (python_version >= "
     "'3.12' and platform_python_implementation == 'PyPy' and sys_platform == 'linux')",
     "(python_full_version >= '3.10' and implementation_name != 'cpython') or "
     "(python_full_version >= '3.12' and platform_python_implementation == 'PyPy' and "
     "sys_platform == 'linux')"),
    ("(python_version < '3.10' and sys_platform != 'win32') or os_name != 'nt' or "
     "(sys_platform != 'emscripten' and sys_platform != 'win32')",
     "(python_full_version < '3.10' and sys_platform == 'emscripten') or os_name != 'nt' or "
     "(sys_platform != 'emscripten' and sys_platform != 'win32')"),
    # One Python interval per clause, unless every one is a single term.
    ("(os_name == 'posix' and python_version >= '3.11') or python_version == '3.13'",
     "python_full_version == '3.13.*' or (python_full_version >= '3.11' and "
     "python_full_version < '3.13' and os_name == 'posix') or (python_full_version >= '3.14' "
     "and os_name == 'posix')"),
    ("(python_version < '3.11' or python_version >= '3.13') and os_name == 'posix'",
     "(python_full_version < '3.11' or python_full_version >= '3.13') and os_name == 'posix'"),
    ("(implementation_name == 'cpython' or os_name == 'posix') and "
     "(sys_platform == 'darwin' or sys_platform == 'linux')",
     "(implementation_name == 'cpython' or os_name == 'posix') and "
     "(sys_platform == 'darwin' or sys_platform == 'linux')"),
    ("python_version == '3.10' and os_name == 'posix' and "
     "(platform_machine == 'aarch64' or platform_machine == 'x86_64')",
     "python_full_version == '3.10.*' and os_name == 'posix' and "
     "(platform_machine == 'aarch64' or platform_machine == 'x86_64')"),
])
def test_markers_read_as_uv_writes_them(marker: str, expected: str | None) -> None:
    assert text(marker) == expected


def test_equivalent_markers_have_one_node_and_one_text() -> None:
    b = DiagramBuilder()
    py = (0, 1, "python_full_version")
    low = b.atom(py, [(None, (Version("3.10"), False))])
    high = b.atom(py, [((Version("3.10"), True), None)])
    assert b.or_(low, high) == TRUE_ID
    assert b.and_(low, high) == FALSE_ID
    assert b.not_(low) == high
    plat = (1, 1, "sys_platform")
    linux = b.atom(plat, [(("linux", True), ("linux", True))])
    either = b.or_(b.and_(linux, low), b.and_(linux, high))
    assert either == linux
    assert b.or_(b.and_(low, linux), b.and_(linux, low)) == b.and_(linux, low)


def test_or_of_equivalent_spellings_prints_the_same() -> None:
    a = text("(sys_platform == 'linux' or sys_platform == 'darwin') and python_version >= '3.11'")
    b = text("python_version > '3.10' and sys_platform != 'win32' and sys_platform != 'cygwin'"
             " and (sys_platform == 'darwin' or sys_platform == 'linux')")
    assert a == b == ("python_full_version >= '3.11' and (sys_platform == 'darwin' or "
                      "sys_platform == 'linux')")
