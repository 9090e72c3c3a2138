"""Universal resolution's proactive forks: where one version's requirements split the
environments, and in which order the pieces are solved (uv's)."""

from __future__ import annotations

from packaging.markers import Marker
from packaging.utils import NormalizedName
from packaging.version import Version

from sula.resolver.api import _proactive_pieces
from sula.resolver.dependencies import Pkg
from sula.resolver.markers import MarkerAlgebra
from sula.resolver.pubgrub import Range, range_from_specifier

A = Pkg(NormalizedName("a"))


def test_disjoint_platforms_split_in_three_upper_bound_first() -> None:
    """`a>=1 ; linux` and `a<2 ; darwin` (packse's non-conflicting, non-overlapping case):
    Linux, macOS and the rest; uv solves the fork whose requirement has an upper bound (macOS)
    first, so that Linux can keep its `a` (uv pins a==1.0.0 for both)."""
    algebra = MarkerAlgebra(Range.higher_than(Version("3.9")))
    linux = algebra.from_marker(Marker("sys_platform == 'linux'"))
    darwin = algebra.from_marker(Marker("sys_platform == 'darwin'"))
    forks = {A: [(">=1", linux), ("<2", darwin)]}
    deps = [(linux, range_from_specifier(">=1")), (darwin, range_from_specifier("<2"))]
    pieces = _proactive_pieces(forks, deps, algebra)
    assert pieces is not None
    assert [algebra.to_text(p) for p in pieces] == [
        "sys_platform == 'darwin'", "sys_platform == 'linux'",
        "sys_platform != 'darwin' and sys_platform != 'linux'"]


def test_no_fork_within_a_fork_or_on_an_inner_python_bound() -> None:
    whole = MarkerAlgebra(Range.higher_than(Version("3.9")))
    win = whole.from_marker(Marker("sys_platform == 'win32'"))
    inside = MarkerAlgebra(Range.higher_than(Version("3.9")), win)
    forks = {A: [(">=2", inside.from_marker(Marker("sys_platform == 'win32'"))),
                 ("<3", inside.from_marker(Marker("sys_platform == 'win32' or os_name == 'nt'")))]}
    assert _proactive_pieces(forks, [], inside) is None  # already the Windows fork
    # A Python bound inside the slice is left to the Python slicing (a new round).
    old = whole.from_marker(Marker("python_version < '3.11' and sys_platform == 'linux'"))
    assert _proactive_pieces({A: [(">=2", win), ("<3", old)]}, [], whole) is None
