"""The PubGrub loop: unit propagation, conflict resolution with backjumping, decisions.

The core is synchronous and does no I/O. A provider that must fetch something first
raises :class:`NeedsData`; :meth:`Solver.step` then returns :class:`Pending` with the
provider's request, the caller awaits the fetch, and calls ``step()`` again, which
retries the same decision. Provider calls happen before the solver changes any
state, so a retry is always safe::

    solver = Solver(provider, root=ROOT, root_version=ROOT_VERSION)
    while isinstance(result := solver.step(), Pending):
        await fetch(result.request)          # fill the provider's caches
    solution = result.solution               # {package: version}, root included

Packages are any hashable values; the solver never looks inside them.
"""

from __future__ import annotations

__all__ = [
    "DependencyProvider",
    "NeedsData",
    "Pending",
    "Solved",
    "Solver",
    "Unavailable",
    "solve",
]

import heapq
from collections.abc import Hashable, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from sula._log import getLogger
from sula._record import dataclass

from .incompatibility import DependencyCause, Incompatibility
from .partial import ALMOST, CONTRADICTED, SATISFIED, PartialSolution
from .range import Range
from .report import NoSolutionError
from .term import Term

logger = getLogger(__name__)

P = TypeVar("P", bound=Hashable)
V = TypeVar("V")


class NeedsData(Exception):
    """Raised by a provider method whose answer needs I/O the caller must do first.

    ``request`` is opaque to the solver: whatever the async driver needs to know
    what to fetch (a package name for a version list, a (name, version) for
    metadata).
    """

    def __init__(self, request: object) -> None:
        super().__init__(request)
        self.request = request


@dataclass(frozen=True, slots=True)
class Unavailable:
    """``get_dependencies`` result for a version that cannot be used.

    ``reason`` completes the sentence "<package>==<version> ...", e.g. "was yanked"
    or "has no wheels for this platform"; empty means "is unavailable".
    """

    reason: str = ""


class DependencyProvider(Protocol[P, V]):
    """What the solver asks of the outside world (cf. resolvelib's provider,
    pubgrub-rs's ``DependencyProvider``). Any method may raise :class:`NeedsData`."""

    def choose_package(self, candidates: Sequence[tuple[P, Range[V]]]) -> P:
        """Pick the next package to decide among ``candidates`` (each with the range
        its version must fall in). Most constrained first finds conflicts early.

        A provider may instead have ``package_priority(package, range)``: a key (less is
        decided first, no two packages with the same key) that changes only with the range
        or through ``mark_conflict``; the solver then keeps the candidates in a heap and
        asks only about those whose range changed, where asking about every candidate at
        every decision is quadratic (home-assistant.in: 1,318 packages, 12,511 decisions, over
        5.7 million questions)."""
        ...

    def choose_version(self, package: P, range: Range[V]) -> V | None:
        """The preferred version of ``package`` in ``range`` (highest, lowest, the
        pinned one...), or None when no acceptable version is there."""
        ...

    def get_dependencies(self, package: P, version: V) -> Mapping[P, Range[V]] | Unavailable:
        """The dependencies of ``package`` at ``version``, or why it cannot be used."""
        ...


# A package whose decisions were thrown out this many times because of packages decided
# before it is decided earlier from then on, and a package that caused that many is decided
# later (and its decision undone), as uv's resolver does: without it a bad order of
# decisions backtracks through every version of the rejected package down to one so old it
# no longer has the conflicting requirement (packse's `wrong-backtracking-basic`).
CONFLICT_THRESHOLD = 5
MAX_CULPRIT_BACKTRACKS = 2


@dataclass(frozen=True, slots=True)
class Solved(Generic[P, V]):
    """The solve finished: one version per selected package, the root included, in
    decision order."""

    solution: dict[P, V]


@dataclass(frozen=True, slots=True)
class Pending:
    """The provider raised :class:`NeedsData`; fetch ``request`` and step again."""

    request: object


