"""The solver against brute force on many small random dependency graphs."""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Mapping

import pytest

from sula.resolver.pubgrub import NoSolutionError, OfflineProvider, Range, Unavailable, solve

# PUBGRUB_SEEDS=5000 for a longer hunt (4,000 agreed when this was written).
SEEDS = int(os.environ.get("PUBGRUB_SEEDS", "150"))
ROOT = "root"
PACKAGES = ["a", "b", "c", "d", "e"]
VERSIONS = [1, 2, 3]


def random_range(rng: random.Random) -> Range[int]:
    lo = rng.randint(0, 3)
    hi = rng.randint(lo + 1, 4)
    r = Range.between(lo, hi)
    if rng.random() < 0.2:
        r = r.difference(Range.singleton(rng.choice(VERSIONS)))
    return r


Graph = dict[str, dict[int, "Mapping[str, Range[int]] | Unavailable"]]


def random_graph(rng: random.Random) -> Graph:
    graph: Graph = {ROOT: {0: {p: random_range(rng) for p in rng.sample(PACKAGES, 2)}}}
    for p in PACKAGES:
        graph[p] = {}
        for v in VERSIONS:
            if rng.random() < 0.1:
                graph[p][v] = Unavailable("is broken")
                continue
            others = [q for q in PACKAGES if q != p]
            graph[p][v] = {q: random_range(rng) for q in rng.sample(others, rng.randint(0, 2))}
    return graph


def valid(graph: Graph, selection: Mapping[str, int]) -> bool:
    if selection.get(ROOT) != 0:
        return False
    for p, v in selection.items():
        deps = graph[p].get(v)
        if deps is None or isinstance(deps, Unavailable):
            return False
        for q, r in deps.items():
            if q not in selection or selection[q] not in r:
                return False
    return True


def reachable(graph: Graph, selection: Mapping[str, int]) -> bool:
    seen, todo = {ROOT}, [ROOT]
    while todo:
        p = todo.pop()
        deps = graph[p][selection[p]]
        assert not isinstance(deps, Unavailable)
        for q in deps:
            if q not in seen:
                seen.add(q)
                todo.append(q)
    return seen == set(selection)


def brute_force(graph: Graph) -> bool:
    for choice in itertools.product([None, *VERSIONS], repeat=len(PACKAGES)):
        selection = {ROOT: 0} | {p: v for p, v in zip(PACKAGES, choice, strict=True) if v is not None}
        if valid(graph, selection):
            return True
    return False


OUTCOMES: dict[str, int] = {}


@pytest.mark.parametrize("seed", range(SEEDS))
def test_solver_agrees_with_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    graph = random_graph(rng)
    provider: OfflineProvider[str, int] = OfflineProvider()
    for p, versions in graph.items():
        for v, deps in versions.items():
            if isinstance(deps, Unavailable):
                provider.add_unavailable(p, v, deps.reason)
            else:
                provider.add(p, v, deps)
    try:
        solution = solve(provider, ROOT, 0)
    except NoSolutionError as err:
        assert not brute_force(graph), "solver gave up on a satisfiable graph"
        err.formatter = provider
        assert str(err).startswith("No solution found")
        assert "your requirements are unsatisfiable" in str(err)
        OUTCOMES["unsat"] = OUTCOMES.get("unsat", 0) + 1
    else:
        OUTCOMES["sat"] = OUTCOMES.get("sat", 0) + 1
        assert valid(graph, solution)
        assert reachable(graph, solution)


def test_both_outcomes_were_exercised() -> None:
    # Runs after the parametrized cases (same module, definition order).
    if len(OUTCOMES) == 2:
        assert OUTCOMES["sat"] > 10 and OUTCOMES["unsat"] > 10
