from __future__ import annotations

from packaging.version import Version

from sula.resolver.options import BinaryPolicy
from sula.resolver.version_map import Incompatibility

from ._files import dist, vmap


def test_versions_sorted_descending_and_merged() -> None:
    m = vmap("foo", [
        dist("foo-1.0.tar.gz"),
        dist("foo-2.0-py3-none-any.whl"),
        dist("foo-1.0-py3-none-any.whl"),
        dist("foo-10.0.tar.gz"),
        dist("foo-2.0a1-py3-none-any.whl"),
    ])
    assert m.versions() == [Version("10.0"), Version("2.0"), Version("2.0a1"), Version("1.0")]
    entry = m.get(Version("1.0"))
    assert entry is not None and len(entry.files) == 2


def test_best_wheel_by_tag_priority_then_sdist() -> None:
    m = vmap("foo", [
        dist("foo-1.0.tar.gz"),
        dist("foo-1.0-py3-none-any.whl"),
        dist("foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        dist("foo-1.0-cp311-cp311-win_amd64.whl"),
    ])
    entry = m.get(Version("1.0"))
    assert entry is not None
    best = m.best_file(entry)
    assert best is not None and best.file.filename == "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"

    only_sdist = vmap("foo", [dist("foo-1.0.tar.gz"), dist("foo-1.0-cp311-cp311-win_amd64.whl")])
    e = only_sdist.entries[0]
    best = only_sdist.best_file(e)
    assert best is not None and best.file.filename == "foo-1.0.tar.gz"


def test_no_build_and_platform_mismatch_reasons() -> None:
    policy = BinaryPolicy.from_lists(only_binary=[":all:"], no_binary=[])
    m = vmap("foo", [dist("foo-1.0.tar.gz"), dist("foo-1.0-cp311-cp311-win_amd64.whl")],
             binary=policy)
    e = m.entries[0]
    assert m.best_file(e) is None
    assert m.reason(e) is Incompatibility.TAGS
    m2 = vmap("foo", [dist("foo-1.0.tar.gz")], binary=policy)
    assert m2.reason(m2.entries[0]) is Incompatibility.NO_BUILD
    nb = BinaryPolicy.from_lists(only_binary=[], no_binary=["foo"])
    m3 = vmap("foo", [dist("foo-1.0-py3-none-any.whl")], binary=nb)
    assert m3.reason(m3.entries[0]) is Incompatibility.NO_BINARY


def test_requires_python_ignores_upper_bounds() -> None:
    m = vmap("foo", [
        dist("foo-3.0-py3-none-any.whl", requires_python=">=3.12"),
        dist("foo-2.0-py3-none-any.whl", requires_python=">=3.8,<3.10"),
        dist("foo-1.0-py3-none-any.whl", requires_python="==3.11.*"),
    ])
    e3, e2, e1 = m.entries
    assert m.reason(e3) is Incompatibility.REQUIRES_PYTHON
    assert m.best_file(e2) is not None
    assert m.best_file(e1) is not None


def test_yanked_only_when_allowed() -> None:
    m = vmap("foo", [dist("foo-1.0-py3-none-any.whl", yanked=True)])
    e = m.entries[0]
    assert e.yanked
    assert m.best_file(e) is None and m.reason(e) is Incompatibility.YANKED
    assert m.best_file(e, allow_yanked=True) is not None
    assert m.best_file(e) is None


def test_python_version_retargets_tags() -> None:
    m = vmap("foo", [dist("foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
                     dist("foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl")], version="3.12")
    best = m.best_file(m.entries[0])
    assert best is not None and "cp312" in best.file.filename


def test_binary_policy_lists() -> None:
    p = BinaryPolicy.from_lists(only_binary=["a,b"], no_binary=[":all:"])
    assert p.allows_wheel("a") and not p.allows_sdist("a")  # type: ignore[arg-type]
    assert not p.allows_wheel("c") and p.allows_sdist("c")  # type: ignore[arg-type]
    assert BinaryPolicy.from_lists(only_binary=[":all:", ":none:"], no_binary=[]).allows_sdist(
        "x")  # type: ignore[arg-type]


def test_plain_and_parsed_versions_sort_together_and_parse_lazily() -> None:
    texts = ["1.0", "1.0.post1", "1.0rc1", "0.9", "1.0+local", "1!0.1", "1.10", "1.9.0", "1.0.dev0",
             "01.2", "0"]
    m = vmap("foo", [dist(f"foo-{t}-py3-none-any.whl") for t in texts])
    assert m.versions() == sorted((Version(t) for t in texts), reverse=True)
    plain = m.get(Version("1.10"))
    assert plain is not None and plain.is_prerelease is False and plain._version is not None
    m2 = vmap("foo", [dist(f"foo-{t}-py3-none-any.whl") for t in texts])
    untouched = m2.entries[-1]
    assert untouched._version is None and untouched.text == "0"
    rc = next(e for e in m2.entries if e.text == "1.0rc1")
    assert rc._version is None and rc.is_prerelease
    assert [e.is_prerelease for e in m2.entries] == [Version(t).is_prerelease for t in
                                                     sorted(texts, key=Version, reverse=True)]


def test_two_spellings_of_one_version_keep_listed_order() -> None:
    m = vmap("foo", [
        dist("foo-1.0.0.tar.gz"),
        dist("foo-1.0-py3-none-any.whl"),
        dist("foo-1.0.0-py3-none-any.whl"),
        dist("foo-1.0.zip"),
    ])
    assert len(m) == 1
    entry = m.entries[0]
    assert str(entry.version) == "1.0.0"
    assert [f.file.filename for f in entry.files] == [
        "foo-1.0.0.tar.gz", "foo-1.0-py3-none-any.whl", "foo-1.0.0-py3-none-any.whl", "foo-1.0.zip"]
    best = m.best_file(entry)
    assert best is not None and best.file.filename == "foo-1.0-py3-none-any.whl"


def test_yanked_when_every_file_is() -> None:
    m = vmap("foo", [dist("foo-2.0.tar.gz", yanked=True), dist("foo-2.0-py3-none-any.whl", yanked=True),
                     dist("foo-1.0.tar.gz", yanked=True), dist("foo-1.0-py3-none-any.whl")])
    two, one = m.entries
    assert two.yanked and not one.yanked
    assert m.reason(two) is Incompatibility.YANKED and m.best_file(two, allow_yanked=True) is not None
