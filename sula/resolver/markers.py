"""PEP 508 markers as sets of environments, for universal resolution.

A universal resolution keeps every dependency whose marker can be true for some
environment the project supports, and writes each pin with the environments that
need it (``colorama==0.4.6 ; sys_platform == 'win32'``). :class:`MarkerAlgebra` turns a
marker into a :data:`Dnf` (an OR of ANDs) over one Python range (the project's
requires-python, or one fork's slice of it), combines them, simplifies them, and
writes them back as text the way uv prints them (``python_full_version < '3.13'``).

- ``python_version``/``python_full_version`` comparisons become one range of Python
  versions per conjunction (``python_version <= '3.9'`` is ``python_full_version < '3.10'``).
- ``==``/``!=`` on the other variables become allowed or excluded value sets.
- ``extra`` is decided exactly (a dependency of ``foo[bar]`` sees ``extra == 'bar'``).
- Anything else (``in``, ``<`` on strings) stays an opaque atom, kept as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

from packaging.version import InvalidVersion, Version

from sula.resolver.pubgrub.range import Range

if TYPE_CHECKING:
    from sula.resolver.marker_text import DiagramBuilder

__all__ = ["FALSE", "TRUE", "Dnf", "MarkerAlgebra"]

# A constraint on one key: a Range (key "python"), ("in"|"not", values) for string
# variables, or ("opaque",) for an atom kept as text (key "~<text>").
Constraint: TypeAlias = Any
Conj: TypeAlias = tuple[tuple[str, Constraint], ...]  # sorted by key
Dnf: TypeAlias = tuple[Conj, ...]

FALSE: Dnf = ()
TRUE: Dnf = ((),)

_PY = "python"
_VERSION_VARS = ("python_version", "python_full_version")
# uv's: the `platform_system` values that are exactly one `sys_platform` value.
_SYSTEMS = {"Windows": "win32", "Darwin": "darwin", "Linux": "linux", "AIX": "aix",
            "Emscripten": "emscripten", "Android": "android"}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _next_minor(v: Version) -> Version:
    major, minor = (*v.release, 0)[:2]
    return Version(f"{major}.{minor + 1}")


def _python_range(var: str, op: str, text: str) -> Range[Any] | None:
    """The ``python_full_version`` range of ``var op text``, or None if not expressible."""
    try:
        if var == "python_version" and "*" not in text:
            v = Version(text)
            nxt = _next_minor(v)
            match op:
                case "<":
                    return Range.strictly_lower_than(v)
                case "<=":
                    return Range.strictly_lower_than(nxt)
                case ">":
                    return Range.higher_than(nxt)
                case ">=":
                    return Range.higher_than(v)
                case "==":
                    return Range.between(v, nxt)
                case "!=":
                    return Range.between(v, nxt).complement()
            return None
        v = Version(text.removesuffix(".*"))
        if text.endswith(".*"):
            block = Range.between(v, _next_minor(v))
            return block if op == "==" else block.complement() if op == "!=" else None
        match op:
            case "<":
                return Range.strictly_lower_than(v)
            case "<=":
                return Range.lower_than(v)
            case ">":
                return Range.strictly_higher_than(v)
            case ">=":
                return Range.higher_than(v)
            case "==":
                return Range.singleton(v)
            case "!=":
                return Range.singleton(v).complement()
    except (InvalidVersion, ValueError):
        return None
    return None


def _subset(key: str, a: Constraint, b: Constraint) -> bool:
    if key == _PY:
        return a.is_subset(b) is True
    if key.startswith("~"):
        return True
    (ka, va), (kb, vb) = a, b
    if ka == "in":
        return bool(va <= vb) if kb == "in" else not (va & vb)
    return kb == "not" and bool(vb <= va)


def _intersect(key: str, a: Constraint, b: Constraint) -> Constraint | None:
    """``a and b``; None when nothing satisfies both."""
    if key == _PY:
        r = a.intersection(b)
        return None if r.is_empty() else r
    if key.startswith("~"):
        return a
    (ka, va), (kb, vb) = a, b
    if ka == "in" and kb == "in":
        both = va & vb
        return ("in", both) if both else None
    if ka == "in" or kb == "in":
        allowed, excluded = (va, vb) if ka == "in" else (vb, va)
        rest = allowed - excluded
        return ("in", rest) if rest else None
    return ("not", va | vb)


def _union(key: str, a: Constraint, b: Constraint) -> Constraint | None:
    """``a or b`` as one constraint; None when that allows everything."""
    if key == _PY:
        r = a.union(b)
        return None if r.is_full() else r
    if key.startswith("~"):
        return a
    (ka, va), (kb, vb) = a, b
    if ka == "in" and kb == "in":
        return ("in", va | vb)
    if ka == "not" and kb == "not":
        common = va & vb
        return ("not", common) if common else None
    allowed, excluded = (va, vb) if ka == "in" else (vb, va)
    rest = excluded - allowed
    return ("not", rest) if rest else None


class MarkerAlgebra:
    """Markers over the Python versions in ``python`` (a Range of full versions)."""

    def __init__(self, python: Range[Any], restrict: Dnf = TRUE) -> None:
        self.python = python
        # A fork on other markers (``sys_platform == 'win32'``): every marker is read within it,
        # so requirements whose markers exclude it are false here.
        self.restrict = restrict
        self._cache: dict[tuple[str, str], Dnf] = {}
        self._diagram: DiagramBuilder | None = None

    # -- building ---------------------------------------------------------------------

    def from_marker(self, marker: object, extra: str = "") -> Dnf:
        """The environments where ``marker`` (a ``packaging.markers.Marker``) holds."""
        if marker is None:
            return TRUE
        key = (str(marker), extra)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._expr(marker._markers, extra)  # type: ignore[attr-defined]
            if self.restrict != TRUE:
                hit = self.and_(hit, self.restrict)
            self._cache[key] = hit
        return hit

    def not_(self, dnf: Dnf) -> Dnf | None:
        """The environments where ``dnf`` does not hold; None when it holds an atom kept as
        text (its negation is not expressible here)."""
        out: Dnf = TRUE
        for conj in dnf:
            negated: Dnf = FALSE
            for key, cons in conj:
                if key.startswith("~"):
                    return None
                if key == _PY:
                    part = self._conj({_PY: cons.complement()})
                else:
                    kind, values = cons
                    part = ((((key, ("not" if kind == "in" else "in", values)),)),)
                negated = self.or_(negated, part)
            out = self.and_(out, negated)
        return out

    def _expr(self, items: list[Any], extra: str) -> Dnf:
        result: Dnf = FALSE
        current: Dnf = TRUE
        for item in items:
            if item == "or":
                result = self.or_(result, current)
                current = TRUE
            elif item == "and":
                continue
            elif isinstance(item, list):
                current = self.and_(current, self._expr(item, extra))
            else:
                current = self.and_(current, self._atom(item, extra))
        return self.or_(result, current)

    def _atom(self, atom: tuple[Any, Any, Any], extra: str) -> Dnf:
        from sula.distribution.names import canonicalize_name

        lhs, op_obj, rhs = atom
        op = str(op_obj.value)
        if type(lhs).__name__ == "Variable":
            var, value = str(lhs.value), str(rhs.value)
        else:
            var, value = str(rhs.value), str(lhs.value)
            op = _FLIP.get(op, op)
            if op not in _FLIP:
                return self._opaque(atom)
        if var == "extra":
            if op not in ("==", "!="):
                return self._opaque(atom)
            same = canonicalize_name(value) == canonicalize_name(extra) if extra else False
            return TRUE if same == (op == "==") else FALSE
        if var in _VERSION_VARS:
            rng = _python_range(var, op, value)
            if rng is None:
                return self._opaque(atom)
            return self._conj({_PY: rng})
        if var == "platform_system" and value in _SYSTEMS and op in ("==", "!="):
            # The same fact as uv spells it: `platform_system == 'Windows'` is win32.
            var, value = "sys_platform", _SYSTEMS[value]
        if op == "==":
            return ((((var, ("in", frozenset([value]))),)),)
        if op == "!=":
            return ((((var, ("not", frozenset([value]))),)),)
        return self._opaque(atom)

    def _opaque(self, atom: tuple[Any, Any, Any]) -> Dnf:
        lhs, op, rhs = atom
        text = f"{lhs.serialize()} {op.serialize()} {rhs.serialize()}"
        return ((((f"~{text}", ("opaque",)),)),)

    def python_range(self, rng: Range[Any]) -> Dnf:
        """The environments whose Python is in ``rng``."""
        return self._conj({_PY: rng})

    def _conj(self, parts: dict[str, Constraint]) -> Dnf:
        py = parts.get(_PY)
        if py is not None:
            py = py.intersection(self.python)
            if py.is_empty():
                return FALSE
            if self.python.is_subset(py):
                del parts[_PY]
            else:
                parts[_PY] = py
        return (_sorted(parts.items()),)

    # -- combining --------------------------------------------------------------------

    def and_(self, a: Dnf, b: Dnf) -> Dnf:
        if a == TRUE:
            return b
        if b == TRUE:
            return a
        out: list[Conj] = []
        for ca in a:
            for cb in b:
                merged: dict[str, Constraint] = dict(ca)
                ok = True
                for key, cons in cb:
                    have = merged.get(key)
                    if have is None:
                        merged[key] = cons
                        continue
                    both = _intersect(key, have, cons)
                    if both is None:
                        ok = False
                        break
                    merged[key] = both
                if ok:
                    out.extend(self._conj(merged))
        return self.simplify(out)

    def or_(self, a: Dnf, b: Dnf) -> Dnf:
        if a == TRUE or b == TRUE:
            return TRUE
        if not a:
            return b
        if not b:
            return a
        return self.simplify([*a, *b])

    def simplify(self, conjs: Iterable[Conj]) -> Dnf:
        """Drop duplicates and conjunctions implied by others; merge pairs that differ
        in one variable (``sys_platform == 'win32' or sys_platform != 'win32'`` is true)."""
        items = list(dict.fromkeys(conjs))
        changed = True
        while changed:
            changed = False
            if any(not c for c in items):
                return TRUE
            for i, ci in enumerate(items):
                for j, cj in enumerate(items):
                    if i != j and _implies(ci, cj):
                        del items[i]
                        changed = True
                        break
                if changed:
                    break
            if changed:
                continue
            # A or (not-A and B) is A or B: drop from a conjunction the constraint that
            # a one-constraint alternative completes to "anything".
            for i, ci in enumerate(items):
                if len(ci) != 1:
                    continue
                key, cons = ci[0]
                for j, cj in enumerate(items):
                    other = dict(cj)
                    if i == j or key not in other or key.startswith("~"):
                        continue
                    both = _union(key, cons, other[key])
                    if both is None or (key == _PY and self.python.is_subset(both)):
                        del other[key]
                        items[j] = _sorted(other.items())
                        changed = True
                        break
                if changed:
                    break
            if changed:
                continue
            for i in range(len(items)):
                for j in range(i + 1, len(items)):
                    merged = self._merge(items[i], items[j])
                    if merged is not None:
                        items[i] = merged
                        del items[j]
                        changed = True
                        break
                if changed:
                    break
        return tuple(sorted(items, key=_conj_key))

    def _merge(self, a: Conj, b: Conj) -> Conj | None:
        da, db = dict(a), dict(b)
        if da.keys() != db.keys():
            return None
        diff = [k for k in da if da[k] != db[k]]
        if len(diff) != 1:
            return None
        key = diff[0]
        if key.startswith("~"):
            return None
        both = _union(key, da[key], db[key])
        if both is not None and key == _PY and self.python.is_subset(both):
            both = None
        if both is None:
            del da[key]
        else:
            da[key] = both
        return _sorted(da.items())

    def is_false(self, dnf: Dnf) -> bool:
        return not dnf

    # -- text -------------------------------------------------------------------------

    def to_text(self, dnf: Dnf) -> str | None:
        """uv's spelling of ``dnf`` (:mod:`sula.resolver.marker_text`), with the Pythons
        below this algebra's range taken as unsupported; None when it is always true."""
        if dnf == TRUE:
            return None
        from sula.resolver.marker_text import DiagramBuilder, dnf_to_text

        if self._diagram is None:
            self._diagram = DiagramBuilder()
        return dnf_to_text(self._diagram, dnf, self.python.lowest())


def _sorted(items: Iterable[tuple[str, Constraint]]) -> Conj:
    """A conjunction in uv's order: the Python version first, then variables by name."""
    return tuple(sorted(items, key=lambda kc: (kc[0] != _PY, kc[0])))


def _implies(a: Conj, b: Conj) -> bool:
    """Every environment in ``a`` is in ``b``."""
    da = dict(a)
    for key, cons in b:
        have = da.get(key)
        if have is None or not _subset(key, have, cons):
            return False
    return True


def _conj_key(conj: Conj) -> tuple[Any, ...]:
    out: list[Any] = []
    for key, cons in conj:
        if key == _PY:
            low = cons.lowest()
            out.append((0, "", str(low) if low is not None else ""))
        else:
            out.append((1, key, repr(cons)))
    return tuple(out)
