"""Terms: a positive ("some version in R is selected") or negative statement about a package."""

from __future__ import annotations

__all__ = ["Term"]

from typing import Generic, TypeVar

from .range import Range

V = TypeVar("V")


class Term(Generic[V]):
    """``positive`` and ``R``: a version in R must be selected; negative: no version
    in R may be (the package may also be absent).

    As sets of outcomes, a negative term also holds "not selected", so
    ``Term(False, ∅)`` ("anything") is the neutral element of intersection and
    ``Term(True, ∅)`` ("impossible") is its absorbing one.
    """

    __slots__ = ("positive", "range")

    positive: bool
    range: Range[V]

    def __init__(self, positive: bool, range: Range[V]) -> None:
        self.positive = positive
        self.range = range

    @classmethod
    def any(cls) -> Term[V]:
        """The term every outcome satisfies (``not ∅``)."""
        return Term(False, Range.empty())

    def negate(self) -> Term[V]:
        """The opposite statement."""
        return Term(not self.positive, self.range)

    def is_any(self) -> bool:
        """True for ``not ∅``: always true."""
        return not self.positive and self.range.is_empty()

    def is_impossible(self) -> bool:
        """True for a positive term over no version: never true."""
        return self.positive and self.range.is_empty()

    def contains(self, version: V) -> bool:
        """True if selecting ``version`` makes the term true."""
        return (version in self.range) is self.positive

    def intersection(self, other: Term[V]) -> Term[V]:
        """Both terms hold."""
        a, b = self.range, other.range
        if self.positive:
            if other.positive:
                return Term(True, a.intersection(b))
            return Term(True, a.difference(b))
        if other.positive:
            return Term(True, b.difference(a))
        return Term(False, a.union(b))

    def union(self, other: Term[V]) -> Term[V]:
        """Either term holds."""
        a, b = self.range, other.range
        if self.positive:
            if other.positive:
                return Term(True, a.union(b))
            return Term(False, b.difference(a))
        if other.positive:
            return Term(False, a.difference(b))
        return Term(False, a.intersection(b))

    def difference(self, other: Term[V]) -> Term[V]:
        """``self`` holds and ``other`` does not."""
        return self.intersection(other.negate())

    def satisfies(self, other: Term[V]) -> bool:
        """True if whenever ``self`` holds, ``other`` holds (self ⊆ other)."""
        a, b = self.range, other.range
        if self.positive:
            if other.positive:
                return a.is_subset(b)
            return a.is_disjoint(b)
        if other.positive:
            return False
        return b.is_subset(a)

    def contradicts(self, other: Term[V]) -> bool:
        """True if ``self`` and ``other`` never hold together."""
        a, b = self.range, other.range
        if self.positive:
            if other.positive:
                return a.is_disjoint(b)
            return a.is_subset(b)
        if other.positive:
            return b.is_subset(a)
        return False

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Term):
            return NotImplemented
        return self.positive == other.positive and self.range == other.range

    def __hash__(self) -> int:
        return hash((self.positive, self.range))

    def __repr__(self) -> str:
        return f"Term({'' if self.positive else 'not '}{self.range})"

