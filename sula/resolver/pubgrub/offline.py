"""An in-memory provider: the reference for tests and a model for real providers."""

from __future__ import annotations

__all__ = ["OfflineProvider"]

from collections.abc import Hashable, Mapping, Sequence
from typing import Generic, TypeVar

from .incompatibility import External
from .range import Range
from .solver import Unavailable

P = TypeVar("P", bound=Hashable)
V = TypeVar("V")


class OfflineProvider(Generic[P, V]):
    """Packages, versions and dependencies known up front.

    ``choose_package`` takes the candidate with the fewest versions left in its range
    (ties: the earliest candidate); ``choose_version`` the highest in range. It is
    also a :class:`ReportFormatter` that simplifies ranges against what it knows.
    """

    def __init__(self) -> None:
        self._deps: dict[P, dict[V, Mapping[P, Range[V]] | Unavailable]] = {}
        self._sorted: dict[P, list[V]] = {}
        self._counts: dict[tuple[P, Range[V]], int] = {}

    def add(self, package: P, version: V, dependencies: Mapping[P, Range[V]] | None = None) -> None:
        """Declare ``package`` at ``version`` with its dependencies."""
        self._deps.setdefault(package, {})[version] = dict(dependencies or {})
        self._sorted.pop(package, None)
        self._counts.clear()

    def add_unavailable(self, package: P, version: V, reason: str = "") -> None:
        """Declare a version that exists but cannot be used."""
        self._deps.setdefault(package, {})[version] = Unavailable(reason)
        self._sorted.pop(package, None)
        self._counts.clear()

    def format_package(self, package: Hashable) -> str:
        """Report hook: packages print as themselves."""
        return str(package)

    def published_versions(self, package: Hashable) -> list[V] | None:
        """Report hook: ranges are shown against the known versions."""
        return self.versions(package)[::-1]  # type: ignore[arg-type]

    def format_external(self, cause: External) -> str | None:
        """Report hook: default sentences."""
        return None

    def versions(self, package: P) -> list[V]:
        """Known versions of ``package``, highest first."""
        cached = self._sorted.get(package)
        if cached is None:
            cached = self._sorted[package] = sorted(
                self._deps.get(package, {}), reverse=True  # type: ignore[type-var]
            )
        return cached

    def choose_package(self, candidates: Sequence[tuple[P, Range[V]]]) -> P:
        counts = self._counts
        best = candidates[0][0]
        best_count = -1
        for package, rng in candidates:
            key = (package, rng)
            count = counts.get(key)
            if count is None:
                count = counts[key] = sum(1 for v in self.versions(package) if v in rng)
            if best_count < 0 or count < best_count:
                best, best_count = package, count
                if count == 0:
                    break
        return best

    def choose_version(self, package: P, range: Range[V]) -> V | None:
        for v in self.versions(package):
            if v in range:
                return v
        return None

    def get_dependencies(self, package: P, version: V) -> Mapping[P, Range[V]] | Unavailable:
        return self._deps[package][version]
