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


def _both(text: str) -> tuple[Pep508, RegistryRequirement] | None:
    """packaging's and sula's reading of ``text`` (None: both refuse it), name and specifier
    checked alike."""
    try:
        expected = Pep508(text)
    except Exception:
        try:
            parse_requirement(text, working_dir=Path.cwd())
        except SulaError:
            return None
        raise AssertionError(f"{text!r} is refused by packaging but read by sula") from None
    req = parse_requirement(text, working_dir=Path.cwd())
    assert isinstance(req, RegistryRequirement)
    assert req.name == canonicalize_name(expected.name)
    assert req.specifier == expected.specifier
    assert req.specifier_text == str(expected.specifier)
    return expected, req


def _same_as_packaging(text: str) -> None:
    both = _both(text)
    if both is None:
        return
    expected, req = both
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


SPECS = st.lists(st.tuples(st.sampled_from(["==", ">=", "<", "!=", "~=", "===", "<=", ">", "=>"]),
                           st.sampled_from([" ", ""]), st.one_of(VERSIONS, ODD)), max_size=3)
EXTRAS = st.lists(st.one_of(NAMES, st.sampled_from(["", "a b", "-x"])), max_size=3)
MARKERS = st.sampled_from([
    None, 'python_version < "3.12"', "os_name == 'nt'", 'extra == "Test"',
    'sys_platform == "win32" or (python_version >= "3.8" and platform_machine != "arm64")',
    'os.name == "nt"', '"3" == "3"', 'python_version', 'platform_system ~= "Linux"', "",
    'python_full_version >= "3.11.7" and', 'implementation_name in "cpython pypy"',
])


@settings(max_examples=2000)
@given(NAMES, EXTRAS, SPECS, st.booleans(), MARKERS, st.sampled_from([";", " ;", " ; "]))
def test_lines_with_extras_specifiers_and_markers_read_as_packaging_reads_them(
        name: str, extras: list[str], specs: list[tuple[str, str, str]], parens: bool,
        marker: str | None, semicolon: str) -> None:
    """``name[extras] specifiers ; marker`` is read without packaging's parser when its marker
    is of the common shapes (sula.distribution.simple_marker); what it gives must be what
    packaging gives, and what packaging refuses must be refused."""
    spec = ",".join(f"{op}{space}{version}" for op, space, version in specs)
    text = name + (f"[{','.join(extras)}]" if extras else "") + (f" ({spec})" if parens else spec)
    if marker is not None:
        text += f"{semicolon}{marker}"
    both = _both(text)
    if both is None:
        return
    expected, req = both
    assert req.extras == frozenset(canonicalize_name(e) for e in expected.extras)
    assert (str(req.marker) if req.marker is not None else None) == (
        str(expected.marker) if expected.marker is not None else None)
    assert req.marker == expected.marker
    env = {"python_version": "3.11", "python_full_version": "3.11.7", "os_name": "posix",
           "sys_platform": "linux", "platform_machine": "x86_64", "platform_system": "Linux",
           "implementation_name": "cpython", "extra": "test"}
    if req.marker is not None and expected.marker is not None:
        try:
            want: object = expected.marker.evaluate(env)
        except Exception as err:
            want = type(err)
        try:
            got: object = req.marker.evaluate(env)
        except Exception as err:
            got = type(err)
        assert got == want
