"""Markers as uv writes them: a decision diagram in uv's variable order, read back as DNF.

uv keeps every marker as a reduced ordered decision diagram and prints it by walking the
diagram's paths to ``true`` (``uv-pep508``'s marker algebra and DNF export). Two equivalent
markers then print alike, and the order of ``or`` and ``and`` terms, the spelling of version
ranges (``python_full_version == '3.10.*'``, ``!= '3.8.*'``, ``> '3.9'``) and what drops out
under ``requires-python`` follow from the diagram's shape. :func:`dnf_to_text` rebuilds that
shape from a :data:`sula.resolver.markers.Dnf` and writes it the same way (our code, after
uv's documented behaviour):

- variables in uv's order: string variables first (``os_name``, ``sys_platform``,
  ``platform_system``, ``platform_machine``, ``platform_python_implementation``,
  ``platform_release``, ``platform_version``, ``implementation_name``), then the version
  variables (``implementation_version``, ``python_full_version``), then ``in``/``contains``
  tests, then extras; a node's edges are intervals of its variable's values, in order;
- ``requires-python`` simplification: at each Python node the edges outside the supported
  range are dropped and the outermost remaining ones extended to infinity;
- the DNF is the diagram's paths to ``true``, where edges to one child are joined first; a
  path's interval is written as ``!=`` terms when it is everything but some points, as
  ``!= 'X.Y.*'`` or ``== 'X.Y.*'`` when it is (the complement of) one minor release, else by
  its bounds; then a term made redundant by another clause (``A or (not A and B)``) is
  dropped, then clauses implied by others; terms are sorted by variable (uv's expression
  kinds: versions, then strings by name, then extras) and clauses by their variables' lists.
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
_NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", "<=": ">", ">": "<=",
           "==*": "!=*", "!=*": "==*", "in": "not in", "not in": "in"}
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

    def to_dnf(self, i: int) -> list[list[Term]]:
        """uv's simplified, sorted DNF of node ``i`` (not a terminal)."""
        dnf: list[list[Term]] = []
        self._collect(i, dnf, [])
        while True:
            before = sum(map(len, dnf)) + len(dnf)
            _simplify(dnf)
            if sum(map(len, dnf)) + len(dnf) == before:
                break
        for clause in dnf:
            clause.sort(key=lambda t: t[0])
        dnf.sort(key=lambda clause: [t[0] for t in clause])
        return dnf

    def _collect(self, i: int, dnf: list[list[Term]], path: list[Term]) -> None:
        if i == FALSE_ID:
            return
        if i == TRUE_ID:
            if path:
                dnf.append(list(path))
            return
        var, edges = self._nodes[i]
        children = [c for _lo, _hi, c in edges] if var[0] in _RANGE_GROUPS else list(edges)
        # What holds whichever way this variable goes is written once, without it; each
        # edge then writes only what it adds (uv's output reads `a or (b and c)`, not
        # `(b and a) or (not b and a) or (b and c)`).
        common = TRUE_ID
        for child in children:
            common = self.and_(common, child)
        if common != FALSE_ID:
            self._collect(common, dnf, path)
            rest = self.not_(common)
        if var[0] in _RANGE_GROUPS:
            # Edges to one child are joined first (uv's collect_edges), in first-seen order.
            groups: dict[int, list[tuple[Bound, Bound]]] = {}
            for lo, hi, c in edges:
                groups.setdefault(c, []).append((lo, hi))
            for child, intervals in groups.items():
                if common != FALSE_ID:
                    child = self.and_(child, rest)
                    if child == FALSE_ID:
                        continue
                for terms in _interval_terms(var, _joined(intervals)):
                    path.extend(terms)
                    self._collect(child, dnf, path)
                    del path[len(path) - len(terms):]
            return
        for child, value in ((edges[0], True), (edges[1], False)):
            if common != FALSE_ID:
                child = self.and_(child, rest)
            path.append(_bool_term(var, value))
            self._collect(child, dnf, path)
            path.pop()


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


