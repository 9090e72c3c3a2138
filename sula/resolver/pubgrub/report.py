"""Turn the derivation tree of a failed solve into prose, as uv prints it.

The algorithm is solver.md's "Error Reporting": a depth-first walk that explains
each derived incompatibility from its two causes, numbering only the conclusions
that are referred to again. Before the walk, derivations through "there are no
versions of X in R" are folded into the dependency they narrow (pubgrub-rs's
``collapse_no_versions``), so a report says "foo>=1.0,<2.0 depends on bar>=2"
rather than one line per tried version.
"""

from __future__ import annotations

__all__ = ["NoSolutionError", "ReportFormatter", "format_report"]

from collections.abc import Callable, Hashable
from typing import Any, Protocol

from sula.errors import ResolveError

from .incompatibility import (
    DependencyCause,
    DerivedCause,
    External,
    Incompatibility,
    NoVersionsCause,
    RootCause,
    UnavailableCause,
)
from .range import Range
from .term import Term


class ReportFormatter(Protocol):
    """Hook for the provider layer: how packages read, and (optionally) its own
    sentence for an external fact (return None to keep the default).

    A formatter may also define ``published_versions(package) -> list | None`` (the
    known versions, ascending); ranges are then shown against them, as uv does:
    intervals holding no published version are dropped, a range holding one version
    reads ``foo==1.0`` and one holding them all ``all versions of foo``.
    :class:`OfflineProvider` does this; it is looked up with ``getattr``.
    """

    def format_package(self, package: Hashable) -> str:
        """The package as a person reads it (``foo[bar]``, ``Python``...)."""
        ...

    def format_external(self, cause: External) -> str | None:
        """A clause for ``cause`` ("foo==1.0 was yanked"), or None for the default."""
        ...


class _DefaultFormatter:
    def format_package(self, package: Hashable) -> str:
        return str(package)

    def format_external(self, cause: External) -> str | None:
        return None


class NoSolutionError(ResolveError):
    """The requirements are unsatisfiable; ``str()`` is the derivation report.

    ``incompatibility`` is the root of the derivation tree (``{root}``, or empty),
    walk it with ``Incompatibility.iter_external()`` to compute hints; append them
    to ``hints`` (one sentence each, printed as ``hint: ...``) and set
    ``formatter`` to render packages your way.
    """

    def __init__(
        self,
        incompatibility: Incompatibility[Any, Any],
        *,
        root: Hashable,
        formatter: ReportFormatter | None = None,
        hints: list[str] | None = None,
    ) -> None:
        super().__init__("No solution found when resolving dependencies")
        self.incompatibility = incompatibility
        self.root = root
        self.formatter: ReportFormatter = formatter or _DefaultFormatter()
        self.hints: list[str] = list(hints or ())

    def report(self) -> str:
        """The derivation as numbered prose, one sentence per line."""
        return format_report(self.incompatibility, root=self.root, formatter=self.formatter)

    def __str__(self) -> str:
        lines = [f"{self.message}:"]
        lines.extend(f"  {line}" if line else "" for line in self.report().splitlines())
        if self.hints:
            lines.append("")
            lines.extend(f"hint: {hint}" for hint in self.hints)
        return "\n".join(lines)


# -- the tree the report walks ---------------------------------------------------------


class _Node:
    """An incompatibility as the report sees it, after collapsing."""

    __slots__ = ("cause1", "cause2", "external", "terms")

    def __init__(
        self,
        terms: dict[Any, Term[Any]],
        external: External | None,
        cause1: _Node | None = None,
        cause2: _Node | None = None,
    ) -> None:
        self.terms = terms
        self.external = external
        self.cause1 = cause1
        self.cause2 = cause2


def _build(incompat: Incompatibility[Any, Any], memo: dict[int, _Node]) -> _Node:
    node = memo.get(id(incompat))
    if node is not None:
        return node
    cause = incompat.cause
    if not isinstance(cause, DerivedCause):
        node = _Node(incompat.terms, cause)
    else:
        c1 = _build(cause.cause1, memo)
        c2 = _build(cause.cause2, memo)
        node = _collapse(incompat.terms, c1, c2) or _Node(incompat.terms, None, c1, c2)
    memo[id(incompat)] = node
    return node


