"""Incompatibilities: sets of terms that must not all hold, and why (their cause)."""

from __future__ import annotations

__all__ = [
    "Cause",
    "DependencyCause",
    "DerivedCause",
    "External",
    "Incompatibility",
    "NoVersionsCause",
    "RootCause",
    "UnavailableCause",
]

from collections.abc import Hashable, Iterator
from typing import Any, Generic, TypeAlias, TypeVar

from sula._record import dataclass

from .range import Range
from .term import Term

P = TypeVar("P", bound=Hashable)
V = TypeVar("V")

# Causes are treated as immutable values but are not ``frozen``: a frozen dataclass
# costs twice as much to create, and the solver makes one per dependency edge.


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class RootCause(Generic[P, V]):
    """The root package must be selected at its one version (``{not root==v}``)."""

    package: P
    version: V


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class NoVersionsCause(Generic[P, V]):
    """The provider has no version of ``package`` in ``range``."""

    package: P
    range: Range[V]


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class UnavailableCause(Generic[P, V]):
    """Versions of ``package`` in ``range`` cannot be used; ``reason`` completes the
    sentence "<package><range> ..." (e.g. "was yanked"), empty for "is unavailable"."""

    package: P
    range: Range[V]
    reason: str


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class DependencyCause(Generic[P, V]):
    """``package`` at ``range`` depends on ``dependency`` at ``dependency_range``."""

    package: P
    range: Range[V]
    dependency: P
    dependency_range: Range[V]


@dataclass(slots=True, kw_only=True, unsafe_hash=True)
class DerivedCause(Generic[P, V]):
    """Derived by resolution from two earlier incompatibilities."""

    cause1: Incompatibility[P, V]
    cause2: Incompatibility[P, V]


External: TypeAlias = (
    RootCause[Any, Any]
    | NoVersionsCause[Any, Any]
    | UnavailableCause[Any, Any]
    | DependencyCause[Any, Any]
)
Cause: TypeAlias = External | DerivedCause[Any, Any]


class Incompatibility(Generic[P, V]):
    """Terms that cannot all be true in a solution, at most one per package.

    Identity matters: the solver keys its caches by the object, so equality is
    identity. The graph of ``DerivedCause`` links is the derivation tree a failure
    report explains.
    """

    __slots__ = ("cause", "terms")

    terms: dict[P, Term[V]]
    cause: Cause

    def __init__(self, terms: dict[P, Term[V]], cause: Cause) -> None:
        self.terms = terms
        self.cause = cause

    # -- constructors -------------------------------------------------------------

    @classmethod
    def not_root(cls, package: P, version: V) -> Incompatibility[P, V]:
        """``{not root==version}``: the solve starts by requiring the root."""
        return cls(
            {package: Term(False, Range.singleton(version))},
            RootCause(package=package, version=version),
        )

    @classmethod
    def no_versions(cls, package: P, range: Range[V]) -> Incompatibility[P, V]:
        """``{package in range}``: nothing there to choose from."""
        return cls({package: Term(True, range)}, NoVersionsCause(package=package, range=range))

    @classmethod
    def unavailable(cls, package: P, range: Range[V], reason: str) -> Incompatibility[P, V]:
        """``{package in range}``: those versions cannot be used, for ``reason``."""
        return cls(
            {package: Term(True, range)},
            UnavailableCause(package=package, range=range, reason=reason),
        )

    @classmethod
    def from_dependency(
        cls, package: P, range: Range[V], dependency: P, dependency_range: Range[V]
    ) -> Incompatibility[P, V]:
        """``{package in range, not dependency in dependency_range}``."""
        return cls(
            {package: Term(True, range), dependency: Term(False, dependency_range)},
            DependencyCause(
                package=package,
                range=range,
                dependency=dependency,
                dependency_range=dependency_range,
            ),
        )

    @classmethod
    def prior_cause(
        cls, incompat: Incompatibility[P, V], cause: Incompatibility[P, V], package: P
    ) -> Incompatibility[P, V]:
        """Resolve ``incompat`` with the cause of its satisfier on ``package``.

        From ``{t1, q}`` and ``{t2, r}`` derive ``{q, r, t1 ∪ t2}`` (the last term is
        dropped when it is always true), per solver.md's conflict resolution.
        """
        terms = dict(incompat.terms)
        t1 = terms.pop(package)
        t2 = cause.terms[package]
        for p, t in cause.terms.items():
            if p == package:
                continue
            existing = terms.get(p)
            terms[p] = t if existing is None else existing.intersection(t)
        merged = t1.union(t2)
        if not merged.is_any():
            terms[package] = merged
        return cls(terms, DerivedCause(cause1=incompat, cause2=cause))

    # -- queries ------------------------------------------------------------------

    def is_terminal(self, root: P, root_version: V) -> bool:
        """True if this proves that the root cannot be selected: the solve failed."""
        terms = self.terms
        if not terms:
            return True
        if len(terms) > 1:
            return False
        term = terms.get(root)
        return term is not None and term.positive and root_version in term.range

    def is_derived(self) -> bool:
        """True if this came out of conflict resolution."""
        return isinstance(self.cause, DerivedCause)

    def as_dependency(self) -> tuple[P, P] | None:
        """``(package, dependency)`` for a dependency incompatibility, else None."""
        cause = self.cause
        if isinstance(cause, DependencyCause):
            return cause.package, cause.dependency
        return None

    def iter_external(self) -> Iterator[External]:
        """Every external cause in this incompatibility's derivation tree, once each,
        depth first, cause1 before cause2 (for hints about what went wrong)."""
        seen: set[int] = set()
        stack: list[Incompatibility[P, V]] = [self]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            cause = node.cause
            if isinstance(cause, DerivedCause):
                stack.append(cause.cause2)
                stack.append(cause.cause1)
            else:
                yield cause

    def __iter__(self) -> Iterator[tuple[P, Term[V]]]:
        return iter(self.terms.items())

    def __repr__(self) -> str:
        inner = ", ".join(f"{p}: {t!r}" for p, t in self.terms.items())
        return f"Incompatibility({{{inner}}}, {type(self.cause).__name__})"
