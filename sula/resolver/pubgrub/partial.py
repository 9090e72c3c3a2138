"""The partial solution: decisions and derivations, by package, with decision levels."""

from __future__ import annotations

__all__ = ["ALMOST", "CONTRADICTED", "INCONCLUSIVE", "SATISFIED", "PartialSolution"]

from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from .incompatibility import Incompatibility
from .range import Range
from .term import Term

P = TypeVar("P", bound=Hashable)
V = TypeVar("V")

# Relation codes (ALMOST comes with the package whose term is undecided).
SATISFIED = 0
CONTRADICTED = 1
INCONCLUSIVE = 2
ALMOST = 3


class _Derivation:
    __slots__ = ("accumulated", "cause", "index", "level", "term")

    def __init__(
        self, index: int, level: int, term: Term[Any], cause: Incompatibility[Any, Any],
        accumulated: Term[Any],
    ) -> None:
        self.index = index  # global position in the partial solution
        self.level = level
        self.term = term
        self.cause = cause
        self.accumulated = accumulated  # intersection of this and all earlier ones


class _Assignments:
    """Everything the partial solution says about one package."""

    __slots__ = (
        "decided",
        "decision_index",
        "decision_level",
        "derivations",
        "highest_level",
        "smallest_level",
        "term",
        "version",
    )

    def __init__(self, level: int) -> None:
        self.smallest_level = level
        self.highest_level = level
        self.derivations: list[_Derivation] = []
        self.decided = False
        self.version: Any = None
        self.decision_index = -1
        self.decision_level = -1
        self.term: Term[Any] = Term.any()