def _collapse(terms: dict[Any, Term[Any]], c1: _Node, c2: _Node) -> _Node | None:
    """Fold "no versions of p in R" into the external fact it was resolved with, when
    the result states exactly the derived terms: "foo==1.0 was yanked" and "there are
    no versions of foo>1.0" make "foo>=1.0 was yanked"."""
    for nv, other in ((c1, c2), (c2, c1)):
        ext = nv.external
        if not isinstance(ext, NoVersionsCause) or other.external is None:
            continue
        o = other.external
        merged: External | None = None
        if isinstance(o, DependencyCause) and o.package == ext.package:
            merged = DependencyCause(
                package=o.package, range=o.range.union(ext.range),
                dependency=o.dependency, dependency_range=o.dependency_range,
            )
            want: dict[Any, Term[Any]] = {o.package: Term(True, merged.range)}
            if not o.dependency_range.is_empty():
                want[o.dependency] = Term(False, o.dependency_range)
        elif isinstance(o, UnavailableCause) and o.package == ext.package:
            merged = UnavailableCause(
                package=o.package, range=o.range.union(ext.range), reason=o.reason
            )
            want = {o.package: Term(True, merged.range)}
        elif isinstance(o, NoVersionsCause) and o.package == ext.package:
            merged = NoVersionsCause(package=o.package, range=o.range.union(ext.range))
            want = {o.package: Term(True, merged.range)}
        else:
            continue
        if want == terms:
            return _Node(terms, merged)
    return None


# -- text ----------------------------------------------------------------------------


