"""`name==version` lines are read without packaging (a no-op sync's start-up); what they give
must be what packaging's parser gives, and anything the fast reader is unsure of goes to it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement as Pep508
from packaging.utils import canonicalize_name

from sula.errors import SulaError
from sula.requirements import RegistryRequirement, parse_requirement

NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?", fullmatch=True)
VERSIONS = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\.post[0-9])?(\.dev[0-9])?",
                         fullmatch=True)
ODD = st.text(st.sampled_from(list("0123456789.abcrpostdev+!*=-_ ")), max_size=12)


def _same_as_packaging(text: str) -> None:
    try:
        expected = Pep508(text)
    except Exception:
        try:
            parse_requirement(text, working_dir=Path.cwd())
        except SulaError:
            return
        raise AssertionError(f"{text!r} is refused by packaging but read by sula") from None
    req = parse_requirement(text, working_dir=Path.cwd())
    assert isinstance(req, RegistryRequirement)
    assert req.name == canonicalize_name(expected.name)
    assert req.specifier == expected.specifier
    assert req.specifier_text == str(expected.specifier)
    assert req.marker is None and req.extras == frozenset()
    assert str(req) == f"{req.name}{expected.specifier}"


@settings(max_examples=2000)
@given(NAMES, VERSIONS, st.sampled_from(["==", " == ", "== ", "==="]))
def test_pins_read_as_packaging_reads_them(name: str, version: str, op: str) -> None:
    _same_as_packaging(f"{name}{op}{version}")


@settings(max_examples=2000)
@given(NAMES, ODD)
def test_odd_versions_are_left_to_packaging(name: str, version: str) -> None:
    _same_as_packaging(f"{name}=={version}")


def test_exact_version() -> None:
    def exact(text: str) -> str | None:
        req = parse_requirement(text, working_dir=Path.cwd())
        assert isinstance(req, RegistryRequirement)
        return req.exact_version

    assert exact("a==1.0") == "1.0"
    assert exact("a===1.0-local") == "1.0-local"
    assert exact("a==1.*") is None
    assert exact("a>=1") is None
    assert exact("a==1,>=0.5") is None
    assert exact("a[x]==2; python_version > '3'") == "2"
