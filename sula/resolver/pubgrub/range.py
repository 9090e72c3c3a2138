"""Version sets: sorted, disjoint intervals over any totally ordered version type."""

from __future__ import annotations

__all__ = ["Range"]

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

V = TypeVar("V")

# A range is stored as the sorted boundaries ("cuts") where membership flips, plus
# whether the set starts included at minus infinity. A cut is ``(point, side)`` with
# side 0 = just below ``point`` and side 1 = just above it, so ``>=v`` starts at
# ``(v, 0)``, ``>v`` at ``(v, 1)``, ``<v`` ends at ``(v, 0)`` and ``<=v`` at ``(v, 1)``.
# Plain tuple comparison orders cuts correctly. Complement is O(1) (flip the start
# flag); union, intersection, subset and disjointness are one merge walk.
_Cut = tuple[Any, int]
_Cuts = tuple[_Cut, ...]


class Range(Generic[V]):
    """An immutable set of versions: a union of disjoint intervals.

    Bounds may be inclusive or exclusive and either end may be unbounded. Versions
    can be any totally ordered type (ints in tests, ``packaging`` versions in sula);
    ``Range.from_specifier`` in :mod:`.pep440` builds one from PEP 440 specifiers.
    Over a discrete type an interval such as ``>3,<4`` holds no value yet is not
    "empty" to this class: it only knows the order, not the values between.
    """

    __slots__ = ("_cuts", "_hash", "_lo", "_pts")

    _lo: bool
    _cuts: _Cuts
    _hash: int | None
    _pts: tuple[Any, ...] | None

    def __init__(self, lo: bool = False, cuts: _Cuts = ()) -> None:
        # Private constructor: use the classmethods. ``cuts`` must be strictly increasing.
        self._lo = lo
        self._cuts = cuts
        self._hash = None
        self._pts = None

    # -- constructors -------------------------------------------------------------

    @classmethod
    def full(cls) -> Range[V]:
        """Every version."""
        return _FULL

    @classmethod
    def empty(cls) -> Range[V]:
        """No version."""
        return _EMPTY

    @classmethod
    def singleton(cls, version: V) -> Range[V]:
        """Exactly ``version`` (``==version``)."""
        return Range(False, ((version, 0), (version, 1)))

    @classmethod
    def higher_than(cls, version: V) -> Range[V]:
        """``>=version``."""
        return Range(False, ((version, 0),))

    @classmethod
    def strictly_higher_than(cls, version: V) -> Range[V]:
        """``>version``."""
        return Range(False, ((version, 1),))

    @classmethod
    def lower_than(cls, version: V) -> Range[V]:
        """``<=version``."""
        return Range(True, ((version, 1),))

    @classmethod
    def strictly_lower_than(cls, version: V) -> Range[V]:
        """``<version``."""
        return Range(True, ((version, 0),))

    @classmethod
    def between(cls, low: V, high: V) -> Range[V]:
        """``>=low,<high`` (empty when ``high <= low``)."""
        if not low < high:  # type: ignore[operator]
            return _EMPTY
        return Range(False, ((low, 0), (high, 0)))

    @classmethod
    def from_versions(cls, versions: Iterator[V] | list[V] | tuple[V, ...]) -> Range[V]:
        """The set of exactly the given versions."""
        pts = sorted(set(versions))  # type: ignore[type-var]
        cuts: list[_Cut] = []
        for v in pts:
            cuts.append((v, 0))
            cuts.append((v, 1))
        return Range(False, tuple(cuts))

    @classmethod
    def from_specifier(cls, spec: object) -> Range[Any]:
        """Build a range from a PEP 440 ``SpecifierSet``/``Specifier`` or its text.

        See :func:`sula.resolver.pubgrub.pep440.range_from_specifier`.
        """
        from .pep440 import range_from_specifier

        return range_from_specifier(spec)  # type: ignore[arg-type]

    # -- predicates -----------------------------------------------------------------

    def is_empty(self) -> bool:
        """True if no version is in the set."""
        return not self._lo and not self._cuts

    def is_full(self) -> bool:
        """True if every version is in the set."""
        return self._lo and not self._cuts

    def __contains__(self, version: object) -> bool:
        cuts = self._cuts
        if not cuts:
            return self._lo
        # Count the cuts below ``version``: (p, 0) is below iff p <= v, (p, 1) iff p < v.
        # Bisecting the bare points costs one ``<`` per step (a tuple probe costs an
        # ``==`` and a ``<``, both Python-level for packaging versions).
        pts = self._pts
        if pts is None:
            pts = self._pts = tuple(c[0] for c in cuts)
        i = bisect_left(pts, version)
        n = len(pts)
        while i < n and cuts[i][1] == 0 and (pts[i] is version or pts[i] == version):
            i += 1
        return self._lo ^ (i & 1 == 1)

    def contains(self, version: V) -> bool:
        """True if ``version`` is in the set."""
        return self.__contains__(version)

    def as_singleton(self) -> V | None:
        """The only version in the set when it is ``==v``, else None."""
        cuts = self._cuts
        if self._lo or len(cuts) != 2:
            return None
        (p, s), (q, t) = cuts
        if s == 0 and t == 1 and (p is q or p == q):
            return p  # type: ignore[no-any-return]
        return None

    def is_subset(self, other: Range[V]) -> bool:
        """True if every version in ``self`` is in ``other``."""
        if self is other:
            return True
        a, b = self._cuts, other._cuts
        sa, sb = self._lo, other._lo
        if not b:
            return sb or (not sa and not a)
        if not a:
            return not sa
        if sa and not sb:
            return False
        i = j = 0
        na, nb = len(a), len(b)
        while i < na:
            if j >= nb:
                # ``b`` is constant from here on: fine if it stays in, or ``a`` ends out.
                if sb:
                    return True
                return not sa and i == na
            ca, cb = a[i], b[j]
            if ca < cb:
                sa = not sa
                i += 1
            elif cb < ca:
                sb = not sb
                j += 1
            else:
                sa = not sa
                sb = not sb
                i += 1
                j += 1
            if sa and not sb:
                return False
        # ``a`` is constant from here on: fine if out, or if ``b`` stays in.
        return not sa or (sb and j == nb)

    def is_disjoint(self, other: Range[V]) -> bool:
        """True if no version is in both sets."""
        a, b = self._cuts, other._cuts
        sa, sb = self._lo, other._lo
        if sa and sb:
            return False
        if not a:
            return not sa or (not sb and not b)
        if not b:
            return not sb
        i = j = 0
        na, nb = len(a), len(b)
        while i < na and j < nb:
            ca, cb = a[i], b[j]
            if ca < cb:
                sa = not sa
                i += 1
            elif cb < ca:
                sb = not sb
                j += 1
            else:
                sa = not sa
                sb = not sb
                i += 1
                j += 1
            if sa and sb:
                return False
        # One side is exhausted and constant: overlap iff it is "in" and the other
        # still has an "in" stretch ahead (or is in now).
        if i < na:
            return not sb
        if j < nb:
            return not sa
        return True

    # -- algebra --------------------------------------------------------------------

    def complement(self) -> Range[V]:
        """Every version not in the set."""
        if not self._cuts:
            return _EMPTY if self._lo else _FULL
        return Range(not self._lo, self._cuts)

    def __invert__(self) -> Range[V]:
        return self.complement()

    def intersection(self, other: Range[V]) -> Range[V]:
        """Versions in both sets."""
        if not other._cuts:
            return self if other._lo else _EMPTY
        if not self._cuts:
            return other if self._lo else _EMPTY
        if self is other:
            return self
        return _combine(self, other, True)

    def __and__(self, other: Range[V]) -> Range[V]:
        return self.intersection(other)

    def union(self, other: Range[V]) -> Range[V]:
        """Versions in either set."""
        if not other._cuts:
            return _FULL if other._lo else self
        if not self._cuts:
            return _FULL if self._lo else other
        if self is other:
            return self
        return _combine(self, other, False)

    def __or__(self, other: Range[V]) -> Range[V]:
        return self.union(other)

    def difference(self, other: Range[V]) -> Range[V]:
        """Versions in ``self`` but not in ``other``."""
        return self.intersection(other.complement())

    def __sub__(self, other: Range[V]) -> Range[V]:
        return self.difference(other)

    # -- inspection -----------------------------------------------------------------

    def segments(self) -> Iterator[tuple[tuple[V, bool] | None, tuple[V, bool] | None]]:
        """Yield each interval as ``(lower, upper)``; a bound is ``(version, inclusive)``
        or None when unbounded."""
        lo: tuple[V, bool] | None = None
        inside = self._lo
        for p, side in self._cuts:
            if inside:
                yield lo, (p, side == 1)
            else:
                lo = (p, side == 0)
            inside = not inside
        if inside:
            yield lo, None

    def simplify(self, versions: list[V]) -> Range[V]:
        """A simpler range holding the same members of ``versions`` (sorted ascending):
        intervals without any of them are dropped and intervals with none of them in
        between are joined. For reports, where ``foo>=1,<1.1 | >1.1,<2`` with only
        1.0 and 1.1 published reads better as ``foo>=1,<1.1``. Never returns an empty
        range for a non-empty one."""
        cuts = self._cuts
        if len(cuts) < 2 or not versions:
            return self
        kept: list[list[_Cut | None]] = []
        last_hit = -1  # index in ``versions`` of the last member seen
        start: _Cut | None = None
        inside = self._lo
        segs: list[tuple[_Cut | None, _Cut | None]] = []
        for cut in cuts:
            if inside:
                segs.append((start, cut))
            else:
                start = cut
            inside = not inside
        if inside:
            segs.append((start, None))
        for lo, hi in segs:
            # Members of ``versions`` in this segment: [a, b).
            a = 0 if lo is None else bisect_right(versions, lo, key=_probe_low)
            b = len(versions) if hi is None else bisect_right(versions, hi, key=_probe_low)
            if a >= b:
                continue
            if kept and last_hit == a - 1:
                # Nothing published between the previous kept interval and this one.
                kept[-1][1] = hi
            else:
                kept.append([lo, hi])
            last_hit = b - 1
        if not kept:
            return self
        out: list[_Cut] = []
        lo_in = kept[0][0] is None
        for lo, hi in kept:
            if lo is not None:
                out.append(lo)
            if hi is not None:
                out.append(hi)
        return Range(lo_in, tuple(out))

    def lowest(self) -> V | None:
        """The lowest bound's version (None when unbounded below or empty)."""
        if self._lo or not self._cuts:
            return None
        return self._cuts[0][0]  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Range):
            return NotImplemented
        return self._lo == other._lo and self._cuts == other._cuts

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash((self._lo, self._cuts))
        return h

    def __bool__(self) -> bool:
        return self._lo or bool(self._cuts)

    def __repr__(self) -> str:
        return f"Range({self})"

    def __str__(self) -> str:
        from .pep440 import format_range

        return format_range(self)


