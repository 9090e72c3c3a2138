"""The repairs of broken Requires-Dist lines touch only the version part."""

from __future__ import annotations

import pytest

from sula.resolver.dependencies import InvalidRequiresDist, parse_requires_dist
from sula.resolver.lenient import repair_requirement


@pytest.mark.parametrize(("text", "repaired"), [
    ("dep (>=1.0<3.0)", "dep (>=1.0,<3.0)"),
    ("boto3>=1.0<2.0", "boto3>=1.0,<2.0"),  # the name's digit is no clause's end
    ("dep[x,y]>=1<2", "dep[x,y]>=1,<2"),
    ("dep (!=~2.0)", "dep (!=2.0)"),
    ("dep (>=1.*)", "dep (>=1)"),
    ("dep (<3.*)", "dep (<3)"),
    ("dep (!=2.0*)", "dep (!=2.0.*)"),
    ("dep (>='1.0')", "dep (>=1.0)"),
    ("dep (>=1.0<3.0) ; python_version >= '3'", "dep (>=1.0,<3.0) ; python_version >= '3'"),
])
def test_repairs(text: str, repaired: str) -> None:
    assert repair_requirement(text) == repaired


@pytest.mark.parametrize("text", [
    "dep (=2.0)", "dep (>1.0 <3.0)", "dep @ https://host/dep-1.0<2.tar.gz", "dep ; python_version >= '3'",
])
def test_left_alone(text: str) -> None:
    assert repair_requirement(text) is None


def test_a_line_that_does_not_parse_even_repaired_is_an_error_not_dropped() -> None:
    assert [r.name for r in parse_requires_dist(["a (>=1<2)", "b"])] == ["a", "b"]
    assert str(parse_requires_dist(["a (>=1<2)"])[0].specifier) == "<2,>=1"
    with pytest.raises(InvalidRequiresDist) as info:
        parse_requires_dist(["b", "a (=2.0)"])
    assert info.value.line == "a (=2.0)"
