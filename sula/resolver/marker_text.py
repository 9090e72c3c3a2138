"""Markers as uv writes them: a decision diagram in uv's variable order, read back as DNF.

uv keeps every marker as a reduced ordered decision diagram and prints it by walking the
diagram's paths to ``true`` (``uv-pep508``'s marker algebra and DNF export). Two equivalent
markers then print alike, and the order of ``or`` and ``and`` terms, the spelling of version
ranges (``python_full_version == '3.10.*'``, ``!= '3.8.*'``, ``> '3.9'``) and what drops out
under ``requires-python`` follow from the diagram's shape. :func:`dnf_to_text` rebuilds that
shape from a :data:`sula.resolver.markers.Dnf` and writes it the same way. Our code: the
structure follows uv 0.12's published source; what uv 0.13.9 (the version sula is compared
with) changed was measured by comparing outputs (of 1,200 random markers, 1,134 read alike,
and 597 of the 600 with at most four variables and two levels):

- variables in uv 0.13.9's order: the version variables (``implementation_version``,
  ``python_full_version``) first, then the string variables (``os_name``, ``sys_platform``,
  ``platform_system``, ``platform_machine``, ``platform_python_implementation``,
  ``platform_release``, ``platform_version``, ``implementation_name``), then
  ``in``/``contains`` tests, then extras; a node's edges are intervals of its values;
- ``requires-python``: at each Python node the edges below the supported range are dropped
  and the lowest one left is extended downwards;
- the clauses are the diagram's paths to ``true``, one decision (a variable's values) per
  node, edges to one child joined; what holds whichever way a node goes is taken out first;
  then, until nothing changes, decisions a clause does not need are dropped, clauses that
  differ in one variable joined, and clauses the others cover dropped;
- a decision is written as ``!=`` terms when it is everything but some points, as
  ``!= 'X.Y.*'``/``== 'X.Y.*'`` for (the complement of) one minor release, else by its
  intervals' bounds, one clause per interval or value; terms are sorted by uv's expression
  kinds (versions, then strings by name, then extras) and clauses by their kinds;
- clauses with a common first part share it (``a and (b or c)``), first parts followed by
  the same rest are joined (``(a or b) and c``).
"""

from __future__ import annotations

import itertools
from typing import Any, TypeAlias

__all__ = ["DiagramBuilder", "dnf_to_text"]

# A bound is None (unbounded) or (value, inclusive); an edge is (lower, upper, child).
Bound: TypeAlias = "tuple[Any, bool] | None"
Edge: TypeAlias = "tuple[Bound, Bound, int]"
# A DNF term: (sort kind, variable name, operator, value); value is a Version, a str or None.
Term: TypeAlias = "tuple[tuple[int, int], str, str, Any]"
# One variable's alternative in a clause (``python_full_version >= '3.11' and
# python_full_version < '3.13'``), and one decision of a path: (variable, its values).
Atom: TypeAlias = "tuple[Term, ...]"
Unit: TypeAlias = "tuple[tuple[Any, ...], Any]"

FALSE_ID = 0
TRUE_ID = 1
# Variables are (group, order, name[, value]) in uv's order: 0 version, 1 string (both with
# interval edges), 2 `key in 'value'`, 3 `'value' in key`, 4 extra, 5 an atom kept as text
# (the last four with a true and a false edge).
_RANGE_GROUPS = (0, 1)

# uv's variable order for string variables (CanonicalMarkerValueString).
_STRING_ORDER = ("os_name", "sys_platform", "platform_system", "platform_machine",
                 "platform_python_implementation", "platform_release", "platform_version",
                 "implementation_name")
_ALIASES = {"os.name": "os_name", "sys.platform": "sys_platform",
            "platform.machine": "platform_machine", "platform.version": "platform_version",
            "platform.python_implementation": "platform_python_implementation",
            "python_implementation": "platform_python_implementation"}
