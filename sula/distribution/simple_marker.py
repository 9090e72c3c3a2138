"""Environment markers of the common shapes, parsed and evaluated without packaging's parser.

``packaging.markers`` pulls in packaging's tokenizer and parser (with ``dataclasses``) and
``packaging.utils`` → ``packaging.tags`` (``platform``, ``sysconfig``, ``subprocess``): ~15 ms
of an offline compile, whose markers are nearly all ``VARIABLE OP "literal"`` joined by
``and``/``or`` (``extra == "test"``, ``python_version < "3.11"``, ``sys_platform == "win32"``).
:func:`parse_simple_marker` reads those and gives a :class:`SimpleMarker` that evaluates as
packaging evaluates them; anything else (another shape, a set-valued variable, a comparison
packaging leaves undefined, an environment without the variable) goes to packaging, which also
decides what is invalid. The rules copied are those of the packaging release named in
``_SAME_AS`` (tests/unit/distribution/test_simple_marker.py checks them against it); with
another release every marker goes to packaging.

Its parse tree has the shape of packaging's (``Marker._markers``), so ``str()`` (packaging's
normal form), equality and hashing are those of packaging's ``Marker`` of the same text; the
tree itself (the resolver's marker algebra reads it) comes from one made on first use.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packaging.markers import Marker

__all__ = ["SimpleMarker", "parse_simple_marker", "split_simple_requirement"]

# The common shapes of a requirement (``name[extras] (>=1,<2) ; marker``, no URL), split
# without packaging's parser; anything else goes to packaging's ``Requirement`` (which also
# decides what is invalid). Two splitters that give the same answers (a property test checks
# them on generated texts): one by hand, for the first ``_BY_HAND`` texts of a process, and a
# regex, compiled after those: its compile costs ~0.85 ms, a call of it ~1.2 us against the
# hand splitter's ~2.3 us, so an offline compile of trio.in (117 texts) never compiles it and
# one of requirements.in (1,776) does early.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_SPEC = r"(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+"
_REQUIREMENT_RE: re.Pattern[str] | None = None
_BY_HAND = 256
_split_calls = 0
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_NAME_CHARS = _ALNUM | frozenset("._-")
_VALUE_CHARS = _ALNUM | frozenset(".*+!_-")
_OPERATORS_FIRST = ("~=", "===", "==", "!=", "<=", ">=", "<", ">")


def _skip_space(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i].isspace():  # what a regex's \s matches
        i += 1
    return i


def _name_end(text: str, i: int) -> int:
    """The end of a name starting at ``i`` (``[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?``), or -1.

    Only the longest run can be followed by what may follow a name here, so a run that does
    not end in a letter or digit is no name."""
    n = len(text)
    if i >= n or text[i] not in _ALNUM:
        return -1
    j = i + 1
    while j < n and text[j] in _NAME_CHARS:
        j += 1
    return j if text[j - 1] in _ALNUM else -1


def _specs_end(text: str, i: int) -> int:
    """The end of ``SPEC (, SPEC)*`` starting at ``i`` (a SPEC: an operator, spaces, then
    ``[A-Za-z0-9.*+!_-]+``), or -1."""
    n = len(text)
    while True:
        for op in _OPERATORS_FIRST:
            if text.startswith(op, i):
                break
        else:
            return -1
        j = _skip_space(text, i + len(op))
        start = j
        while j < n and text[j] in _VALUE_CHARS:
            j += 1
        if j == start:
            return -1
        k = _skip_space(text, j)
        if k < n and text[k] == ",":
            i = _skip_space(text, k + 1)
            continue
        return j


def split_simple_requirement(text: str) -> tuple[str, str | None, str, str | None] | None:
    """``(name, extras text, specifier text, marker text)`` of a requirement of the common
    shapes (its extras comma-separated, its specifiers without parentheses), or None."""
    global _split_calls
    if _split_calls < _BY_HAND:
        _split_calls += 1
        return _split_by_hand(text)
    return _split_by_regex(text)


def _split_by_regex(text: str) -> tuple[str, str | None, str, str | None] | None:
    global _REQUIREMENT_RE
    if _REQUIREMENT_RE is None:
        _REQUIREMENT_RE = re.compile(
            rf"\s*({_NAME})\s*"
            rf"(?:\[\s*({_NAME}(?:\s*,\s*{_NAME})*)?\s*\]\s*)?"
            rf"(?:\(\s*({_SPEC}(?:\s*,\s*{_SPEC})*)\s*\)|({_SPEC}(?:\s*,\s*{_SPEC})*))?"
            rf"\s*(?:;\s*(\S.*?))?\s*"
        )
    m = _REQUIREMENT_RE.fullmatch(text)
    if m is None:
        return None
    name, extras, paren_spec, spec, marker = m.groups()
    return name, extras, (paren_spec if paren_spec is not None else spec) or "", marker


def _split_by_hand(text: str) -> tuple[str, str | None, str, str | None] | None:
    n = len(text)
    i = _skip_space(text, 0)
    end = _name_end(text, i)
    if end < 0:
        return None
    name = text[i:end]
    i = _skip_space(text, end)
    extras: str | None = None
    if i < n and text[i] == "[":
        i = _skip_space(text, i + 1)
        if i < n and text[i] != "]":
            first = i
            while True:
                end = _name_end(text, i)
                if end < 0:
                    return None
                i = _skip_space(text, end)
                if i < n and text[i] == ",":
                    i = _skip_space(text, i + 1)
                    continue
                break
            extras = text[first:end]
        if i >= n or text[i] != "]":
            return None
        i = _skip_space(text, i + 1)
    spec = ""
    if i < n and text[i] == "(":
        start = _skip_space(text, i + 1)
        end = _specs_end(text, start)
        if end < 0:
            return None
        close = _skip_space(text, end)
        if close >= n or text[close] != ")":
            return None
        spec = text[start:end]
        i = _skip_space(text, close + 1)
    elif i < n and text[i] in "~=!<>":
        end = _specs_end(text, i)
        if end < 0:
            return None
        spec = text[i:end]
        i = _skip_space(text, end)
    marker: str | None = None
    if i < n:
        if text[i] != ";":
            return None
        marker = text[_skip_space(text, i + 1):].rstrip()
        if not marker or "\n" in marker:  # a regex's `.` stops at a newline
            return None
    return name, extras, spec, marker


#: The packaging release (major.minor) whose evaluation rules are copied below.
_SAME_AS = ("26", "4")

# packaging.markers.MARKERS_REQUIRING_VERSION and the other string variables of PEP 508.
_VERSION_KEYS = frozenset({"implementation_version", "platform_release", "python_full_version",
                           "python_version"})
_KEYS = _VERSION_KEYS | {"implementation_name", "os_name", "platform_machine",
                         "platform_python_implementation", "platform_system", "platform_version",
                         "sys_platform", "extra"}
# packaging.markers._operators: a string is not ordered (`<`, `>` never hold, `<=`, `>=` are
# equality); `~=` and `===` outside a version comparison are undefined (left to packaging).
_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "in": lambda lhs, rhs: lhs in rhs,
    "not in": lambda lhs, rhs: lhs not in rhs,
    "<": lambda _lhs, _rhs: False,
    "<=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.eq,
    ">": lambda _lhs, _rhs: False,
}
_TOKEN_RE: re.Pattern[str] | None = None
_SUPPORTED: bool | None = None

# An atom: (variable, operator, literal, variable on the left); an expression: atoms and
# parenthesized expressions between "and"s and "or"s, as packaging's parse tree is shaped
# (``Marker._markers``), so that it evaluates and prints as that tree does.
_Atom = tuple[str, str, str, bool]
_Expr = list["_Atom | _Expr | str"]


def _supported() -> bool:
    global _SUPPORTED
    if _SUPPORTED is None:
        import packaging

        _SUPPORTED = tuple(packaging.__version__.split(".")[:2]) == _SAME_AS
    return _SUPPORTED


def _tokens(text: str) -> list[tuple[str, str]] | None:
    global _TOKEN_RE
    if _TOKEN_RE is None:
        _TOKEN_RE = re.compile(
            r"""\s*(?:(?P<paren>[()])|(?P<bool>and|or)(?![\w.])|(?P<op>===|==|!=|<=|>=|~=|<|>"""
            r"""|not\s+in(?![\w.])|in(?![\w.]))|(?P<var>[a-z_]+)(?![\w.])"""
            r"""|(?P<str>'[^']*'|"[^"]*"))"""
        )
    out: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    match = _TOKEN_RE.match
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos == end:
            return out
        m = match(text, pos)
        if m is None:
            return None
        kind = m.lastgroup
        assert kind is not None
        value = m.group(kind)
        out.append((kind, "not in" if kind == "op" and value.startswith("not") else value))
        pos = m.end()


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def expr(self) -> _Expr | None:
        out: _Expr = []
        while True:
            item = self.item()
            if item is None:
                return None
            out.append(item)
            tok = self.peek()
            if tok is None or tok == ("paren", ")"):
                return out
            if tok[0] != "bool":
                return None
            self.i += 1
            out.append(tok[1])

    def item(self) -> _Atom | _Expr | None:
        tok = self.peek()
        if tok is None:
            return None
        if tok == ("paren", "("):
            self.i += 1
            inner = self.expr()
            if inner is None or self.peek() != ("paren", ")"):
                return None
            self.i += 1
            return inner
        if self.i + 3 > len(self.tokens):
            return None
        (k1, v1), (k2, v2), (k3, v3) = self.tokens[self.i : self.i + 3]
        if k2 != "op":
            return None
        if k1 == "var" and k3 == "str":
            var, literal, left = v1, v3[1:-1], True
        elif k1 == "str" and k3 == "var":
            var, literal, left = v3, v1[1:-1], False
        else:
            return None  # two literals or two variables: packaging's
        if var not in _KEYS:
            return None
        if var == "extra":
            from sula.distribution.names import canonicalize_name

            literal = canonicalize_name(literal)  # as packaging's parser normalizes it
        self.i += 3
        return (var, v2, literal, left)


class _Undecided(Exception):
    """This evaluation is left to packaging (its error, or a rule not copied here)."""


def _eval(expr: _Expr, env: Mapping[str, object]) -> bool:
    # packaging's _evaluate_markers: every atom is evaluated (one it cannot compare raises
    # even where the others decide the result), then any group of "and"s that all hold.
    groups: list[list[bool]] = [[]]
    for item in expr:
        if isinstance(item, list):
            groups[-1].append(_eval(item, env))
        elif isinstance(item, tuple):
            groups[-1].append(_atom(item, env))
        elif item == "or":
            groups.append([])
    return any(all(group) for group in groups)


def _atom(atom: _Atom, env: Mapping[str, object]) -> bool:
    var, op, literal, left = atom
    value = env.get(var)
    if not isinstance(value, str):
        raise _Undecided  # missing (packaging's default environment or error), or a set
    lhs, rhs = (value, literal) if left else (literal, value)
    if var in _VERSION_KEYS:
        from packaging.specifiers import InvalidSpecifier, Specifier

        try:
            spec = Specifier(f"{op}{rhs}")
        except InvalidSpecifier:
            pass
        else:
            return spec.contains(lhs, prereleases=True)
    oper = _OPERATORS.get(op)
    if oper is None:
        raise _Undecided  # packaging raises UndefinedComparison
    return oper(lhs, rhs)


def _quoted(value: str) -> str:
    return f'"{value}"' if '"' not in value else f"'{value}'"  # packaging's Value.serialize


def _format(expr: _Atom | _Expr | str, first: bool = True) -> str:
    """packaging's ``_format_marker`` of the same tree."""
    if isinstance(expr, tuple):
        var, op, literal, left = expr
        return f"{var} {op} {_quoted(literal)}" if left else f"{_quoted(literal)} {op} {var}"
    if isinstance(expr, str):
        return expr
    if len(expr) == 1 and isinstance(expr[0], list | tuple):
        return _format(expr[0], first=first)
    inner = [_format(m, first=False) for m in expr]
    return " ".join(inner) if first else "(" + " ".join(inner) + ")"


class SimpleMarker:
    """A marker of the shapes above: ``evaluate`` (for the core-metadata context), ``str``,
    ``==`` and ``hash`` as ``packaging.markers.Marker``'s; its parse tree (``_markers``) from
    one made on first use."""

    __slots__ = ("_expr", "_marker", "_text", "text")

    def __init__(self, text: str, expr: _Expr) -> None:
        self.text = text
        self._expr = expr
        self._text: str | None = None
        self._marker: Marker | None = None

    def packaging(self) -> Marker:
        marker = self._marker
        if marker is None:
            from packaging.markers import Marker

            marker = self._marker = Marker(self.text)
        return marker

    def evaluate(self, environment: Mapping[str, str] | None = None) -> bool:
        if environment is None:
            return self.packaging().evaluate()
        env: dict[str, object] = dict(environment)
        extra = env.get("extra")
        if extra is None or extra == "":
            env["extra"] = ""
        elif isinstance(extra, str):
            from sula.distribution.names import canonicalize_name

            env["extra"] = canonicalize_name(extra)
        full = env.get("python_full_version")
        if isinstance(full, str) and full.endswith("+"):
            env["python_full_version"] = f"{full}local"
        try:
            return _eval(self._expr, env)
        except _Undecided:
            pass
        return self.packaging().evaluate(environment)

    @property
    def _markers(self) -> object:
        return self.packaging()._markers

    def __str__(self) -> str:
        if self._text is None:
            self._text = _format(self._expr)
        return self._text

    def __repr__(self) -> str:
        return f"<Marker('{self}')>"

    def __hash__(self) -> int:
        return hash(str(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SimpleMarker):
            return str(self) == str(other)
        if type(other).__name__ != "Marker":  # not packaging's: no import to tell
            return NotImplemented
        from packaging.markers import Marker

        return str(self) == str(other) if isinstance(other, Marker) else NotImplemented


def parse_simple_marker(text: str) -> SimpleMarker | None:
    """``text`` as a :class:`SimpleMarker`, or None: give it to ``packaging.markers.Marker``
    (another shape, or another packaging release than the one whose rules are copied)."""
    if not _supported():
        return None
    tokens = _tokens(text)
    if not tokens:
        return None
    parser = _Parser(tokens)
    expr = parser.expr()
    if expr is None or parser.i != len(tokens):
        return None
    return SimpleMarker(text, expr)
