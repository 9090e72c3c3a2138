"""PEP 440 specifiers → ranges, checked against ``SpecifierSet.contains``."""

from __future__ import annotations

import itertools
import random

import pytest
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from sula.resolver.pubgrub import Range, range_from_specifier

BASES = ["0.9", "1.0", "1.0.1", "1.1", "2.0", "1!1.0"]
SUFFIXES = [
    "", ".dev0", ".dev3", "a1", "a1.dev1", "b2", "rc1", "rc1.post1", ".post0.dev0",
    ".post1", ".post1.dev2", ".post2", "+local", "+local.7", "rc1+l", ".post1+l",
]
VERSIONS = sorted({Version(b + s) for b in BASES for s in SUFFIXES} | {Version("1"), Version("1.0.0")})

SPEC_VERSIONS = ["1.0", "1.0.0", "1.0.1", "1.0rc1", "1.0.post1", "1.0.dev3", "1.1", "1!1.0"]
OPS = ["==", "!=", "<", "<=", ">", ">=", "~="]


def single_specs() -> list[str]:
    specs = [f"{op}{v}" for op in OPS for v in SPEC_VERSIONS if not (op == "~=" and "." not in v)]
    specs += ["==1.*", "==1.0.*", "!=1.0.*", "==1!1.*", "==1.0+local", "!=1.0+local", "~=1.0.1"]
    return specs


@pytest.mark.parametrize("spec", single_specs())
def test_single_specifier(spec: str) -> None:
    r = range_from_specifier(spec)
    s = SpecifierSet(spec)
    wrong = [str(v) for v in VERSIONS if (v in r) != s.contains(v, prereleases=True)]
    assert not wrong, f"{spec}: disagree on {wrong}"


def test_specifier_sets() -> None:
    singles = [">=1.0", "<2.0", "!=1.0.1", "~=1.0", ">1.0rc1", "<=1.1", "!=1.0.*", "==1.*"]
    for a, b in itertools.combinations(singles, 2):
        spec = f"{a},{b}"
        r = range_from_specifier(spec)
        s = SpecifierSet(spec)
        wrong = [str(v) for v in VERSIONS if (v in r) != s.contains(v, prereleases=True)]
        assert not wrong, f"{spec}: disagree on {wrong}"


def test_documented_cases() -> None:
    assert Version("1.0+local") in range_from_specifier("==1.0")
    assert Version("2.0rc1") not in range_from_specifier("<2.0")
    assert Version("2.0rc1") in range_from_specifier("<2.0rc2")
    assert Version("1.0.post1") not in range_from_specifier(">1.0")
    assert Version("1.0.post2") in range_from_specifier(">1.0.post1")
    assert range_from_specifier("").is_full()
    assert range_from_specifier(">2,<1").is_empty()
    # ``===`` is the exact version; a non-PEP 440 string matches no version.
    assert range_from_specifier("===1.0").as_singleton() == Version("1.0")
    assert range_from_specifier("===foobar").is_empty()
    # Also from Specifier objects and via the Range classmethod.
    assert Range.from_specifier(SpecifierSet(">=1")) == range_from_specifier(">=1")


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (">=1.0,<2.0", ">=1.0,<2.0"),
        ("==1.0", "==1.0"),
        ("!=1.0", "!=1.0"),
        ("==1.0.*", "==1.0.*"),
        ("!=1.0.*", "!=1.0.*"),
        ("<=1.0", "<=1.0"),
        (">1.0", ">1.0"),
        ("<2.0rc1", "<2.0rc1"),
        ("~=1.4.5", ">=1.4.5,<1.5"),
        ("", "*"),
        (">=1,!=1.5", ">=1,<1.5 | >1.5"),
        ("==1.0+abc", "==1.0+abc"),
    ],
)
def test_display(spec: str, text: str) -> None:
    assert str(range_from_specifier(spec)) == text


def test_algebra_with_ceilings() -> None:
    # Ranges built from different operators combine and compare consistently.
    a = range_from_specifier(">1.0rc1")
    b = range_from_specifier("<=1.0rc1.post3")
    assert a.intersection(b).is_empty() or all(
        (v in a and v in b) == (v in a.intersection(b)) for v in VERSIONS
    )
    for x, y in itertools.product(["==1.0", "<=1.0", ">1.0", ">1.0rc1", ">1.0.post1"], repeat=2):
        rx, ry = range_from_specifier(x), range_from_specifier(y)
        for v in VERSIONS:
            assert (v in rx.union(ry)) == (v in rx or v in ry), (x, y, v)
            assert (v in rx.intersection(ry)) == (v in rx and v in ry), (x, y, v)
        if rx.is_subset(ry):
            assert all(v in ry for v in VERSIONS if v in rx), (x, y)
        if rx.is_disjoint(ry):
            assert not any(v in ry for v in VERSIONS if v in rx), (x, y)


def _random_version(rnd: random.Random, local: bool) -> str:
    text = ".".join(str(rnd.randint(0, 2)) for _ in range(rnd.randint(1, 3)))
    if rnd.random() < 0.05:
        text = "1!" + text
    if rnd.random() < 0.3:
        text += rnd.choice(["a", "b", "rc"]) + str(rnd.randint(0, 2))
    if rnd.random() < 0.3:
        text += f".post{rnd.randint(0, 2)}"
    if rnd.random() < 0.3:
        text += f".dev{rnd.randint(0, 2)}"
    if local and rnd.random() < 0.2:
        text += "+" + rnd.choice(["a", "1", "a.2"])
    return text


def test_random_specifiers_and_their_algebra() -> None:
    rnd = random.Random(7)
    versions = sorted({Version(_random_version(rnd, True)) for _ in range(500)})
    specs: list[SpecifierSet] = []
    while len(specs) < 150:
        op = rnd.choice(OPS)
        text = _random_version(rnd, op in ("==", "!="))
        if op in ("==", "!=") and rnd.random() < 0.15:
            text = ".".join(str(rnd.randint(0, 2)) for _ in range(rnd.randint(1, 3))) + ".*"
        try:
            specs.append(SpecifierSet(op + text))
        except InvalidSpecifier:
            continue
    truth = {str(s): {v for v in versions if s.contains(v, prereleases=True)} for s in specs}
    ranges = {str(s): range_from_specifier(s) for s in specs}
    for key, r in ranges.items():
        assert {v for v in versions if v in r} == truth[key], key
    for a, b in zip(specs[::2], specs[1::2], strict=True):
        ra, rb, ta, tb = ranges[str(a)], ranges[str(b)], truth[str(a)], truth[str(b)]
        assert {v for v in versions if v in ra | rb} == ta | tb, (a, b)
        assert {v for v in versions if v in ra & rb} == ta & tb, (a, b)
        assert {v for v in versions if v in ra - rb} == ta - tb, (a, b)