# uv's expression kinds, the key its DNF terms are sorted by (MarkerExpressionKind).
_KIND_VERSION = {"implementation_version": 0, "python_full_version": 1}
_KIND_STRING = {name: i for i, name in enumerate(
    ("implementation_name", "os_name", "platform_machine", "platform_python_implementation",
     "platform_release", "platform_system", "platform_version", "sys_platform"))}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _max_lower(a: Bound, b: Bound) -> Bound:
    if a is None:
        return b
    if b is None or a[0] > b[0]:
        return a
    if a[0] < b[0]:
        return b
    return a if not a[1] else b  # at the same value the exclusive bound is the tighter


def _min_upper(a: Bound, b: Bound) -> Bound:
    if a is None:
        return b
    if b is None or a[0] < b[0]:
        return a
    if a[0] > b[0]:
        return b
    return a if not a[1] else b


def _is_empty(lo: Bound, hi: Bound) -> bool:
    if lo is None or hi is None:
        return False
    return bool(lo[0] > hi[0] or (lo[0] == hi[0] and not (lo[1] and hi[1])))


def _edges_of(intervals: list[tuple[Bound, Bound]]) -> tuple[Edge, ...]:
    """Edges over the whole domain: ``intervals`` (sorted, disjoint) true, the gaps false."""
    out: list[Edge] = []
    cur: Bound = None
    started = False
    for lo, hi in intervals:
        if lo is not None and (not started or cur is not None):
            gap_hi: Bound = (lo[0], not lo[1])
            if not _is_empty(cur, gap_hi):
                out.append((cur, gap_hi, FALSE_ID))
        out.append((lo, hi, TRUE_ID))
        started = True
        cur = None if hi is None else (hi[0], not hi[1])
        if hi is None:
            break
    else:
        if not started or cur is not None:
            out.append((cur, None, FALSE_ID))
    return tuple(out)