def _combine(x: Range[Any], y: Range[Any], both: bool) -> Range[Any]:
    """Merge walk for intersection (``both``) or union."""
    a, b = x._cuts, y._cuts
    sa, sb = x._lo, y._lo
    cur = (sa and sb) if both else (sa or sb)
    start = cur
    out: list[_Cut] = []
    i = j = 0
    na, nb = len(a), len(b)
    while i < na and j < nb:
        ca, cb = a[i], b[j]
        if ca < cb:
            c = ca
            sa = not sa
            i += 1
        elif cb < ca:
            c = cb
            sb = not sb
            j += 1
        else:
            c = ca
            sa = not sa
            sb = not sb
            i += 1
            j += 1
        new = (sa and sb) if both else (sa or sb)
        if new is not cur:
            out.append(c)
            cur = new
    # The exhausted side is constant: the rest of the other side either passes
    # through unchanged or is masked entirely.
    if i < na:
        if sb is not both:
            pass  # intersection with "out" / union with "in": constant result
        else:
            out.extend(a[i:])
    elif j < nb and sa is both:
        out.extend(b[j:])
    if not out:
        return _FULL if start else _EMPTY
    return Range(start, tuple(out))


def _probe_low(v: Any) -> _Cut:
    # A version sorts against cuts as a point between "just below" and "just above".
    return (v, 0.5)  # type: ignore[return-value]


_FULL: Range[Any] = Range(True, ())
_EMPTY: Range[Any] = Range(False, ())
