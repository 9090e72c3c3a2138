"""Range algebra: checked against brute-force membership over a fine grid."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from sula.resolver.pubgrub import Range

# Every region a range over the points 0..8 can distinguish: the points themselves
# and the gaps between and beyond them.
PROBES = [Fraction(n, 2) for n in range(-2, 19)]


def members(r: Range[Fraction]) -> frozenset[Fraction]:
    return frozenset(p for p in PROBES if p in r)


def random_range(rng: random.Random, depth: int = 3) -> Range[Fraction]:
    if depth == 0 or rng.random() < 0.3:
        v = Fraction(rng.randint(0, 8))
        w = Fraction(rng.randint(0, 8))
        kind = rng.randrange(9)
        return [
            Range.singleton(v),
            Range.higher_than(v),
            Range.strictly_higher_than(v),
            Range.lower_than(v),
            Range.strictly_lower_than(v),
            Range.between(v, w),
            Range.full(),
            Range.empty(),
            Range.from_versions([v, w]),
        ][kind]
    a = random_range(rng, depth - 1)
    b = random_range(rng, depth - 1)
    op = rng.randrange(4)
    if op == 0:
        return a.union(b)
    if op == 1:
        return a.intersection(b)
    if op == 2:
        return a.difference(b)
    return a.complement()


def test_primitives() -> None:
    one, two = Fraction(1), Fraction(2)
    assert members(Range.singleton(one)) == {one}
    assert Fraction(3, 2) in Range.between(one, two)
    assert two not in Range.between(one, two)
    assert one in Range.between(one, two)
    assert one not in Range.strictly_higher_than(one)
    assert one in Range.lower_than(one)
    assert one not in Range.strictly_lower_than(one)
    assert Range.between(two, one).is_empty()
    assert Range.full().is_full() and Range.empty().is_empty()
    assert Range.singleton(one).as_singleton() == one
    assert Range.between(one, two).as_singleton() is None
    assert Range.full().complement() == Range.empty()


def test_ints_and_display() -> None:
    r = Range.between(1, 5).difference(Range.singleton(3))
    assert [v for v in range(8) if v in r] == [1, 2, 4]
    assert str(r) == ">=1,<3 | >3,<5"
    assert str(Range.singleton(3).complement()) == "!=3"
    assert str(Range.singleton(3)) == "==3"
    assert str(Range.full()) == "*"
    assert str(Range.empty()) == "∅"
    assert str(Range.lower_than(2)) == "<=2"
    assert str(Range.strictly_higher_than(2)) == ">2"
    assert list(Range.between(1, 5).segments()) == [((1, True), (5, False))]


@pytest.mark.parametrize("seed", range(40))
def test_algebra_matches_sets(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        a, b = random_range(rng), random_range(rng)
        ma, mb = members(a), members(b)
        assert members(a.union(b)) == ma | mb
        assert members(a.intersection(b)) == ma & mb
        assert members(a.complement()) == frozenset(PROBES) - ma
        assert members(a.difference(b)) == ma - mb
        assert a.is_subset(b) == (ma <= mb)
        assert a.is_disjoint(b) == (not ma & mb)
        assert a.is_empty() == (not ma)
        assert a.is_full() == (ma == frozenset(PROBES))
        # The representation is canonical: same members, equal ranges and hashes.
        rebuilt = a.complement().complement().union(Range.empty()).intersection(Range.full())
        assert rebuilt == a and hash(rebuilt) == hash(a)
        if ma == mb:
            assert a == b


def test_simplify_against_published_versions() -> None:
    published = [1, 2, 3, 7]
    r = Range.between(0, 10).difference(Range.singleton(3))
    # >=0,<3 | >3,<10 holds 1, 2, 7: no published version between 2 and 7 is outside.
    s = r.simplify(published)
    assert [v for v in published if v in s] == [v for v in published if v in r]
    assert str(Range.between(0, 10).difference(Range.singleton(7)).simplify(published)) == ">=0,<7"
    # Never simplified to nothing.
    gap = Range.between(4, 6)
    assert gap.simplify(published) == gap


@pytest.mark.parametrize("seed", range(10))
def test_simplify_keeps_members(seed: int) -> None:
    rng = random.Random(seed)
    published = [Fraction(n) for n in range(0, 9, 2)]
    for _ in range(50):
        r = random_range(rng)
        s = r.simplify(published)
        kept = [v for v in published if v in r]
        if kept:
            assert [v for v in published if v in s] == kept
            assert len(list(s.segments())) <= len(list(r.segments()))
