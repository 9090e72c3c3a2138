from __future__ import annotations

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from sula.resolver.candidate import CandidateSelector
from sula.resolver.options import PrereleaseMode, ResolutionMode

from ._files import dist, vmap

FOO = canonicalize_name("foo")


def _map(*versions: str, yanked: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return vmap("foo", [dist(f"foo-{v}-py3-none-any.whl", yanked=v in yanked) for v in versions])


def pick(sel: CandidateSelector, spec: str, m) -> str | None:  # type: ignore[no-untyped-def]
    s = SpecifierSet(spec)
    c = sel.select(FOO, lambda v: s.contains(v, prereleases=True), m)
    return None if c is None else str(c.version)


def test_highest_lowest_and_lowest_direct() -> None:
    m = _map("1.0", "1.5", "2.0")
    assert pick(CandidateSelector(), "", m) == "2.0"
    assert pick(CandidateSelector(), "<2", m) == "1.5"
    assert pick(CandidateSelector(resolution=ResolutionMode.LOWEST), ">1", m) == "1.5"
    direct = CandidateSelector(resolution=ResolutionMode.LOWEST_DIRECT, direct=frozenset({FOO}))
    assert pick(direct, "", m) == "1.0"
    assert pick(CandidateSelector(resolution=ResolutionMode.LOWEST_DIRECT), "", m) == "2.0"


def test_if_necessary_prefers_stable_then_prerelease() -> None:
    m = _map("1.0", "2.0a1")
    sel = CandidateSelector()
    assert pick(sel, "", m) == "1.0"
    assert pick(sel, ">1.0", m) == "2.0a1"  # nothing stable fits
    assert pick(CandidateSelector(prerelease=PrereleaseMode.DISALLOW), ">1.0", m) is None
    assert pick(CandidateSelector(prerelease=PrereleaseMode.ALLOW), "", m) == "2.0a1"


def test_explicit_modes() -> None:
    m = _map("1.0", "2.0a1")
    explicit = CandidateSelector(prerelease=PrereleaseMode.EXPLICIT,
                                 explicit_prereleases=frozenset({FOO}))
    assert pick(explicit, "", m) == "2.0a1"
    assert pick(CandidateSelector(prerelease=PrereleaseMode.EXPLICIT), ">1.0", m) is None
    ione = CandidateSelector(prerelease=PrereleaseMode.IF_NECESSARY_OR_EXPLICIT)
    assert pick(ione, ">1.0", m) is None
    assert pick(ione, "", _map("1.0a1", "2.0b1")) == "2.0b1"  # only pre-releases exist


def test_preferences_and_yanks() -> None:
    m = _map("1.0", "1.5", "2.0", yanked=("2.0",))
    assert pick(CandidateSelector(), "", m) == "1.5"
    assert pick(CandidateSelector(preferences={FOO: Version("1.0")}), "", m) == "1.0"
    assert pick(CandidateSelector(preferences={FOO: Version("1.0")}), ">1.0", m) == "1.5"
    yanks = CandidateSelector(allowed_yanks={FOO: frozenset({Version("2.0")})})
    assert pick(yanks, "==2.0", m) == "2.0"
    assert pick(CandidateSelector(), "==2.0", m) is None