class PartialSolution(Generic[P, V]):
    """An ordered list of assignments, stored per package with running intersections.

    Decision level 0 holds what follows from the root requirement alone; the root's
    own decision opens level 1 (as in pubgrub-rs), every later decision the next.
    """

    __slots__ = ("_changed", "_level", "_next_index", "_pkgs", "_undecided")

    def __init__(self) -> None:
        self._pkgs: dict[P, _Assignments] = {}
        self._undecided: dict[P, None] = {}
        # Undecided packages whose term may have changed since the last take_changed(), in
        # the order they changed (for a package new to _undecided, its order there).
        self._changed: dict[P, None] = {}
        self._level = 0
        self._next_index = 0

    @property
    def decision_level(self) -> int:
        """The current decision level."""
        return self._level

    def add_decision(self, package: P, version: V) -> None:
        """Select ``version`` of ``package`` (which has a positive derivation)."""
        self._level += 1
        pa = self._pkgs[package]
        pa.decided = True
        pa.version = version
        pa.decision_index = self._next_index
        self._next_index += 1
        pa.decision_level = self._level
        pa.highest_level = self._level
        pa.term = Term(True, Range.singleton(version))
        self._undecided.pop(package, None)

    def add_derivation(self, package: P, term: Term[V], cause: Incompatibility[P, V]) -> None:
        """Record that ``term`` must hold, because of ``cause``."""
        level = self._level
        pa = self._pkgs.get(package)
        if pa is None:
            pa = self._pkgs[package] = _Assignments(level)
            accumulated = term
        else:
            accumulated = pa.term.intersection(term)
            pa.highest_level = level
        pa.derivations.append(_Derivation(self._next_index, level, term, cause, accumulated))
        self._next_index += 1
        pa.term = accumulated
        if accumulated.positive:
            self._undecided[package] = None
            self._changed[package] = None

    def backtrack(self, level: int) -> None:
        """Forget every assignment made above ``level``."""
        pkgs = self._pkgs
        for package in [p for p, pa in pkgs.items() if pa.smallest_level > level]:
            del pkgs[package]
        self._undecided.clear()
        undecided = self._undecided
        for package, pa in pkgs.items():
            if pa.highest_level > level:
                if pa.decided and pa.decision_level > level:
                    pa.decided = False
                    pa.version = None
                    pa.decision_index = pa.decision_level = -1
                ds = pa.derivations
                while ds and ds[-1].level > level:
                    ds.pop()
                last = ds[-1]
                pa.highest_level = pa.decision_level if pa.decided else last.level
                if not pa.decided:
                    pa.term = last.accumulated
            if not pa.decided and pa.term.positive:
                undecided[package] = None
        self._changed = dict(undecided)
        self._level = level

    # -- queries ------------------------------------------------------------------

    def undecided(self) -> list[tuple[P, Range[V]]]:
        """Packages that must be selected but have no version yet, with their range."""
        pkgs = self._pkgs
        return [(p, pkgs[p].term.range) for p in self._undecided]

    def take_changed(self) -> list[tuple[P, Range[V]]]:
        """The undecided packages whose term may have changed since the last call (every
        undecided one after a backtrack), or that :meth:`touch` named, with their range; the
        packages that became undecided come in the order :meth:`undecided` has them."""
        pkgs, undecided = self._pkgs, self._undecided
        out = [(p, pkgs[p].term.range) for p in self._changed if p in undecided]
        self._changed = {}
        return out

    def touch(self, package: P) -> None:
        """Give ``package`` (if undecided) to the next :meth:`take_changed`."""
        if package in self._undecided:
            self._changed[package] = None

    def has_undecided(self, package: P) -> bool:
        """True if ``package`` needs a decision."""
        return package in self._undecided

    def term(self, package: P) -> Term[V] | None:
        """The intersection of every assignment for ``package`` (None if there is none)."""
        pa = self._pkgs.get(package)
        return None if pa is None else pa.term

    def decision_level_of(self, package: P) -> int | None:
        """The level of ``package``'s decision (None when it is not decided)."""
        pa = self._pkgs.get(package)
        return pa.decision_level if pa is not None and pa.decided else None

    def decisions(self) -> dict[P, V]:
        """The selected version of each decided package, in decision order."""
        items = [(pa.decision_index, p, pa.version) for p, pa in self._pkgs.items() if pa.decided]
        items.sort(key=lambda item: item[0])
        return {p: v for _, p, v in items}

    def term_relation(self, package: P, term: Term[V]) -> int:
        """How the assignments for ``package`` relate to ``term``."""
        pa = self._pkgs.get(package)
        if pa is None:
            # Unconstrained: "anything", which satisfies only ``not ∅``.
            if term.positive:
                return CONTRADICTED if term.range.is_empty() else INCONCLUSIVE
            return SATISFIED if term.range.is_empty() else INCONCLUSIVE
        if pa.decided:
            return SATISFIED if (pa.version in term.range) is term.positive else CONTRADICTED
        current = pa.term
        if current.satisfies(term):
            return SATISFIED
        if current.contradicts(term):
            return CONTRADICTED
        return INCONCLUSIVE

    def relation(self, incompat: Incompatibility[P, V]) -> tuple[int, P | None]:
        """SATISFIED, CONTRADICTED, INCONCLUSIVE, or ALMOST with the one package whose
        term is inconclusive while all others are satisfied."""
        almost: P | None = None
        found = False
        pkgs = self._pkgs
        for package, term in incompat.terms.items():
            pa = pkgs.get(package)
            if pa is not None and pa.decided:
                # Fast path: a decision is a single version.
                if (pa.version in term.range) is term.positive:
                    continue
                return CONTRADICTED, package
            rel = self.term_relation(package, term)
            if rel == SATISFIED:
                continue
            if rel == CONTRADICTED:
                return CONTRADICTED, package
            if found:
                return INCONCLUSIVE, None
            almost = package
            found = True
        if found:
            return ALMOST, almost
        return SATISFIED, None

    def satisfier_search(
        self, incompat: Incompatibility[P, V]
    ) -> tuple[P, int, int, Incompatibility[P, V] | None]:
        """Find the satisfier of a satisfied ``incompat``.

        Returns ``(package, satisfier_level, previous_satisfier_level, cause)``: the
        package of the earliest assignment after which ``incompat`` is satisfied, its
        decision level, the level of the previous satisfier (at least 1), and the
        satisfier's cause (None when it is a decision).
        """
        pkgs = self._pkgs
        found: dict[P, tuple[int, int, int]] = {}
        best: P | None = None
        best_index = -1
        for package, term in incompat.terms.items():
            pa = pkgs[package]
            hit = _satisfier(pa, term, None)
            found[package] = hit
            if hit[1] > best_index:
                best_index = hit[1]
                best = package
        assert best is not None
        pa = pkgs[best]
        pos, _, sat_level = found[best]
        if pos == len(pa.derivations):
            start: Term[Any] = Term(True, Range.singleton(pa.version))
            cause = None
        else:
            d = pa.derivations[pos]
            start = d.term
            cause = d.cause
        found[best] = _satisfier(pa, incompat.terms[best], start)
        previous = 0
        previous_index = -1
        for hit in found.values():
            if hit[1] > previous_index:
                previous_index = hit[1]
                previous = hit[2]
        return best, sat_level, max(previous, 1), cause


def _satisfier(pa: _Assignments, term: Term[Any], start: Term[Any] | None) -> tuple[int, int, int]:
    """``(position, global index, level)`` of the earliest assignment of ``pa`` after
    which (intersected with ``start``) ``term`` is satisfied. The running
    intersection only shrinks, so satisfaction is monotone: binary search."""
    ds = pa.derivations
    lo, hi = 0, len(ds)
    while lo < hi:
        mid = (lo + hi) // 2
        acc = ds[mid].accumulated
        if start is not None:
            acc = acc.intersection(start)
        if acc.satisfies(term):
            hi = mid
        else:
            lo = mid + 1
    if lo < len(ds):
        d = ds[lo]
        return lo, d.index, d.level
    # Not among the derivations: it is the decision, which comes last.
    return len(ds), pa.decision_index, pa.decision_level