class _Writer:
    def __init__(self, root: Hashable, fmt: ReportFormatter) -> None:
        self.root = root
        self.fmt = fmt
        self.published: Callable[[Any], list[Any] | None] | None = getattr(
            fmt, "published_versions", None
        )
        self.lines: list[str] = []
        self.numbers: dict[int, int] = {}
        self.shared: set[int] = set()
        self.counter = 0

    # phrases

    def name(self, package: Any) -> str:
        return self.fmt.format_package(package)

    def versions(self, package: Any) -> list[Any] | None:
        return None if self.published is None else self.published(package)

    def subject(self, package: Any, r: Range[Any], all_ok: bool = True) -> str:
        """``foo>=1.0``; ``all versions of foo`` for the full range (or every
        published version), ``foo==1.0`` when only 1.0 of the published ones is in."""
        published = self.versions(package)
        if published:
            inside = [v for v in published if v in r]
            if all_ok and inside and len(inside) == len(published):
                r = Range.full()
            elif len(inside) == 1:
                r = Range.singleton(inside[0])
            else:
                r = r.simplify(published)
        if r.is_full() and all_ok:
            return f"all versions of {self.name(package)}"
        return f"{self.name(package)}{r}"

    def depends(self, package: Any, r: Range[Any], deps: str) -> str:
        """``foo>=1 depends on ...`` / ``all versions of foo depend on ...``."""
        who = self.subject(package, r)
        verb = "depend" if who.startswith("all versions of ") else "depends"
        return f"{who} {verb} on {deps}"

    def obj(self, package: Any, r: Range[Any]) -> str:
        """What is depended on: ``bar>=2``, just ``bar`` for any version."""
        published = self.versions(package)
        if published:
            r = r.simplify(published)
        if r.is_full():
            return self.name(package)
        if r.is_empty():
            return f"{self.name(package)} with an empty version range"
        return f"{self.name(package)}{r}"

    def external(self, cause: External) -> str:
        custom = self.fmt.format_external(cause)
        if custom is not None:
            return custom
        if isinstance(cause, RootCause):
            return f"we are solving dependencies of {self.name(cause.package)}"
        if isinstance(cause, NoVersionsCause):
            p, r = cause.package, cause.range
            if r.is_full():
                return f"there are no versions of {self.name(p)}"
            if r.as_singleton() is not None or _one_version(r):
                return f"there is no version of {self.name(p)}{r}"
            published = self.versions(p)
            if published and any(v not in r for v in published):
                # uv's wording: what there is, rather than what there is not.
                outside = [v for v in published if v not in r]
                rest = r.complement()
                shown = (Range.singleton(outside[0]) if len(outside) == 1
                         else rest.simplify(published))
                return f"only {self.name(p)}{shown} is available"
            return f"there are no versions of {self.name(p)}{r}"
        if isinstance(cause, UnavailableCause):
            if cause.package == self.root:
                return f"your requirements {cause.reason or 'are unavailable'}"
            who = self.subject(cause.package, cause.range, all_ok=False)
            return f"{who} {cause.reason or 'is unavailable'}"
        dep = self.obj(cause.dependency, cause.dependency_range)
        if cause.package == self.root:
            return f"you require {dep}"
        return self.depends(cause.package, cause.range, dep)

    def both(self, e1: External, e2: External) -> str:
        """``A and B``; two requirements of the root read "you require a and b"."""
        if (
            isinstance(e1, DependencyCause) and isinstance(e2, DependencyCause)
            and e1.package == self.root and e2.package == self.root
            and self.fmt.format_external(e1) is None and self.fmt.format_external(e2) is None
        ):
            wants = sorted((self.obj(e.dependency, e.dependency_range) for e in (e1, e2)),
                           key=str.lower)
            return f"you require {wants[0]} and {wants[1]}"
        return f"{self.external(e1)} and {self.external(e2)}"

    def conclusion(self, node: _Node) -> str:
        """What a derived incompatibility says, as a clause."""
        root = self.root
        required_by_root = False
        pos: list[tuple[Any, Range[Any]]] = []
        neg: list[tuple[Any, Range[Any]]] = []
        for p, t in node.terms.items():
            if p == root and t.positive:
                required_by_root = True
            elif t.positive:
                pos.append((p, t.range))
            else:
                neg.append((p, t.range))
        if not pos and not neg:
            return "your requirements are unsatisfiable"
        if not pos and len(neg) == 1:
            dep = self.obj(*neg[0])
            return f"you require {dep}" if required_by_root else f"{dep} is required"
        if len(pos) == 1 and not neg:
            return f"{self.subject(*pos[0])} cannot be used"
        if not neg:
            return f"{_join([self.subject(*x) for x in pos], 'and')} are incompatible"
        deps = _join([self.obj(*x) for x in neg], "or")
        if not pos:
            return f"one of {deps} is required"
        if len(pos) == 1:
            return self.depends(*pos[0], deps)
        return f"{_join([self.subject(*x) for x in pos], 'and')} depend on {deps}"

    # lines

    def write(self, node: _Node, text: str, number: bool = False) -> None:
        if (number or id(node) in self.shared) and id(node) not in self.numbers:
            self.counter += 1
            self.numbers[id(node)] = self.counter
            text = f"{text} ({self.counter})"
        self.lines.append(text)

    def ref(self, node: _Node) -> str:
        return f"{self.conclusion(node)} ({self.numbers[id(node)]})"

    def visit(self, node: _Node) -> None:
        """Explain the derived ``node`` (solver.md's error reporting algorithm)."""
        c1, c2 = node.cause1, node.cause2
        assert c1 is not None and c2 is not None
        concl = self.conclusion(node)
        numbers = self.numbers
        e1, e2 = c1.external, c2.external
        if e1 is None and e2 is None:
            n1, n2 = numbers.get(id(c1)), numbers.get(id(c2))
            if n1 is not None and n2 is not None:
                self.write(
                    node,
                    f"Because {self.ref(c1)} and {self.ref(c2)}, we can conclude that {concl}.",
                )
            elif n1 is not None or n2 is not None:
                done, todo = (c1, c2) if n1 is not None else (c2, c1)
                self.visit(todo)
                self.write(node, f"And because {self.ref(done)}, we can conclude that {concl}.")
            elif _is_simple(c1) or _is_simple(c2):
                simple, complex_ = (c1, c2) if _is_simple(c1) else (c2, c1)
                self.visit(complex_)
                self.visit(simple)
                self.write(node, f"Thus, we can conclude that {concl}.")
            else:
                self.visit(c1)
                if id(c1) not in numbers:
                    self.number_last(c1)
                self.lines.append("")
                self.visit(c2)
                self.write(node, f"And because {self.ref(c1)}, we can conclude that {concl}.")
            return
        if e1 is not None and e2 is not None:
            self.write(
                node,
                f"Because {self.both(e1, e2)}, we can conclude that {concl}.",
            )
            return
        derived, ext = (c1, e2) if e1 is None else (c2, e1)
        assert ext is not None
        n = numbers.get(id(derived))
        if n is not None:
            self.write(
                node,
                f"Because {self.external(ext)} and {self.ref(derived)}, "
                f"we can conclude that {concl}.",
            )
            return
        if (
            isinstance(ext, NoVersionsCause)
            and id(node) not in self.shared
            and concl == self.conclusion(derived)
        ):
            # "There are no versions of foo>1.0" only widened the range to what the
            # previous line already says ("all versions of foo ..."): skip the echo.
            self.visit(derived)
            return
        d1, d2 = derived.cause1, derived.cause2
        assert d1 is not None and d2 is not None
        if (d1.external is None) != (d2.external is None):
            prior, prior_ext = (d1, d2.external) if d1.external is None else (d2, d1.external)
            assert prior_ext is not None
            if id(prior) not in numbers:
                self.visit(prior)
                self.write(
                    node,
                    f"And because {self.both(prior_ext, ext)}, we can conclude that {concl}.",
                )
                return
        self.visit(derived)
        self.write(node, f"And because {self.external(ext)}, we can conclude that {concl}.")

    def number_last(self, node: _Node) -> None:
        """Give the line just written (``node``'s conclusion) a number."""
        self.counter += 1
        self.numbers[id(node)] = self.counter
        self.lines[-1] = f"{self.lines[-1]} ({self.counter})"


