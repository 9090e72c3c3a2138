"""The failure report on hand-built derivation trees: numbering and branch shapes."""

from __future__ import annotations

from sula.resolver.pubgrub import (
    DerivedCause,
    Incompatibility,
    Range,
    Term,
    format_report,
)

ROOT = "root"
ANY: Range[int] = Range.full()


def dep(pkg: str, dependency: str, low: int) -> Incompatibility[str, int]:
    r = Range.singleton(0) if pkg == ROOT else ANY
    return Incompatibility.from_dependency(pkg, r, dependency, Range.higher_than(low))


def derive(
    terms: dict[str, Term[int]], c1: Incompatibility[str, int], c2: Incompatibility[str, int]
) -> Incompatibility[str, int]:
    return Incompatibility(terms, DerivedCause(cause1=c1, cause2=c2))


def forbidden(pkg: str) -> dict[str, Term[int]]:
    return {pkg: Term(True, ANY)}


def test_shared_conclusion_is_numbered_and_referred_to() -> None:
    shared = derive(forbidden("s"), dep("s", "b", 2), Incompatibility.no_versions("b", Range.higher_than(2)))
    a = derive(forbidden("a"), shared, dep("a", "s", 1))
    b = derive(forbidden("c"), shared, dep("c", "s", 1))
    top = derive({}, a, b)
    assert format_report(top, root=ROOT) == (
        "Because all versions of s depend on b>=2 and there are no versions of b>=2, we can"
        " conclude that all versions of s cannot be used. (1)\n"
        "And because all versions of a depend on s>=1, we can conclude that all versions of a"
        " cannot be used. (2)\n"
        "\n"
        "Because all versions of c depend on s>=1 and all versions of s cannot be used (1), we"
        " can conclude that all versions of c cannot be used.\n"
        "And because all versions of a cannot be used (2), we can conclude that your"
        " requirements are unsatisfiable."
    )


def test_simple_and_complex_causes_end_with_thus() -> None:
    simple = derive(forbidden("x"), dep("x", "y", 3), Incompatibility.no_versions("y", Range.higher_than(3)))
    inner = derive(forbidden("p"), dep("p", "q", 1), Incompatibility.no_versions("q", Range.higher_than(1)))
    complex_ = derive({"r": Term(True, ANY)}, inner, dep("r", "p", 1))
    top = derive({}, complex_, simple)
    assert format_report(top, root=ROOT) == (
        "Because all versions of p depend on q>=1 and there are no versions of q>=1, we can"
        " conclude that all versions of p cannot be used.\n"
        "And because all versions of r depend on p>=1, we can conclude that all versions of r"
        " cannot be used.\n"
        "Because all versions of x depend on y>=3 and there are no versions of y>=3, we can"
        " conclude that all versions of x cannot be used.\n"
        "Thus, we can conclude that your requirements are unsatisfiable."
    )


def test_conclusions_of_several_terms() -> None:
    one = dep("a", "b", 1)
    two = Incompatibility.no_versions("b", Range.higher_than(1))
    cases = {
        "a>=1 and b>=2 are incompatible": {"a": Term(True, Range.higher_than(1)), "b": Term(True, Range.higher_than(2))},
        "a==1 depends on b>=2 or c": {"a": Term(True, Range.singleton(1)), "b": Term(False, Range.higher_than(2)), "c": Term(False, ANY)},
        "you require b>=2": {ROOT: Term(True, Range.singleton(0)), "b": Term(False, Range.higher_than(2))},
        "b>=2 is required": {"b": Term(False, Range.higher_than(2))},
        "a==1, b==2, and c==3 are incompatible": {
            "a": Term(True, Range.singleton(1)), "b": Term(True, Range.singleton(2)), "c": Term(True, Range.singleton(3)),
        },
    }
    for text, terms in cases.items():
        report = format_report(derive(terms, one, two), root=ROOT)
        assert report.endswith(f"we can conclude that {text}."), report
