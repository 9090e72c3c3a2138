from __future__ import annotations

import pytest
from packaging.version import Version

from sula.client.types import DistFile, PackageFiles, PageGroup
from sula.resolver.options import BinaryPolicy
from sula.resolver.version_map import Incompatibility, VersionMap

from ._files import LINUX_311, dist, target, vmap


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

    # No wheel for the target: a wheel for another platform gives the version's metadata (as
    # uv reads it, without a build); the sdist only when there is no wheel at all.
    other = vmap("foo", [dist("foo-1.0.tar.gz"), dist("foo-1.0-cp311-cp311-win_amd64.whl")])
    best = other.best_file(other.entries[0])
    assert best is not None and best.file.filename == "foo-1.0-cp311-cp311-win_amd64.whl"
    only_sdist = vmap("foo", [dist("foo-1.0.tar.gz")])
    best = only_sdist.best_file(only_sdist.entries[0])
    assert best is not None and best.file.filename == "foo-1.0.tar.gz"
    # Without the sdist the other platform's wheel is no choice at all.
    no_sdist = vmap("foo", [dist("foo-1.0-cp311-cp311-win_amd64.whl")])
    assert no_sdist.best_file(no_sdist.entries[0]) is None


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


def _grouped(files: list[DistFile], cutoff: int | None = None, *, stored: bool = True,
             tags: list[str] | None = LINUX_311) -> tuple[VersionMap, PackageFiles]:
    """The map of ``files`` as the client gives one stored page: grouped by version, the
    groups' rows encoded as in the cache entry (``stored``) and decoded on demand."""
    import msgspec
    from packaging.utils import canonicalize_name

    from sula.client.types import StoredPage, file_groups, group_rows, parse_dist_rows

    rows = parse_dist_rows(files[0].filename.name, [f.file for f in files], files[0].index)
    if stored:  # through the bytes of a cache entry
        groups, _ = group_rows(rows)
        data = msgspec.msgpack.encode(groups)
        page = StoredPage(msgspec.msgpack.decode(data, type=list[PageGroup]))
    else:
        page = StoredPage.of_rows(rows)
    groups, derived = file_groups(page, files[0].index, cutoff)
    pkg = PackageFiles(canonicalize_name(files[0].filename.name), groups=groups, derived=derived)
    assert pkg.groups is not None
    return VersionMap.of_groups(pkg.name, pkg.groups, lambda: pkg.files, python=target(tags),
                                binary=BinaryPolicy(), derived=pkg.derived), pkg


def _same(a: VersionMap, b: VersionMap) -> None:
    assert [e.text for e in a.entries] == [e.text for e in b.entries]
    for x, y in zip(a.entries, b.entries, strict=True):
        assert x.files == y.files and x.is_prerelease == y.is_prerelease
        assert a.best_file(x) == b.best_file(y) and a.reason(x) == b.reason(y)


LISTING = [  # a page sorted by filename: 1.0's files are not next to each other
    "foo-1.0-py3-none-any.whl", "foo-1.0.1-py3-none-any.whl", "foo-1.0.1.tar.gz", "foo-1.0.tar.gz",
    "foo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl", "foo-2.0-cp311-cp311-win_amd64.whl",
    "foo-2.0-py3-none-any.whl", "foo-2.0.tar.gz", "foo-2.1rc1-py3-none-any.whl",
    "foo-3.0-cp39-cp39-win_amd64.whl", "foo-3.0.post1.tar.gz", "foo-4!1.0.tar.gz",
]


@pytest.mark.parametrize("stored", [True, False])
def test_a_page_grouped_by_version_gives_the_map_of_its_files(stored: bool) -> None:
    """Decoding a stored page one version at a time gives the map of the whole page."""
    files = [dist(f, yanked=f.startswith("foo-2.0-py3")) for f in LISTING]
    grouped, _ = _grouped(files, stored=stored)
    assert all(e._files is None for e in grouped.entries)  # nothing decoded yet
    _same(grouped, vmap("foo", files))
    # Every file, in the page's order (what install and `pip list --outdated` read).
    _, pkg = _grouped(files, stored=stored)
    assert pkg.files == files


def test_a_page_grouped_by_version_with_exclude_newer() -> None:
    """A version is listed when one of its files is within ``--exclude-newer``; its files
    are those within it."""
    from sula.client.types import DistFile, File, parse_dist_rows

    times = {"foo-1.0-py3-none-any.whl": "2023-01-01T00:00:00Z", "foo-1.0.tar.gz": "2025-01-01T00:00:00Z",
             "foo-2.0.tar.gz": "2025-01-01T00:00:00Z", "foo-3.0.tar.gz": None}
    files = [DistFile(dist(f).filename, File(filename=f, url=f"http://127.0.0.1/files/{f}", upload_time=t),
                      "http://127.0.0.1/simple/") for f, t in times.items()]
    cut = parse_dist_rows("foo", [f.file for f in files], "i")[0].uploaded
    assert cut is not None
    grouped, pkg = _grouped(files, cut + 1)
    assert [e.text for e in grouped.entries] == ["1.0"]
    assert [f.file.filename for f in grouped.entries[0].files] == ["foo-1.0-py3-none-any.whl"]
    assert [f.file.filename for f in pkg.files] == ["foo-1.0-py3-none-any.whl"]