def _is_negation(a: Term, b: Term) -> bool:
    if a[1] != b[1] or a[0] != b[0] or a[3] != b[3]:
        return False
    if a[2] in ("contains", "not contains"):
        return {a[2], b[2]} == {"contains", "not contains"}
    if a[2] in ("true", "false"):
        return a[2] != b[2]
    return _NEGATE.get(a[2]) == b[2]


def _kept(clause: list[Term], term: Term, redundant: list[int]) -> bool:
    """``term`` is in ``clause`` (its first place) and not already found redundant there."""
    for k, x in enumerate(clause):
        if x == term:
            return k not in redundant
    return False


def _simplify(dnf: list[list[Term]]) -> None:
    """uv's DNF simplification: terms redundant given another clause, then redundant
    clauses (quadratic, on output only)."""
    for i in range(len(dnf)):
        clause = dnf[i]
        redundant: list[int] = []
        for skipped, term in enumerate(clause):
            for j, other in enumerate(dnf):
                if i == j:
                    continue
                if all(t != term and (_is_negation(t, term) or _kept(clause, t, redundant))
                       for t in other):
                    redundant.append(skipped)
                    break
        for k in sorted(redundant, reverse=True):
            del dnf[i][k]
    dropped: list[int] = []
    for i in range(len(dnf)):
        for j, other in enumerate(dnf):
            if i == j or j in dropped:
                continue
            if all(t in dnf[i] for t in other):
                dropped.append(i)
                break
    for i in reversed(dropped):
        del dnf[i]


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


def _clause_text(clause: list[Term], nested: bool) -> str:
    text = " and ".join(map(_term_text, clause))
    return f"({text})" if nested and len(clause) > 1 else text


def _or_text(clauses: list[list[Term]]) -> str:
    return " or ".join(_clause_text(c, len(clauses) > 1) for c in clauses)


def _common(clauses: list[list[Term]], suffix: bool) -> int:
    """How many leading (trailing when ``suffix``) terms all ``clauses`` share, leaving each
    at least one of its own."""
    n = min(len(c) for c in clauses) - 1
    k = 0
    while k < n and all((c[-1 - k] if suffix else c[k]) == (clauses[0][-1 - k] if suffix
                                                             else clauses[0][k])
                        for c in clauses):
        k += 1
    return k


def _dnf_text(dnf: list[list[Term]]) -> str:
    """uv's text: consecutive clauses that share leading terms are written
    ``shared and (rest or rest)``, those that share trailing ones ``(rest or rest) and
    shared`` (leading terms first); with no such run each clause of several terms is
    parenthesized, else no clause of the top-level ``or`` is."""
    if len(dnf) == 1:
        return _clause_text(dnf[0], False)
    items: list[tuple[bool | None, int, list[list[Term]]]] = []
    i = 0
    while i < len(dnf):
        for suffix in (False, True):
            j = i + 1
            while j < len(dnf) and _common(dnf[i:j + 1], suffix) > 0:
                j += 1
            if j - i >= 2:
                items.append((suffix, _common(dnf[i:j], suffix), dnf[i:j]))
                break
        else:
            items.append((None, 0, [dnf[i]]))
            j = i + 1
        i = j
    grouped = any(suffix is not None for suffix, _k, _run in items)
    parts: list[str] = []
    for kind, k, run in items:
        if kind is None:
            parts.append(_clause_text(run[0], not grouped))
        elif kind:
            shared = " and ".join(map(_term_text, run[0][-k:]))
            parts.append(f"({_or_text([c[:-k] for c in run])}) and {shared}")
        else:
            shared = " and ".join(map(_term_text, run[0][:k]))
            parts.append(f"{shared} and ({_or_text([c[k:] for c in run])})")
    return " or ".join(parts)


# -- from sula's DNF ----------------------------------------------------------------------


def _string_var(name: str) -> tuple[Any, ...]:
    name = _ALIASES.get(name, name)
    if name in _STRING_ORDER:
        return (1, _STRING_ORDER.index(name), name)
    return (1, len(_STRING_ORDER), name)


def _constraint_node(b: DiagramBuilder, key: str, cons: Any) -> int:
    if key == "python":
        return b.atom(_PYTHON_VAR, list(cons.segments()))
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
