"""Property: markers, specifiers and versions as sula meets them in an index's or a wheel's
metadata (``Requires-Dist``, ``Requires-Python``, ``Version``) never raise anything but sula's
errors, in a resolution for one environment and in a universal one."""

from __future__ import annotations

import contextlib

from hypothesis import given
from packaging.utils import canonicalize_name
from packaging.version import Version

from sula.distribution.metadata import parse_metadata
from sula.errors import SulaError
from sula.resolver.dependencies import DependencyBuilder, Pkg
from sula.resolver.manifest import Manifest
from sula.resolver.markers import MarkerAlgebra
from sula.resolver.pubgrub.range import Range
from sula.resolver.python import PythonTarget, requires_python_floor, satisfies_lower_bound

from ._strategies import (
    MARKER_TOKENS,
    NAMES,
    OPS,
    VERSIONS,
    batches,
    examples,
    marker_text,
    token_text,
)

MARKERS = {
    "python_version": "3.11", "python_full_version": "3.11.7", "implementation_name": "cpython",
    "implementation_version": "3.11.7", "os_name": "posix", "platform_machine": "x86_64",
    "platform_python_implementation": "CPython", "platform_release": "6.1", "platform_system": "Linux",
    "platform_version": "#1", "sys_platform": "linux",
}
TARGET = PythonTarget(version=Version("3.11.7"), markers=MARKERS)
REQ_TOKENS = [*NAMES, *VERSIONS, *OPS, "[", "]", ",", " ", "; ", ";", "(", ")", " @ ",
              "https://example.invalid/x.whl", *MARKER_TOKENS]
SPEC_TOKENS = [*VERSIONS, *OPS, ",", " ", "*", ".*", "3", "3.8", "3.11.7", "!", "+", "a", "dev"]


def _dependencies(lines: list[str]) -> None:
    pkg = Pkg(canonicalize_name("root"))
    for algebra in (None, MarkerAlgebra(Range.higher_than(Version("3.8")))):
        builder = DependencyBuilder(markers=MARKERS, manifest=Manifest(), algebra=algebra)
        for extra in (None, "x"):
            p = pkg if extra is None else Pkg(pkg.name, extra=canonicalize_name(extra))
            with contextlib.suppress(SulaError):
                builder.for_metadata(p, Version("1.0"), lines)


@examples(1000)
@given(batches(token_text(REQ_TOKENS, max_size=20)))
def test_requires_dist_from_tokens(lines: list[str]) -> None:
    _dependencies(lines)
    _dependencies([f"dep; {line}" for line in lines])


@examples(1250)
@given(batches(marker_text()))
def test_requires_dist_markers(markers: list[str]) -> None:
    _dependencies([f"dep{i}; {m}" for i, m in enumerate(markers)])


def test_a_marker_that_cannot_be_evaluated_drops_its_dependency() -> None:
    """Regression: `python_version ~= "abc"` raised packaging's UndefinedComparison out of
    the resolver; like an invalid Requires-Dist line, such a dependency is skipped."""
    builder = DependencyBuilder(markers=MARKERS, manifest=Manifest())
    deps = builder.for_metadata(Pkg(canonicalize_name("root")), Version("1.0"),
                                ['bad; python_version ~= "abc"', 'good; os_name == "posix"'])
    assert [str(d.pkg) for d in deps] == ["good"]


@examples(2500)
@given(batches(token_text(SPEC_TOKENS, max_size=12)))
def test_requires_python_and_versions(texts: list[str]) -> None:
    for text in texts:
        for check in (TARGET.satisfies_requires_python, TARGET.requires_python_clause,
                      requires_python_floor, lambda t: satisfies_lower_bound(t, Version("3.11"))):
            with contextlib.suppress(SulaError):
                check(text)
        with contextlib.suppress(SulaError):
            parse_metadata(f"Name: foo\nVersion: {text}\nRequires-Python: {text}\n\n".encode())