def test_a_page_with_two_spellings_of_one_version_keeps_listed_order() -> None:
    files = [dist("foo-1.0.0.tar.gz"), dist("foo-1.0-py3-none-any.whl"),
             dist("foo-1.0.0-py3-none-any.whl"), dist("foo-1.0.zip"), dist("foo-2.0.tar.gz"),
             dist("foo-2.0.0.0-py3-none-any.whl"), dist("foo-0.9.tar.gz")]
    grouped = _grouped(files)[0]
    _same(grouped, vmap("foo", files))
    assert [e.text for e in grouped.entries] == ["2.0", "1.0.0", "0.9"]
    one = grouped.get(Version("1.0"))
    assert one is not None and one.text == "1.0.0"
    assert [f.file.filename for f in one.files] == [
        "foo-1.0.0.tar.gz", "foo-1.0-py3-none-any.whl", "foo-1.0.0-py3-none-any.whl", "foo-1.0.zip"]


def test_two_spellings_of_one_version_with_exclude_newer() -> None:
    """Left out by the cutoff, the first spelling of a version no longer names it."""
    from sula.client.types import DistFile, File, parse_dist_rows

    times = {"foo-1.0.0.tar.gz": "2025-01-01T00:00:00Z", "foo-1.0-py3-none-any.whl": "2023-01-01T00:00:00Z",
             "foo-1.0.zip": "2023-02-01T00:00:00Z", "foo-1.0.0.0.tar.gz": "2023-03-01T00:00:00Z",
             "foo-2.0.tar.gz": "2023-01-01T00:00:00Z"}
    files = [DistFile(dist(f).filename, File(filename=f, url=f"http://127.0.0.1/files/{f}", upload_time=t),
                      "http://127.0.0.1/simple/") for f, t in times.items()]
    cut = parse_dist_rows("foo", [files[0].file], "i")[0].uploaded
    assert cut is not None
    grouped, _ = _grouped(files, cut - 1)
    kept = [f for f in files if f.file.filename != "foo-1.0.0.tar.gz"]
    _same(grouped, vmap("foo", kept))
    assert [e.text for e in grouped.entries] == ["2.0", "1.0"]


def test_maps_of_one_page_share_its_entries_and_choose_per_target() -> None:
    """A second resolution of a page (``sula.resolve`` again in one process) reuses its
    entries; what each target chose is kept apart."""
    files = [dist(f) for f in LISTING]
    linux, pkg = _grouped(files)
    windows = VersionMap.of_groups(pkg.name, pkg.groups or [], lambda: pkg.files,
                                   python=target(["cp311-cp311-win_amd64", "py3-none-any"]),
                                   binary=BinaryPolicy(), derived=pkg.derived)
    linux_again = VersionMap.of_groups(pkg.name, pkg.groups or [], lambda: pkg.files,
                                       python=target(), binary=BinaryPolicy(), derived=pkg.derived)
    assert windows.entries is linux.entries is linux_again.entries
    two = linux.get(Version("2.0"))
    assert two is not None
    picked = {m: m.best_file(two) for m in (linux, windows, linux_again)}
    assert [f.file.filename if f else None for f in picked.values()] == [
        "foo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl", "foo-2.0-cp311-cp311-win_amd64.whl",
        "foo-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"]
    three = linux.get(Version("3.0"))
    assert three is not None and linux.reason(three) is Incompatibility.TAGS
    sdist_only = VersionMap.of_groups(pkg.name, pkg.groups or [], lambda: pkg.files,
                                      python=target(), binary=BinaryPolicy(no_build_all=True),
                                      derived=pkg.derived)
    post = linux.get(Version("3.0.post1"))  # an sdist only
    assert post is not None and linux.reason(post) is None
    assert sdist_only.reason(post) is Incompatibility.NO_BUILD and linux.reason(post) is None


