"""`same_version` answers as packaging's `Version.__eq__` on everything (its fast path for
normal-form versions included), and compares invalid versions as text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from sula.distribution.version import could_be_same_version, same_version

_num = st.integers(min_value=0, max_value=12).map(str) | st.sampled_from(["00", "01", "007", "10"])
_release = st.lists(_num, min_size=1, max_size=4).map(".".join)
_suffix = st.sampled_from(["", "a1", "b0", "rc2", "a01", ".post0", ".post1", ".dev0", ".dev3", "rc1.post2.dev1",
                           "+local", "-1", ".post", "c1", "alpha1", "!", "-dev"])
_version = st.one_of(
    st.tuples(_release, _suffix).map("".join),
    st.tuples(st.sampled_from(["1!", "0!"]), _release).map("".join),
    st.text(alphabet="0123456789.abrcpostdev+!-", max_size=10),
)


def _packaging(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


@settings(max_examples=3000, deadline=None, database=None)
@given(_version, _version)
def test_same_version_is_packagings_equality(a: str, b: str) -> None:
    assert same_version(a, b) == _packaging(a, b)
    if _packaging(a, b):
        assert could_be_same_version(a, b)


@given(_release, _suffix)
@settings(max_examples=1000, deadline=None, database=None)
def test_padded_release_is_the_same_version(release: str, suffix: str) -> None:
    a, b = release + suffix, release + ".0" + suffix
    assert same_version(a, b) == _packaging(a, b)
    assert could_be_same_version(a, b) or not _packaging(a, b)


def test_examples() -> None:
    assert same_version("1.0", "1.0.0") and same_version("1.01", "1.1") and same_version("1.0a01", "1.0a1")
    assert not same_version("1.0", "1.0.post0") and not same_version("1.0", "1.0.dev0")
    assert same_version("1!1.0", "1!1.0.0") and not same_version("1.0+a", "1.0")
    assert same_version("bogus", "bogus") and not same_version("bogus", "bogus2")
