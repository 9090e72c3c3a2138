"""PEP 440 specifiers as version ranges, and ranges back to readable specifier text."""

from __future__ import annotations

__all__ = ["format_range", "range_from_specifier"]

from typing import TYPE_CHECKING, Any

from .range import Range

if TYPE_CHECKING:
    from packaging.specifiers import Specifier, SpecifierSet
    from packaging.version import Version

# Semantics follow packaging 26 (and uv), checked against ``SpecifierSet.contains``
# with ``prereleases=True`` by the tests; whether pre-releases are *wanted* is the
# provider's policy, not the set's:
#   ==V        public(x) == V, so ``==1.0`` holds ``1.0+local``; ``==V+l`` is exactly V+l
#   !=V        complement of ==V
#   ==V.* / !=V.*   [V.dev0, bump(V).dev0) and its complement
#   <V         below V.dev0 when V is not a pre-release, so ``<2.0`` excludes 2.0rc1
#   <=V        up to and including every ``V+local``
#   >V         above every ``V+local`` and, when V is neither a post nor a dev
#              release, every post-release of V: ``>1.0`` excludes 1.0.post1
#   >=V        from V up
#   ~=V        >=V and ==prefix.*
#   ===S       the version S parses to (an exact string match in PEP 440; a string that
#              is not a PEP 440 version gives the empty set)

_LOCAL = 0  # above every V+local, below the next public version
_POST = 1  # above every post-release (and local) of V, below the next release


class _Ceiling:
    """A point between versions: just above a family of versions of ``version``.

    ``_LOCAL``: above V and all ``V+local``. ``_POST``: above V, its locals, and all
    of its post-releases (with their dev and local variants). Compares with
    ``packaging`` versions through the reflected operators, which ``Version`` leaves
    to us by returning NotImplemented.
    """

    __slots__ = ("kind", "version")

    def __init__(self, version: Version, kind: int) -> None:
        self.version = version
        self.kind = kind

    def covers(self, x: Any) -> bool:
        """True if ``x`` (a Version) lies below this ceiling."""
        v = self.version
        if isinstance(x, _Ceiling):
            return x < self
        if x <= v:
            return True
        if self.kind == _LOCAL:
            if x.local is None:
                return False
            return _public(x) <= v
        if x.local is None and x.post is None:
            return False
        return _strip_post(x) <= v

    def _lt(self, other: _Ceiling) -> bool:
        v1, v2 = self.version, other.version
        if v1 == v2:
            return self.kind < other.kind
        if v1 < v2:
            # v2's family may still sit inside our post family (v2 = v1.postN).
            return not (self.kind == _POST and self.covers(v2))
        return other.kind == _POST and other.covers(v1)

    def __lt__(self, other: object) -> bool:
        if isinstance(other, _Ceiling):
            return self._lt(other)
        return not self.covers(other)

    def __gt__(self, other: object) -> bool:
        if isinstance(other, _Ceiling):
            return other._lt(self)
        return self.covers(other)

    def __le__(self, other: object) -> bool:
        return self == other or self.__lt__(other)

    def __ge__(self, other: object) -> bool:
        return self == other or self.__gt__(other)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Ceiling):
            return self.kind == other.kind and self.version == other.version
        return False

    def __hash__(self) -> int:
        return hash((self.kind, self.version))

    def __repr__(self) -> str:
        return f"_Ceiling({self.version}, {'local' if self.kind == _LOCAL else 'post'})"


def _public(x: Version) -> Version:
    from packaging.version import Version

    return Version(x.public)


def _strip_post(x: Version) -> Version:
    """``x`` without its local, post and (post-attached) dev segments."""
    from packaging.version import Version

    text = ".".join(str(n) for n in x.release)
    if x.epoch:
        text = f"{x.epoch}!{text}"
    if x.pre is not None:
        text += f"{x.pre[0]}{x.pre[1]}"
    if x.post is None and x.dev is not None:
        text += f".dev{x.dev}"
    return Version(text)


def _dev0(v: Version) -> Version:
    """The lowest version sharing ``v``'s public text: ``v.dev0``."""
    from packaging.version import Version

    return Version(f"{v.public}.dev0")


def _bump(epoch: int, release: tuple[int, ...]) -> Version:
    from packaging.version import Version

    rel = (*release[:-1], release[-1] + 1)
    text = ".".join(map(str, rel))
    return Version(f"{epoch}!{text}" if epoch else text)


def _prefix_range(text: str) -> Range[Any]:
    """``==text.*``: every version whose release starts with ``text``'s release."""
    from packaging.version import Version

    base = Version(text)
    low = _dev0(Version(f"{base.epoch}!{'.'.join(map(str, base.release))}"))
    high = _dev0(_bump(base.epoch, base.release))
    return Range(False, ((low, 0), (high, 0)))