def _one_version(r: Range[Any]) -> bool:
    """``==1.0`` over PEP 440 versions (one version and its local variants)."""
    text = str(r)
    return text.startswith("==") and "," not in text and "|" not in text and "*" not in text


def _is_simple(node: _Node) -> bool:
    """Derived straight from two external facts: explained in one line."""
    c1, c2 = node.cause1, node.cause2
    return (
        c1 is not None and c2 is not None and c1.external is not None
        and c2.external is not None
    )


def _join(items: list[str], word: str) -> str:
    if len(items) <= 2:
        return f" {word} ".join(items)
    return f"{', '.join(items[:-1])}, {word} {items[-1]}"


def _count_shared(top: _Node) -> set[int]:
    """Derived nodes that cause two or more others (they get line numbers)."""
    uses: dict[int, int] = {}
    seen: set[int] = set()
    stack = [top]
    while stack:
        node = stack.pop()
        if id(node) in seen or node.external is not None:
            continue
        seen.add(id(node))
        for child in (node.cause1, node.cause2):
            assert child is not None
            if child.external is None:
                uses[id(child)] = uses.get(id(child), 0) + 1
                stack.append(child)
    return {k for k, n in uses.items() if n >= 2}


def format_report(
    incompat: Incompatibility[Any, Any],
    *,
    root: Hashable,
    formatter: ReportFormatter | None = None,
) -> str:
    """Explain why ``incompat`` (the root of a derivation tree) holds."""
    writer = _Writer(root, formatter or _DefaultFormatter())
    top = _build(incompat, {})
    if top.external is not None:
        text = writer.external(top.external)
        return f"Because {text}, we can conclude that {writer.conclusion(top)}."
    writer.shared = _count_shared(top)
    writer.visit(top)
    return "\n".join(writer.lines)