class DiagramBuilder:
    """Hash-consed decision nodes (so a function has one node) and their AND/OR."""

    def __init__(self) -> None:
        # Node ids index ``_nodes``; 0 and 1 are the terminals.
        self._nodes: list[tuple[Any, ...]] = [(), ()]
        self._unique: dict[tuple[Any, ...], int] = {}
        self._memo: dict[tuple[str, int, int], int] = {}

    # -- nodes ----------------------------------------------------------------------

    def node(self, var: tuple[Any, ...], edges: tuple[Any, ...]) -> int:
        """The node testing ``var``; range edges next to each other with one child are
        joined, and a node whose children are all one is that child."""
        if var[0] in _RANGE_GROUPS:  # range variables: (lower, upper, child) edges
            joined: list[Edge] = []
            for lo, hi, child in edges:
                if joined and joined[-1][2] == child:
                    joined[-1] = (joined[-1][0], hi, child)
                else:
                    joined.append((lo, hi, child))
            if len(joined) == 1:
                return joined[0][2]
            edges = tuple(joined)
        elif edges[0] == edges[1]:
            return edges[0]  # type: ignore[no-any-return]
        key = (var, edges)
        found = self._unique.get(key)
        if found is None:
            found = self._unique[key] = len(self._nodes)
            self._nodes.append(key)
        return found

    def var(self, i: int) -> tuple[Any, ...]:
        return self._nodes[i][0]  # type: ignore[no-any-return]

    def edges(self, i: int) -> tuple[Any, ...]:
        return self._nodes[i][1]  # type: ignore[no-any-return]

    def atom(self, var: tuple[Any, ...], intervals: list[tuple[Bound, Bound]]) -> int:
        """A range variable true on ``intervals``."""
        return self.node(var, _edges_of(intervals))

    def boolean(self, var: tuple[Any, ...], value: bool) -> int:
        return self.node(var, (TRUE_ID, FALSE_ID) if value else (FALSE_ID, TRUE_ID))

    # -- combining ------------------------------------------------------------------

    def and_(self, x: int, y: int) -> int:
        return self._apply("and", x, y)

    def or_(self, x: int, y: int) -> int:
        return self._apply("or", x, y)

    def _apply(self, op: str, x: int, y: int) -> int:
        if x == y:
            return x
        absorbing, neutral = (FALSE_ID, TRUE_ID) if op == "and" else (TRUE_ID, FALSE_ID)
        if absorbing in (x, y):
            return absorbing
        if x == neutral:
            return y
        if y == neutral:
            return x
        if x > y:
            x, y = y, x
        key = (op, x, y)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        vx, vy = self.var(x), self.var(y)
        if vx == vy:
            ex, ey = self.edges(x), self.edges(y)
            if vx[0] in _RANGE_GROUPS:
                out: list[Edge] = []
                for lo1, hi1, c1 in ex:
                    for lo2, hi2, c2 in ey:
                        lo, hi = _max_lower(lo1, lo2), _min_upper(hi1, hi2)
                        if not _is_empty(lo, hi):
                            out.append((lo, hi, self._apply(op, c1, c2)))
                result = self.node(vx, tuple(out))
            else:
                result = self.node(vx, (self._apply(op, ex[0], ey[0]),
                                        self._apply(op, ex[1], ey[1])))
        else:
            top, other = (x, y) if vx < vy else (y, x)
            result = self.map(top, lambda c: self._apply(op, c, other))
        self._memo[key] = result
        return result

    def not_(self, i: int) -> int:
        if i in (FALSE_ID, TRUE_ID):
            return TRUE_ID - i
        key = ("not", i, i)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self.map(i, self.not_)
        return hit

    def _children(self, i: int) -> list[int]:
        var, edges = self._nodes[i]
        return [c for _lo, _hi, c in edges] if var[0] in _RANGE_GROUPS else list(edges)

    def map(self, i: int, f: Any) -> int:
        var, edges = self._nodes[i]
        if var[0] in _RANGE_GROUPS:
            return self.node(var, tuple((lo, hi, f(c)) for lo, hi, c in edges))
        return self.node(var, (f(edges[0]), f(edges[1])))

    def simplify_python(self, i: int, lower: Bound) -> int:
        """``i`` where Pythons below ``lower`` are not supported (uv's
        ``simplify_python_versions`` for ``requires-python >= lower``): at each Python node,
        the edges below it are dropped and the lowest one left is extended downwards."""
        if i in (FALSE_ID, TRUE_ID) or lower is None:
            return i
        var, edges = self._nodes[i]
        if var != _PYTHON_VAR:
            return self.map(i, lambda c: self.simplify_python(c, lower))
        kept = [(lo, hi, c) for lo, hi, c in edges if not _is_empty(_max_lower(lo, lower), hi)]
        kept[0] = (None, kept[0][1], kept[0][2])
        return self.node(var, tuple(kept))

    # -- text -----------------------------------------------------------------------

    def to_dnf(self, i: int) -> list[list[Atom]]:
        """uv's clauses for node ``i`` (not a terminal), each a list of atoms (the terms of
        one variable's alternative), sorted as uv sorts them."""
        units: list[list[Unit]] = []
        self._collect(i, units, [])
        units = self._simplify(i, units)
        clauses: list[list[Atom]] = []
        for clause in units:
            choices = [_unit_atoms(unit) for unit in clause]
            for combo in itertools.product(*choices):
                clauses.append(sorted(combo, key=lambda atom: atom[0][0]))
        clauses.sort(key=lambda c: [t[0] for atom in c for t in atom])
        return clauses

    def _collect(self, i: int, out: list[list[Unit]], path: list[Unit]) -> None:
        """The diagram's paths to true, a unit (variable, values) per decision. What holds
        whichever way a variable goes is taken first, once, without that variable; each
        edge then adds only what it adds (uv's output reads `a or (b and c)`, not
        `(b and a) or (not b and a) or (b and c)`)."""
        if i == FALSE_ID:
            return
        if i == TRUE_ID:
            if path:
                out.append(list(path))
            return
        var, edges = self._nodes[i]
        common = TRUE_ID
        for child in self._children(i):
            common = self.and_(common, child)
        rest = TRUE_ID
        if common != FALSE_ID:
            self._collect(common, out, path)
            rest = self.not_(common)
        if var[0] in _RANGE_GROUPS:
            # Edges to one child are joined (uv's collect_edges), in first-seen order.
            groups: dict[int, list[tuple[Bound, Bound]]] = {}
            for lo, hi, c in edges:
                groups.setdefault(c, []).append((lo, hi))
            branches: list[tuple[Any, int]] = [(tuple(_joined(iv)), c) for c, iv in groups.items()]
        else:
            branches = [(True, edges[0]), (False, edges[1])]
        for value, child in branches:
            child = self.and_(child, rest)
            if child == FALSE_ID:
                continue
            path.append((var, value))
            self._collect(child, out, path)
            path.pop()

    def _unit_node(self, unit: Unit) -> int:
        var, value = unit
        if var[0] in _RANGE_GROUPS:
            return self.atom(var, list(value))
        return self.boolean(var, value)

    def _clause_node(self, clause: list[Unit]) -> int:
        node = TRUE_ID
        for unit in clause:
            node = self.and_(node, self._unit_node(unit))
        return node

    def _simplify(self, f: int, clauses: list[list[Unit]]) -> list[list[Unit]]:
        """Until nothing changes: drop each decision a clause does not need (the clause
        without it still implies ``f``), join two clauses that differ in one variable's
        values, and drop each clause the others cover."""
        outside = self.not_(f)
        while True:
            size = sum(map(len, clauses)) + len(clauses)
            for clause in clauses:
                k = 0
                while k < len(clause):
                    rest = clause[:k] + clause[k + 1:]
                    if rest and self.and_(self._clause_node(rest), outside) == FALSE_ID:
                        del clause[k]
                    else:
                        k += 1
            clauses = self._join(clauses)
            k = 0
            while k < len(clauses):
                others = FALSE_ID
                for j, other in enumerate(clauses):
                    if j != k:
                        others = self.or_(others, self._clause_node(other))
                if self.and_(self._clause_node(clauses[k]), self.not_(others)) == FALSE_ID:
                    del clauses[k]
                else:
                    k += 1
            if sum(map(len, clauses)) + len(clauses) == size:
                return clauses

    def _join(self, clauses: list[list[Unit]]) -> list[list[Unit]]:
        out: list[list[Unit]] = []
        for clause in clauses:
            for k, other in enumerate(out):
                joined = self._join_two(other, clause)
                if joined is not None:
                    out[k] = joined
                    break
            else:
                out.append(clause)
        return out

    def _join_two(self, a: list[Unit], b: list[Unit]) -> list[Unit] | None:
        if len(a) != len(b) or [u[0] for u in a] != [u[0] for u in b]:
            return None
        diff = [k for k in range(len(a)) if a[k][1] != b[k][1]]
        if len(diff) != 1:
            return None
        k = diff[0]
        var = a[k][0]
        both = self.or_(self._unit_node(a[k]), self._unit_node(b[k]))
        if both == TRUE_ID:
            return a[:k] + a[k + 1:]
        if var[0] not in _RANGE_GROUPS:
            return None
        intervals = tuple((lo, hi) for lo, hi, c in self.edges(both) if c == TRUE_ID)
        return [*a[:k], (var, intervals), *a[k + 1:]]