def test_a_stored_page_lists_its_versions_newest_first_with_their_kind() -> None:
    """The client orders a page's groups when it stores them, so that a resolution reading
    it keys and sorts nothing; the invalid versions come last, marked."""
    from sula.client.types import group_rows, parse_dist_rows

    names = [*LISTING, "foo-bogus.tar.gz", "foo-2.0.0.1-py3-none-any.whl", "foo-10.0.dev1.tar.gz"]
    rows = parse_dist_rows("foo", [dist(f).file for f in names], "i")
    groups, lists = group_rows(rows)
    texts = [g.version for g in groups]
    valid = [t for t in texts if t != "bogus"]
    assert valid == sorted(valid, key=Version, reverse=True) and texts[-1] == "bogus"
    assert {g.version: g.kind for g in groups}["2.1rc1"] == 1
    assert {g.version: g.kind for g in groups}["10.0.dev1"] == 1
    assert {g.version: g.kind for g in groups}["bogus"] == 2
    assert all(g.kind == 0 for g in groups if g.version in ("1.0", "2.0.0.1", "4!1.0"))
    assert [len(rows_) for rows_ in lists] == [len(g.order) // 4 for g in groups]


def test_a_page_stored_before_groups_were_ordered_gives_the_same_map() -> None:
    """An entry written before ``PageGroup.kind`` (its groups in first-seen order, the field
    missing) is read as before: sorted by the reader."""
    import msgspec

    from sula.client.types import StoredPage, file_groups, group_rows, parse_dist_rows

    class OldGroup(msgspec.Struct, array_like=True):  # the layout before the field
        version: str
        first: int | None
        rows: bytes
        order: bytes

    files = [dist(f) for f in LISTING]
    rows = parse_dist_rows("foo", [f.file for f in files], files[0].index)
    groups, _ = group_rows(rows)
    first_seen = {r.filename.version_str: None for r in rows}
    old = sorted((OldGroup(g.version, g.first, bytes(g.rows), bytes(g.order)) for g in groups),
                 key=lambda g: list(first_seen).index(g.version))
    page = StoredPage(msgspec.msgpack.decode(msgspec.msgpack.encode(old), type=list[PageGroup]))
    assert page.unordered and all(g.kind == -1 for g in page.groups)
    fgroups, derived = file_groups(page, files[0].index, None)
    old_map = VersionMap.of_groups("foo", fgroups, lambda: files, python=target(),  # type: ignore[arg-type]
                                   binary=BinaryPolicy(), derived=derived)
    _same(old_map, vmap("foo", files))
    _same(old_map, _grouped(files)[0])


def test_a_map_read_in_stored_order_finds_a_version_by_any_spelling() -> None:
    files = [dist(f) for f in LISTING]
    grouped, _ = _grouped(files)
    assert grouped.entries[0].text == "4!1.0"
    for asked, found in [("1.0", "1.0"), ("1.0.0", "1.0"), ("2.0.0", "2.0"), ("3.0-post1", "3.0.post1"),
                         ("4!1", "4!1.0"), ("2.1c1", "2.1rc1")]:
        entry = grouped.get(Version(asked))
        assert entry is not None and entry.text == found, asked
    assert grouped.get(Version("5.0")) is None and grouped.get(Version("1.0.2")) is None


def test_newest_first_orders_as_packaging_does() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sula.distribution.version_keys import newest_first

    part = st.integers(0, 12).map(str)
    release = st.lists(part, min_size=1, max_size=4).map(".".join)
    tag = st.sampled_from(["", "a1", "b2", "rc3", ".post1", ".dev0", "rc1.post2.dev3", "-1", "+local",
                           ".0", "c1", "-pre2", "!"])
    text = st.one_of(st.builds(lambda r, t: r + t, release, tag), st.sampled_from(["bogus", "1..0"]))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(text, max_size=12, unique=True))
    def check(texts: list[str]) -> None:
        import contextlib

        from packaging.version import InvalidVersion

        parsed = {}
        for t in texts:
            with contextlib.suppress(InvalidVersion):
                parsed[t] = Version(t)
        got = newest_first(texts)
        valid = [texts[i] for i, kind in got if kind != 2]
        # Newest first; the spellings of one version together, in the order given.
        assert valid == sorted(parsed, key=parsed.__getitem__, reverse=True)
        assert [texts[i] for i, kind in got if kind == 2] == [t for t in texts if t not in parsed]
        for (i, kind), (j, _) in zip(got, [(-1, -1), *got], strict=False):
            if kind == 3:
                assert parsed[texts[i]] == parsed[texts[j]] and j < i
            elif kind != 2:
                assert kind == int(parsed[texts[i]].is_prerelease)
                assert j < 0 or texts[j] not in parsed or parsed[texts[j]] != parsed[texts[i]]

    check()


def test_a_stored_page_makes_its_entries_as_they_are_reached() -> None:
    """Most versions of a long page are never looked at: their entries (and groups) are
    made only when the selector, a lookup or a walk of all of them reaches them."""
    files = [dist(f"foo-1.{i}-py3-none-any.whl") for i in range(50)] + [dist("foo-bogus.tar.gz")]
    grouped, _ = _grouped(files)
    entries = grouped.entries
    assert entries and len(entries.made) == 0  # type: ignore[attr-defined]
    assert entries[0].text == "1.49" and len(entries.made) == 1  # type: ignore[attr-defined]
    assert grouped.get(Version("1.49")) is entries[0] and len(entries.made) == 1  # type: ignore[attr-defined]
    assert entries[-1].text == "1.0" and [e.text for e in reversed(entries)][:2] == ["1.0", "1.1"]
    assert len(entries) == 50
    assert grouped.get(Version("1.7.0")) is not None and grouped.versions()[0] == Version("1.49")
    with pytest.raises(IndexError):
        entries[50]
    _same(grouped, vmap("foo", files[:-1]))