def _equal_range(v: Version) -> Range[Any]:
    if v.local is not None:
        return Range.singleton(v)
    return Range(False, ((v, 0), (_Ceiling(v, _LOCAL), 0)))


def _range_for(spec: Specifier) -> Range[Any]:
    from packaging.version import InvalidVersion, Version

    op, text = spec.operator, spec.version
    if op == "===":
        try:
            return Range.singleton(Version(text))
        except InvalidVersion:
            return Range.empty()
    if text.endswith(".*"):
        r = _prefix_range(text[:-2])
        return r if op == "==" else r.complement()
    v = Version(text)
    if op == "==":
        return _equal_range(v)
    if op == "!=":
        return _equal_range(v).complement()
    if op == ">=":
        return Range(False, ((v, 0),))
    if op == "<=":
        return Range(True, ((_Ceiling(v, _LOCAL), 0),))
    if op == "<":
        if v.is_prerelease:
            return Range(True, ((v, 0),))
        return Range(True, ((_dev0(v), 0),))
    if op == ">":
        if v.post is None and v.dev is None:
            return Range(False, ((_Ceiling(v, _POST), 0),))
        return Range(False, ((_Ceiling(v, _LOCAL), 0),))
    if op == "~=":
        prefix = ".".join(map(str, v.release[:-1]))
        if v.epoch:
            prefix = f"{v.epoch}!{prefix}"
        return Range(False, ((v, 0),)).intersection(_prefix_range(prefix))
    raise ValueError(f"Unknown specifier operator `{op}`")


def range_from_specifier(spec: SpecifierSet | Specifier | str) -> Range[Any]:
    """The set of versions a PEP 440 specifier (set) allows, pre-releases included.

    ``spec`` is a ``SpecifierSet``, a single ``Specifier``, or their text; an empty
    set means every version.
    """
    from packaging.specifiers import Specifier, SpecifierSet

    if isinstance(spec, str):
        spec = SpecifierSet(spec)
    if isinstance(spec, Specifier):
        return _range_for(spec)
    result: Range[Any] = Range.full()
    for item in spec:
        result = result.intersection(_range_for(item))
    return result


# -- display ------------------------------------------------------------------------


def _is_version(p: object) -> bool:
    return hasattr(p, "release") and hasattr(p, "dev") and hasattr(p, "public")


def _lower(p: Any, side: int) -> str:
    if isinstance(p, _Ceiling):
        return f">{p.version}"
    return f">={p}" if side == 0 else f">{p}"


def _upper(p: Any, side: int) -> str:
    if isinstance(p, _Ceiling):
        return f"<={p.version}"
    if side == 1:
        return f"<={p}"
    if _is_version(p) and p.dev == 0 and p.local is None:
        # ``<2.0`` is stored as "below 2.0.dev0": show what the user wrote.
        text = str(p)
        if text.endswith(".dev0"):
            return f"<{text[:-5]}"
    return f"<{p}"


def _segment(lo: tuple[Any, int] | None, hi: tuple[Any, int] | None) -> str:
    if lo is None and hi is None:
        return "*"
    if lo is None:
        assert hi is not None
        return _upper(*hi)
    if hi is None:
        return _lower(*lo)
    (p, s), (q, t) = lo, hi
    if s == 0 and t == 1 and (p is q or p == q):
        return f"=={p}"
    if isinstance(q, _Ceiling) and q.kind == _LOCAL and q.version == p:
        # [V, V+any local] is ==V; (V, V+any local] only V's local versions.
        return f"=={p}" if s == 0 else f"=={p}+*"
    if (
        s == 0
        and t == 0
        and _is_version(p)
        and _is_version(q)
        and p.dev == 0
        and q.dev == 0
        and p.pre is None
        and p.post is None
        and q.pre is None
        and q.post is None
        and p.local is None
        and q.local is None
        and p.epoch == q.epoch
        and p.release
        and q.release == (*p.release[:-1], p.release[-1] + 1)
    ):
        return f"=={'.'.join(map(str, p.release))}.*"
    return f"{_lower(p, s)},{_upper(q, t)}"


def format_range(r: Range[Any]) -> str:
    """Specifier-like text: ``>=1.0,<2.0``, ``==1.0``, ``!=1.0``, ``*`` (any), ``∅``
    (none); several intervals are joined with `` | ``."""
    cuts = r._cuts
    lo = r._lo
    if not cuts:
        return "*" if lo else "∅"
    # ``!=v`` and ``!=v.*``: the complement of one "equal" segment.
    if lo and len(cuts) == 2:
        inner = _segment(cuts[0], cuts[1])
        if inner.startswith("=="):
            return "!" + inner[1:]
    parts: list[str] = []
    start: tuple[Any, int] | None = None
    inside = lo
    for cut in cuts:
        if inside:
            parts.append(_segment(start, cut))
        else:
            start = cut
        inside = not inside
    if inside:
        parts.append(_segment(start, None))
    return " | ".join(parts)