_PYTHON_VAR = (0, 1, "python_full_version")


def _joined(intervals: list[tuple[Bound, Bound]]) -> list[tuple[Bound, Bound]]:
    out: list[tuple[Bound, Bound]] = []
    for lo, hi in intervals:
        if out and out[-1][1] is not None and lo is not None and out[-1][1][0] == lo[0] \
                and out[-1][1][1] != lo[1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _unit_atoms(unit: Unit) -> list[Atom]:
    var, value = unit
    if var[0] in _RANGE_GROUPS:
        return [tuple(terms) for terms in _interval_terms(var, list(value))]
    return [(_bool_term(var, value),)]


def _version_text(v: Any) -> Any:
    """A Python version as uv writes it in a marker: release only, trailing zeros dropped."""
    from packaging.version import Version

    release = list(v.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    return Version(".".join(map(str, release)))


def _interval_terms(var: tuple[Any, ...], intervals: list[tuple[Bound, Bound]]
                    ) -> list[list[Term]]:
    """The conjunctions of terms that say ``var`` is in ``intervals`` (one per path)."""
    kind, name = _term_kind(var), var[2]
    is_version = var[0] == 0
    # Everything but some points: `!=` each of them.
    if intervals[0][0] is None and intervals[-1][1] is None and len(intervals) > 1:
        points: list[Any] = []
        for (_lo, hi), (lo, _hi) in itertools.pairwise(intervals):
            if hi is None or lo is None or hi[1] or lo[1] or hi[0] != lo[0]:
                points = []
                break
            points.append(hi[0])
        if points:
            return [[(kind, name, "!=", _version_text(p) if is_version else p) for p in points]]
    if is_version and len(intervals) == 2 and intervals[0][0] is None and intervals[1][1] is None:
        (_l, hi), (lo, _h) = intervals
        assert hi is not None and lo is not None
        if not hi[1] and lo[1]:
            star = _star(hi[0], lo[0], trim_high=False)
            if star is not None:
                return [[(kind, name, "!=*", star)]]
    out: list[list[Term]] = []
    for lo, hi in intervals:
        out.append(_bounds_terms(kind, name, lo, hi, is_version))
    return out


def _star(low: Any, high: Any, *, trim_high: bool) -> Any:
    """``X.Y`` when [low, high) is the minor release X.Y (``3.0`` for [3, 3.1))."""
    from packaging.version import Version

    lo = _version_text(low).release
    hi = (_version_text(high) if trim_high else high).release
    if len(lo) == 1 and tuple(hi) == (lo[0], 1):
        return Version(f"{lo[0]}.0")
    if len(lo) == 2 and tuple(hi) == (lo[0], lo[1] + 1):
        return Version(f"{lo[0]}.{lo[1]}")
    return None


def _bounds_terms(kind: tuple[int, int], name: str, lo: Bound, hi: Bound, is_version: bool
                  ) -> list[Term]:
    def value(v: Any) -> Any:
        return _version_text(v) if is_version else v

    if lo is not None and hi is not None and lo[1] and hi[1] and lo[0] == hi[0]:
        return [(kind, name, "==", value(lo[0]))]
    if not is_version and lo is not None and hi is not None and not lo[1] and not hi[1] \
            and lo[0] == hi[0]:
        return [(kind, name, "!=", lo[0])]
    if is_version and lo is not None and hi is not None and lo[1] and not hi[1]:
        star = _star(lo[0], hi[0], trim_high=True)
        if star is not None:
            return [(kind, name, "==*", star)]
    out: list[Term] = []
    if lo is not None:
        out.append((kind, name, ">=" if lo[1] else ">", value(lo[0])))
    if hi is not None:
        out.append((kind, name, "<=" if hi[1] else "<", value(hi[0])))
    return out


def _term_kind(var: tuple[Any, ...]) -> tuple[int, int]:
    group, _order, name = var[0], var[1], var[2]
    if group == 0:
        return (0, _KIND_VERSION.get(name, 0))
    if group in (1, 2, 3):
        return (2, _KIND_STRING.get(name, 0))
    if group == 4:
        return (4, 0)
    return (5, 0)


def _bool_term(var: tuple[Any, ...], value: bool) -> Term:
    group, name, arg = var[0], var[2], var[3]
    kind = _term_kind(var)
    if group == 2:  # `key in 'value'`
        return (kind, name, "in" if value else "not in", arg)
    if group == 3:  # `'value' in key`
        return (kind, name, "contains" if value else "not contains", arg)
    if group == 4:
        return (kind, "extra", "==" if value else "!=", arg)
    return (kind, arg, "true" if value else "false", None)  # an atom kept as text


def _term_text(term: Term) -> str:
    _kind, name, op, value = term
    if op in ("==*", "!=*"):
        return f"{name} {op[:2]} '{value}.*'"
    if op == "contains":
        return f"'{value}' in {name}"
    if op == "not contains":
        return f"'{value}' not in {name}"
    if op == "true":
        return name
    if op == "false":
        return f"not ({name})"
    return f"{name} {op} '{value}'"


def _atom_text(atom: Atom, nested: bool) -> str:
    text = " and ".join(map(_term_text, atom))
    return f"({text})" if nested and len(atom) > 1 else text


def _trie(clauses: list[list[Atom]]) -> dict[Atom, list[list[Atom]]]:
    """Clauses by their first atom, in first-seen order (a clause that is only that atom
    leaves nothing else under it)."""
    children: dict[Atom, list[list[Atom]]] = {}
    for clause in clauses:
        tails = children.setdefault(clause[0], [])
        if not clause[1:]:
            tails.clear()
            tails.append([])
        elif [] not in tails:
            tails.append(clause[1:])
    return children


def _and_text(keys: list[Atom], tails: list[list[Atom]]) -> str:
    """``keys`` (one atom, or several in an `or`) and then what ``tails`` say."""
    if len(keys) == 1:
        head = _atom_text(keys[0], False)
    else:
        head = "(" + " or ".join(_atom_text(k, True) for k in keys) + ")"
    if tails == [[]]:
        return head
    return f"{head} and {_inner_text(tails)}"


def _inner_text(clauses: list[list[Atom]]) -> str:
    children = _trie(clauses)
    if len(children) == 1:
        ((key, tails),) = children.items()
        return _and_text([key], tails)
    parts = []
    for key, tails in children.items():
        text = _and_text([key], tails)
        parts.append(f"({text})" if tails != [[]] or len(key) > 1 else text)
    return "(" + " or ".join(parts) + ")"


def _dnf_text(clauses: list[list[Atom]]) -> str:
    """uv's text: clauses with a common first atom share it (``a and (b or c)``); first
    atoms whose remainders are the same are joined (``(a or b) and c``); each clause of
    several terms is parenthesized in a plain `or`, none is in one that shares."""
    children = _trie(clauses)
    if len(children) == 1:
        ((key, tails),) = children.items()
        return _and_text([key], tails)
    items: list[tuple[list[Atom], list[list[Atom]]]] = []
    by_shape: dict[tuple[Any, ...], list[Atom]] = {}
    for key, tails in children.items():
        # Measured on uv: a first part of several terms is joined with others only when
        # what follows it has several clauses.
        if tails == [[]] or (len(tails) == 1 and len(key) > 1):
            items.append(([key], tails))
            continue
        shape = tuple(map(tuple, tails))
        keys = by_shape.get(shape)
        if keys is None:
            keys = by_shape[shape] = []
            items.append((keys, tails))
        keys.append(key)
    shared = any(len(keys) > 1 or len(tails) > 1 for keys, tails in items)
    parts = []
    for keys, tails in items:
        text = _and_text(keys, tails)
        several = len(keys) == 1 and (tails != [[]] or len(keys[0]) > 1)
        parts.append(f"({text})" if several and not shared else text)
    return " or ".join(parts)


# -- from sula's DNF ----------------------------------------------------------------------


def _string_var(name: str) -> tuple[Any, ...]:
    name = _ALIASES.get(name, name)
    if name in _STRING_ORDER:
        return (1, _STRING_ORDER.index(name), name)
    return (1, len(_STRING_ORDER), name)


def _constraint_node(b: DiagramBuilder, key: str, cons: Any) -> int:
    if key == "python":
        return b.atom(_PYTHON_VAR, [_python_bounds(seg) for seg in cons.segments()])
    if key.startswith("~"):
        return _opaque_node(b, key[1:])
    kind, values = cons
    if key == "implementation_version":
        from packaging.version import InvalidVersion, Version

        try:
            points = sorted({Version(v) for v in values})
        except InvalidVersion:
            points = None
        if points is not None:
            var: tuple[Any, ...] = (0, 0, "implementation_version")
            node = b.atom(var, [((p, True), (p, True)) for p in points])
            return node if kind == "in" else b.atom(var, _complement(points))
    var = _string_var(key)
    pts = sorted(values)
    return b.atom(var, [((p, True), (p, True)) for p in pts] if kind == "in" else _complement(pts))


def _python_bounds(seg: tuple[Bound, Bound]) -> tuple[Bound, Bound]:
    """A slice bound just above a release (a fork at an exclusive Requires-Python bound,
    ``resolver.python.just_above``) as the exclusive bound it stands for: ``> '3.9'``."""
    from sula.resolver.python import just_above_of

    lo, hi = seg
    if lo is not None and lo[1] and (base := just_above_of(lo[0])) is not None:
        lo = (base, False)
    if hi is not None and not hi[1] and (base := just_above_of(hi[0])) is not None:
        hi = (base, True)
    return lo, hi


def _complement(points: list[Any]) -> list[tuple[Bound, Bound]]:
    out: list[tuple[Bound, Bound]] = []
    lo: Bound = None
    for p in points:
        out.append((lo, (p, False)))
        lo = (p, False)
    out.append((lo, None))
    return out


def _opaque_node(b: DiagramBuilder, text: str) -> int:
    """An atom sula keeps as text: ``in``/``not in`` tests become uv's boolean variables,
    ordering comparisons of ``platform_release``/``platform_version`` string ranges."""
    parts = text.split(" ", 2)
    if len(parts) == 3 and parts[1] in ("in", "not"):
        lhs, op, rhs = parts
        if op == "not" and rhs.startswith("in "):
            rhs = rhs[3:]
        positive = op == "in"
        lq, rq = lhs[:1] in "'\"", rhs[:1] in "'\""
        if lq != rq:
            if rq:  # `key in 'value'`
                return b.boolean((2, _string_var(lhs)[1], _ALIASES.get(lhs, lhs), rhs[1:-1]),
                                 positive)
            return b.boolean((3, _string_var(rhs)[1], _ALIASES.get(rhs, rhs), lhs[1:-1]),
                             positive)
    if len(parts) == 3 and parts[1] in _FLIP:
        lhs, op, rhs = parts
        if rhs[:1] in "'\"" and lhs[:1] not in "'\"":
            name, value = _ALIASES.get(lhs, lhs), rhs[1:-1]
        elif lhs[:1] in "'\"" and rhs[:1] not in "'\"":
            name, value, op = _ALIASES.get(rhs, rhs), lhs[1:-1], _FLIP[op]
        else:
            name = ""
        if name in ("platform_release", "platform_version"):
            var = _string_var(name)
            ranges: dict[str, list[tuple[Bound, Bound]]] = {
                "<": [(None, (value, False))], "<=": [(None, (value, True))],
                ">": [((value, False), None)], ">=": [((value, True), None)]}
            if op in ranges:
                return b.atom(var, ranges[op])
    return b.boolean((5, 0, "", text), True)


def dnf_to_text(builder: DiagramBuilder, dnf: Any, lower: Any) -> str | None:
    """uv's text for ``dnf`` (a markers.Dnf) under ``requires-python >= lower`` (a Version,
    or None); None when it always holds."""
    if not dnf:
        return "python_version < '0'"
    node = FALSE_ID
    for conj in dnf:
        part = TRUE_ID
        for key, cons in conj:
            part = builder.and_(part, _constraint_node(builder, key, cons))
        node = builder.or_(node, part)
    node = builder.simplify_python(node, None if lower is None else (lower, True))
    if node == TRUE_ID:
        return None
    if node == FALSE_ID:
        return "python_version < '0'"
    return _dnf_text(builder.to_dnf(node))