class Solver(Generic[P, V]):
    """One PubGrub solve, driven by :meth:`step` (async-friendly) or :meth:`solve`."""

    def __init__(
        self, provider: DependencyProvider[P, V], *, root: P, root_version: V
    ) -> None:
        self.provider = provider
        self.root = root
        self.root_version = root_version
        self._partial: PartialSolution[P, V] = PartialSolution()
        self._incompats: dict[P, list[Incompatibility[P, V]]] = {}
        # Dependency incompatibilities by (package, dependency), for merging.
        self._by_edge: dict[tuple[P, P], list[Incompatibility[P, V]]] = {}
        # Incompatibility -> decision level at which it became contradicted.
        self._contradicted: dict[Incompatibility[P, V], int] = {}
        self._added: set[tuple[P, V]] = set()
        self._next: P | None = root
        self._done: dict[P, V] | None = None
        self._failed: NoSolutionError | None = None
        self.decisions = 0
        self.conflicts = 0
        # Conflict tracking (uv's): how often a package was rejected ("affected") and how often
        # it was the cause ("culprit"); those past the threshold wait for the next reordering.
        self._affected: dict[P, int] = {}
        self._culprit: dict[P, int] = {}
        self._prioritize: list[P] = []
        self._deprioritize: list[P] = []
        self._undone = 0
        # With the provider's package_priority: (key, n, package) of the undecided packages,
        # stale ones left in (the key a package last got is in _keys).
        self._key_of = getattr(provider, "package_priority", None)
        self._heap: list[tuple[object, int, P]] = []
        self._keys: dict[P, object] = {}
        self._pushed = 0
        self._add_incompat(Incompatibility.not_root(root, root_version))

    # -- driving ------------------------------------------------------------------

    def step(self) -> Solved[P, V] | Pending:
        """Run until solved or until the provider needs data.

        Raises :class:`NoSolutionError` when the requirements are unsatisfiable (and
        again on any later call). After :class:`Solved`, further calls return it again.
        """
        if self._done is not None:
            return Solved(self._done)
        if self._failed is not None:
            raise self._failed
        while True:
            if self._next is not None:
                try:
                    self._propagate(self._next)
                except NoSolutionError as err:
                    self._failed = err
                    raise
                self._next = None
                if self._prioritize or self._deprioritize:
                    self._reprioritize()
            try:
                nxt = self._decide()
            except NeedsData as signal:
                return Pending(signal.request)
            if nxt is None:
                self._done = self._partial.decisions()
                logger.debug(
                    "pubgrub: solved %d packages, %d decisions, %d conflicts",
                    len(self._done), self.decisions, self.conflicts,
                )
                return Solved(self._done)
            self._next = nxt

    def solve(self) -> dict[P, V]:
        """Solve with a provider that never raises :class:`NeedsData`."""
        result = self.step()
        if isinstance(result, Pending):
            raise RuntimeError(f"provider needs data ({result.request!r}); drive with step()")
        return result.solution

    def decided(self) -> dict[P, V]:
        """The versions decided so far, in decision order (the root included)."""
        return self._partial.decisions()

    # -- incompatibility store ------------------------------------------------------

    def _add_incompat(self, incompat: Incompatibility[P, V]) -> Incompatibility[P, V]:
        """Store ``incompat``; a dependency equal to one of another version of the same
        package is merged with it (``foo==1 | ==2 depends on bar>=1``)."""
        edge = incompat.as_dependency()
        if edge is not None and len(incompat.terms) == 2:
            bucket = self._by_edge.setdefault(edge, [])
            cause = incompat.cause
            assert isinstance(cause, DependencyCause)
            for k, past in enumerate(bucket):
                pc = past.cause
                assert isinstance(pc, DependencyCause)
                if pc.dependency_range != cause.dependency_range:
                    continue
                merged = Incompatibility.from_dependency(
                    cause.package, pc.range.union(cause.range), cause.dependency,
                    cause.dependency_range,
                )
                for p in past.terms:
                    stored = self._incompats[p]
                    for i in range(len(stored) - 1, -1, -1):
                        if stored[i] is past:
                            del stored[i]
                            break
                bucket[k] = merged
                incompat = merged
                break
            else:
                bucket.append(incompat)
        incompats = self._incompats
        for p in incompat.terms:
            lst = incompats.get(p)
            if lst is None:
                incompats[p] = [incompat]
            else:
                lst.append(incompat)
        return incompat

    # -- unit propagation -----------------------------------------------------------

    def _propagate(self, package: P) -> None:
        partial = self._partial
        contradicted = self._contradicted
        buffer = [package]
        while buffer:
            current = buffer.pop()
            conflict: Incompatibility[P, V] | None = None
            lst = self._incompats.get(current)
            if lst:
                # Newest first: conflict resolution learns the more general ones later.
                for i in range(len(lst) - 1, -1, -1):
                    incompat = lst[i]
                    if incompat in contradicted:
                        continue
                    rel, pkg = partial.relation(incompat)
                    if rel == SATISFIED:
                        conflict = incompat
                        break
                    if rel == ALMOST:
                        assert pkg is not None
                        if pkg not in buffer:
                            buffer.append(pkg)
                        partial.add_derivation(pkg, incompat.terms[pkg].negate(), incompat)
                        contradicted[incompat] = partial.decision_level
                    elif rel == CONTRADICTED:
                        contradicted[incompat] = partial.decision_level
            if conflict is not None:
                pkg, root_cause = self._resolve_conflict(conflict)
                self._record_conflict(package, pkg, root_cause)
                buffer.clear()
                buffer.append(pkg)
                partial.add_derivation(pkg, root_cause.terms[pkg].negate(), root_cause)
                contradicted[root_cause] = partial.decision_level

    # -- conflict resolution --------------------------------------------------------

    def _resolve_conflict(
        self, incompat: Incompatibility[P, V]
    ) -> tuple[P, Incompatibility[P, V]]:
        """Learn the root cause of a conflict and backjump; returns the package whose
        term the learned incompatibility leaves undecided, and that incompatibility."""
        self.conflicts += 1
        partial = self._partial
        current = incompat
        changed = False
        while True:
            if current.is_terminal(self.root, self.root_version):
                raise NoSolutionError(current, root=self.root)
            package, level, previous, cause = partial.satisfier_search(current)
            if cause is None or previous < level:
                if previous < partial.decision_level:
                    self._backtrack(previous)
                if changed:
                    current = self._add_incompat(current)
                return package, current
            current = Incompatibility.prior_cause(current, cause, package)
            changed = True

    def _record_conflict(self, current: P, affected: P, incompat: Incompatibility[P, V]) -> None:
        """Count a conflict: ``current`` (the package being decided or propagated from) was
        affected, every package of ``incompat`` but ``affected`` a culprit."""
        real = False
        for p in incompat.terms:
            if p == affected:
                continue
            real = True
            count = self._culprit[p] = self._culprit.get(p, 0) + 1
            if count == CONFLICT_THRESHOLD:
                self._deprioritize.append(p)
        if real:
            count = self._affected[current] = self._affected.get(current, 0) + 1
            if count == CONFLICT_THRESHOLD:
                self._prioritize.append(current)

    def _reprioritize(self) -> None:
        """Tell the provider (``mark_conflict(package, early)``, if it has one) which packages
        to decide earlier or later; a culprit's decision is undone so that the packages it
        kept rejecting are decided before it."""
        mark = getattr(self.provider, "mark_conflict", None)
        early, late = self._prioritize, self._deprioritize
        self._prioritize, self._deprioritize = [], []
        if mark is None:
            return
        touch = self._partial.touch
        for p in early:
            if mark(p, True):
                touch(p)
        for p in late:
            if not mark(p, False):
                continue
            touch(p)
            level = self._partial.decision_level_of(p)
            # Undoing a decision undoes every later one, and they are decided again: a few
            # times per solve at most (in a set of 1,300 packages, each costs a full pass).
            if level is not None and level > 1 and self._undone < MAX_CULPRIT_BACKTRACKS:
                self._undone += 1
                logger.debug("pubgrub: %s conflicts too often, deciding it later", p)
                self._backtrack(level - 1)

    def _backtrack(self, level: int) -> None:
        self._partial.backtrack(level)
        contradicted = self._contradicted
        for incompat in [i for i, lvl in contradicted.items() if lvl > level]:
            del contradicted[incompat]

    # -- decision making --------------------------------------------------------------

    def _choose(self) -> P | None:
        """The provider's pick among the undecided packages; None when there is none."""
        partial = self._partial
        key_of = self._key_of
        if key_of is None:
            candidates = partial.undecided()
            return self.provider.choose_package(candidates) if candidates else None
        heap, keys = self._heap, self._keys
        for package, rng in partial.take_changed():
            key = keys[package] = key_of(package, rng)
            self._pushed += 1
            heapq.heappush(heap, (key, self._pushed, package))
        while heap:
            key, _, package = heap[0]
            if partial.has_undecided(package) and keys[package] == key:
                return package  # left in: once decided, it is stale
            heapq.heappop(heap)
        return None

    def _decide(self) -> P | None:
        """Choose a package and version; returns the package to propagate from, or
        None when every required package is decided. Mutates nothing before the
        provider has answered every call, so :class:`NeedsData` can be retried."""
        partial = self._partial
        root = self.root
        if partial.has_undecided(root):
            package = root
        else:
            chosen = self._choose()
            if chosen is None:
                return None
            package = chosen
        term = partial.term(package)
        if term is None or not term.positive or not partial.has_undecided(package):
            raise ValueError(f"choose_package returned {package!r}, which is not a candidate")
        rng = term.range
        if package == root:
            version: V | None = self.root_version if self.root_version in rng else None
        else:
            version = self.provider.choose_version(package, rng)
        if version is None:
            self._add_incompat(Incompatibility.no_versions(package, rng))
            return package
        if version not in rng:
            raise ValueError(f"choose_version returned {version!r}, outside {rng} for {package!r}")
        key = (package, version)
        if key in self._added:
            partial.add_decision(package, version)
            self.decisions += 1
            return package
        deps = self.provider.get_dependencies(package, version)
        single = Range.singleton(version)
        if isinstance(deps, Unavailable):
            self._add_incompat(Incompatibility.unavailable(package, single, deps.reason))
            return package
        # Reject the whole version before adding anything if a dependency is unusable.
        # An empty dependency range, or a dependency on another version of itself,
        # rules the version out on its own: ``{package==version}`` with that cause.
        for dep, dep_range in deps.items():
            if dep_range.is_empty() or (dep == package and version not in dep_range):
                cause = DependencyCause(
                    package=package, range=single, dependency=dep, dependency_range=dep_range
                )
                self._add_incompat(Incompatibility({package: Term(True, single)}, cause))
                return package
        self._added.add(key)
        new: list[Incompatibility[P, V]] = []
        # Added in reverse so that newest-first propagation meets them in the
        # provider's order (the order a report then follows).
        positive = Term(True, single)  # shared by every edge of this version
        for dep, dep_range in reversed(list(deps.items())):
            if dep == package:
                continue
            cause = DependencyCause(
                package=package, range=single, dependency=dep, dependency_range=dep_range
            )
            new.append(
                self._add_incompat(
                    Incompatibility({package: positive, dep: Term(False, dep_range)}, cause)
                )
            )
        # Decide unless a new incompatibility would be satisfied at once; if so, unit
        # propagation derives "not this version" from it instead.
        for incompat in new:
            if self._satisfied_with(incompat, package, version):
                self._record_conflict(package, package, incompat)
                return package
        partial.add_decision(package, version)
        self.decisions += 1
        return package

    def _satisfied_with(self, incompat: Incompatibility[P, V], package: P, version: V) -> bool:
        partial = self._partial
        for p, term in incompat.terms.items():
            if p == package:
                if not term.contains(version):
                    return False
            elif partial.term_relation(p, term) != SATISFIED:
                return False
        return True


def solve(provider: DependencyProvider[P, V], root: P, root_version: V) -> dict[P, V]:
    """Solve synchronously: ``{package: version}`` for every selected package, the
    root included. Raises :class:`NoSolutionError` when unsatisfiable."""
    return Solver(provider, root=root, root_version=root_version).solve()

