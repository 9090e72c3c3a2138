"""Markers of the common shapes are read and evaluated without packaging's parser
(`sula.distribution.simple_marker`): whatever the fast reader accepts, packaging must accept
too, with the same text, and every evaluation must give packaging's answer (or its error)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import Marker

from sula.distribution import simple_marker
from sula.distribution.simple_marker import parse_simple_marker

VARIABLES = [*sorted(simple_marker._KEYS), "os.name", "python_implementation", "extras", "bogus"]
OPS = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in", "not  in"]
LITERALS = ["3", "3.8", "3.11", "3.11.7", "3.12.0rc1", "2.7.18+", "3.*", "abc", "", "win32", "linux",
            "Linux", "x86_64", "cpython", "CPython", "posix", "nt", "6.1.0", "Test_Extra", "dev",
            "test-extra", "1.0", "#1 SMP"]
ENV_VALUES = st.sampled_from(LITERALS)


@st.composite
def atoms(draw: st.DrawFn) -> str:
    var = draw(st.sampled_from(VARIABLES))
    op = draw(st.sampled_from(OPS))
    quote = draw(st.sampled_from(["'", '"']))
    literal = f"{quote}{draw(st.sampled_from(LITERALS))}{quote}"
    space = draw(st.sampled_from(["", " ", "  "]))
    if op[0].isalpha():
        space = space or " "
    left, right = (var, literal) if draw(st.booleans()) else (literal, var)
    if draw(st.integers(0, 9)) == 0:
        right = draw(st.sampled_from([var, literal]))  # two variables or two literals
    return f"{left}{space}{op}{space}{right}"


def markers() -> st.SearchStrategy[str]:
    return st.recursive(
        atoms(),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" and ", " or ", "and", " or"]), inner)
            .map("".join),
            inner.map(lambda m: f"({m})"),
        ),
        max_leaves=5,
    )


ENVIRONMENTS = st.fixed_dictionaries(
    {k: ENV_VALUES for k in sorted(simple_marker._KEYS - {"extra"})},
    optional={"extra": st.sampled_from(["", "test", "Test_Extra", "dev", "test-extra"])},
)


def _outcome(fn: object, env: dict[str, str]) -> object:
    try:
        return fn(env)  # type: ignore[operator]
    except Exception as err:  # packaging's UndefinedComparison and the like
        return type(err)


@settings(max_examples=1500, deadline=None)
@given(markers(), st.lists(ENVIRONMENTS, min_size=1, max_size=3))
def test_a_simple_marker_is_read_and_evaluated_as_packaging_does(
        text: str, envs: list[dict[str, str]]) -> None:
    fast = parse_simple_marker(text)
    if fast is None:
        return
    theirs = Marker(text)  # raises if the fast reader accepted what packaging refuses
    assert str(fast) == str(theirs)
    assert fast == theirs and theirs == fast and hash(fast) == hash(theirs)
    assert repr(fast._markers) == repr(theirs._markers)
    for env in envs:
        assert _outcome(fast.evaluate, env) == _outcome(theirs.evaluate, env), (text, env)


def test_the_common_shapes_are_read_fast_and_the_rest_left_to_packaging() -> None:
    from sula.distribution import simple_marker

    if not simple_marker._supported():
        pytest.skip("another packaging release: every marker is left to packaging")
    env = {"python_version": "3.11", "python_full_version": "3.11.7+", "sys_platform": "linux",
           "extra": "Test_Extra"}
    fast = [
        'extra == "test-extra"',
        'python_version < "3.12" and sys_platform != "win32"',
        '(python_version >= "3.8" or extra == "dev") and "linux" in sys_platform',
        'python_full_version >= "3.11.7"',
    ]
    for text in fast:
        marker = parse_simple_marker(text)
        assert marker is not None, text
        assert marker.evaluate(env) is Marker(text).evaluate(env), text
    for text in ['os.name == "nt"', '"a" == "b"', 'python_version', 'extras == "x"',
                 'python_version < "3" and']:
        assert parse_simple_marker(text) is None, text


# split_simple_requirement splits a process's first texts by hand and the rest by a regex:
# the two must give the same answer for every text.
_PIECES = ["foo", "Foo.Bar_baz-2", "a", "-", ".", "_", " ", "  ", "\t", "\n", "\u00a0", "[", "]",
           ",", "(", ")", ";", "==", "===", "~=", "!=", "<=", ">=", "<", ">", "=", "!", "1.0",
           "2.*", "1.0+local", "1!2", "dev", "x", "é", "extra == 'a'", "python_version<'3'",
           "@", "#", "*", "+", "K"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_the_two_requirement_splitters_agree(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert simple_marker._split_by_hand(text) == simple_marker._split_by_regex(text), repr(text)


@pytest.mark.parametrize("text", [
    "foo", " foo ", "foo[bar]", "foo [ bar , baz ] (>=1, <2) ; python_version < '3'",
    "foo>=1,<2;extra=='x'", "foo (==1.0)", "foo[]", "foo[]>=1", "foo[a,]", "foo()", "foo (>=1",
    "foo-", "foo ; ", "foo ;a\nb", "foo;a\n", "foo ===1.0", "foo == 1.0 , != 1.5", "foo,>=1",
    "foo>=1,", "foo >= ", "foo bar", "foo@ https://x", "foo ;  extra == 'a'  \n",
])
def test_the_requirement_splitters_on_examples(text: str) -> None:
    assert simple_marker._split_by_hand(text) == simple_marker._split_by_regex(text)


def test_split_simple_requirement_goes_from_hand_to_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simple_marker, "_split_calls", 0)
    monkeypatch.setattr(simple_marker, "_REQUIREMENT_RE", None)
    text = "foo [ bar ] (>=1) ; extra == 'x'"
    for _ in range(simple_marker._BY_HAND):
        assert simple_marker.split_simple_requirement(text) == ("foo", "bar", ">=1", "extra == 'x'")
    assert simple_marker._REQUIREMENT_RE is None  # the regex is not compiled for a few texts
    assert simple_marker.split_simple_requirement(text) == ("foo", "bar", ">=1", "extra == 'x'")
    assert simple_marker._REQUIREMENT_RE is not None
