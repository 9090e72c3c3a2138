from __future__ import annotations

import io
import tarfile
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name as cn
from packaging.version import Version

from sula.distribution.sdist import metadata_from_sdist_bytes
from sula.resolver.dependencies import DependencyBuilder, Pkg
from sula.resolver.manifest import Manifest, ManifestRequirement, read_preferences

from ._files import MARKERS_311

REQUIRES = [
    "idna>=2",
    'colorama; sys_platform == "win32"',
    'tomli; python_version < "3.11"',
    'pysocks>=1.5; extra == "socks"',
    'foo[all]; extra == "everything"',
    'chardet<6; python_version >= "3" and extra == "socks"',
]


def _deps(manifest: Manifest, pkg: Pkg) -> dict[str, str]:
    builder = DependencyBuilder(markers=MARKERS_311, manifest=manifest)
    return {str(d.pkg): str(d.specifier) for d in builder.for_metadata(pkg, Version("1.0"), REQUIRES)}


def test_markers_and_extras_as_virtual_packages() -> None:
    m = Manifest()
    assert _deps(m, Pkg(cn("foo"))) == {"idna": ">=2"}
    assert _deps(m, Pkg(cn("foo"), cn("socks"))) == {
        "foo": "==1.0", "pysocks": ">=1.5", "chardet": "<6"}
    # A self-reference through an extra keeps the extra, drops the self edge.
    assert _deps(m, Pkg(cn("foo"), cn("everything"))) == {"foo": "==1.0", "foo[all]": ""}


def test_overrides_replace_and_constraints_narrow() -> None:
    m = Manifest(
        overrides={cn("idna"): [ManifestRequirement(name=cn("idna"), specifier=SpecifierSet("<2"))]},
        constraints={cn("pysocks"): [ManifestRequirement(name=cn("pysocks"),
                                                         specifier=SpecifierSet("!=1.7"))]},
    )
    assert _deps(m, Pkg(cn("foo"))) == {"idna": "<2"}
    assert _deps(m, Pkg(cn("foo"), cn("socks")))["pysocks"] == "!=1.7,>=1.5"


def test_read_preferences(tmp_path: Path) -> None:
    out = tmp_path / "requirements.txt"
    out.write_text("# header\nflask==2.0.1 \\\n    --hash=sha256:abc\n    # via -r x.in\n"
                   "black @ https://example.invalid/black.whl\nidna>=2\n--index-url http://x\n")
    assert read_preferences(out) == {"flask": Version("2.0.1")}
    assert read_preferences(tmp_path / "missing.txt") == {}


def test_read_preferences_of_lines_with_extras_markers_and_odd_pins(tmp_path: Path) -> None:
    out = tmp_path / "requirements.txt"
    out.write_text(
        "colorama==0.4.6 ; sys_platform == 'win32'\n"  # a universal output's marker
        "Foo.Bar[socks,tls]==1.2\n"
        "tomli==2.0.1 ; python_full_version < '3.11' and implementation_name == 'cpython'\n"
        "wild==1.0.*\n"  # not one version
        "two==1.0,==1.0\n"
        "bad==1.0 ; python_version <\n"  # an invalid marker: not a requirement at all
        "paren (==3.1)\n"
        "arbitrary===1.0\n"
        "ranged>=1,<2\n"
    )
    assert read_preferences(out) == {
        "colorama": Version("0.4.6"), "foo-bar": Version("1.2"), "tomli": Version("2.0.1"),
        "paren": Version("3.1"),
    }


def _sdist(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_static_sdist_metadata() -> None:
    old = "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"
    data = _sdist({
        "pkg-1.0/PKG-INFO": old,
        "pkg-1.0/pkg.egg-info/PKG-INFO": old,
        "pkg-1.0/pkg.egg-info/requires.txt": "six\n\n[:python_version < \"3\"]\nenum34\n\n"
                                             "[test]\npytest\n",
    })
    # An egg-info's requires.txt is not reliable (setup.py may compute it per platform): a build.
    assert metadata_from_sdist_bytes(data, "pkg-1.0.tar.gz") is None
    new = _sdist({"pkg-1.0/PKG-INFO": "Metadata-Version: 2.2\nName: pkg\nVersion: 1.0\n"
                                      "Requires-Dist: attrs\n"})
    meta = metadata_from_sdist_bytes(new, "pkg-1.0.tar.gz")
    assert meta is not None and meta.requires_dist == ["attrs"]
    pyproject = _sdist({
        "pkg-1.0/PKG-INFO": old,
        "pkg-1.0/pyproject.toml": '[project]\nname = "pkg"\nversion = "1.0"\n'
                                  'dependencies = ["attrs"]\n',
    })
    meta = metadata_from_sdist_bytes(pyproject, "pkg-1.0.tar.gz")
    assert meta is not None and meta.requires_dist == ["attrs"]
    with_extras = _sdist({
        "pkg-1.0/PKG-INFO": old,
        "pkg-1.0/pyproject.toml": '[project]\nname = "pkg"\nversion = "1.0"\n'
                                  '[project.optional-dependencies]\n'
                                  'url = ["dep @ https://files.invalid/dep-1.0-py3-none-any.whl",'
                                  ' "semi @ https://files.invalid/a;b/semi-1.0.whl ; os_name == \'nt\'",'
                                  ' "plain>=1;python_version<\'3.9\'"]\n',
    })
    meta = metadata_from_sdist_bytes(with_extras, "pkg-1.0.tar.gz")
    assert meta is not None and meta.requires_dist == [
        'dep @ https://files.invalid/dep-1.0-py3-none-any.whl ; extra == "url"',
        'semi @ https://files.invalid/a;b/semi-1.0.whl ; os_name == "nt" and extra == "url"',
        'plain>=1; python_version < "3.9" and extra == "url"',
    ]
    dynamic = _sdist({"pkg-1.0/PKG-INFO": old, "pkg-1.0/setup.py": "setup()"})
    assert metadata_from_sdist_bytes(dynamic, "pkg-1.0.tar.gz") is None


_REQUIREMENT_TEXTS = [
    "foo", "foo>=1", "foo >= 1.0 , <2", "foo(>=1)", "foo (>=1,<2) ; python_version<'3'",
    "foo;python_version<'3'", "foo>=1;python_version<'3'", "foo[a,b]>=1", "foo[ A_b , c ]", "foo[]",
    "foo>=1.0.*", "foo==1.0.*", "foo; extra == 'x' ", "foo>=1.0a1", "foo===abc", "foo~=1",
    "foo<1.0+local", "Foo.Bar_baz>=1", "foo[x](>=1)", "foo >=1 ;python_version>'3'",
    "foo (==1.0, !=1.1)", 'foo>=1; extra == "a" or extra == "b"', "foo; (python_version<'3')",
    # Not the simple shape, or invalid: packaging decides.
    "foo>=1,", "foo>=", "foo ; ", "foo;", "foo @ http://127.0.0.1/foo-1.0-py3-none-any.whl",
    "foo>=1 and", "-foo", "foo-", "foo ==1.0 ==2.0", "foo[a b]", "foo; nonsense",
]


def test_requirement_fast_path_matches_packaging() -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    from sula.resolver.dependencies import _parse_one
    from sula.resolver.lenient import repair_requirement

    for text in _REQUIREMENT_TEXTS:
        try:
            r = Requirement(text)
        except InvalidRequirement:
            # Invalid: read as its repair (uv's), or not at all.
            repaired = repair_requirement(text)
            assert _parse_one(text) == (_parse_one(repaired) if repaired else None), text
            continue
        got = _parse_one(text)
        assert got is not None, text
        assert got.name == cn(r.name)
        assert got.extras == tuple(sorted(cn(e) for e in r.extras))
        assert got.specifier == r.specifier and str(got.specifier) == str(r.specifier)
        assert got.url == r.url
        assert str(got.marker) == str(r.marker) if r.marker else got.marker is None


def test_same_marker_text_evaluated_once_per_extra() -> None:
    from sula.resolver import dependencies

    dependencies._MARKER_RESULTS.clear()  # shared by the builders of one process
    b = DependencyBuilder(markers=MARKERS_311, manifest=Manifest())
    deps = b.for_metadata(Pkg(cn("x")), Version("1"), [
        "a; python_version < '3.12'", "b>=1; python_version < '3.12'", "c; python_version >= '3.12'",
    ])
    assert [str(d.pkg) for d in deps] == ["a", "b"]
    assert set(b._marker_cache) == {("python_version < '3.12'", ""), ("python_version >= '3.12'", "")}


def test_marker_results_are_shared_by_builders_of_one_environment_only() -> None:
    """A second resolution in one process (``sula.resolve``) evaluates no marker again for
    the same environment; another environment has its own results."""
    reqs = ["a; python_version < '3.12'", "w; sys_platform == 'win32'"]
    first = DependencyBuilder(markers=MARKERS_311, manifest=Manifest())
    assert [str(d.pkg) for d in first.for_metadata(Pkg(cn("x")), Version("1"), reqs)] == ["a"]
    second = DependencyBuilder(markers=dict(MARKERS_311), manifest=Manifest())
    assert second._marker_cache is first._marker_cache
    windows = DependencyBuilder(markers={**MARKERS_311, "sys_platform": "win32"}, manifest=Manifest())
    assert windows._marker_cache is not first._marker_cache
    assert [str(d.pkg) for d in windows.for_metadata(Pkg(cn("x")), Version("1"), reqs)] == ["a", "w"]
    assert [str(d.pkg) for d in second.for_metadata(Pkg(cn("x")), Version("1"), reqs)] == ["a"]


def test_a_solver_package_is_one_object_per_name_and_extra() -> None:
    """Equal packages are the same object (the solver's lookups hash and compare in C),
    also through a copy or a pickle; they cannot be changed."""
    import copy
    import pickle

    foo = Pkg(cn("foo"))
    assert foo is Pkg(cn("foo"), None) is copy.deepcopy(foo)
    assert pickle.loads(pickle.dumps(Pkg(cn("foo"), cn("bar")))) is Pkg(
        cn("foo"), cn("bar"))
    assert Pkg(cn("foo"), cn("bar")).base is foo
    assert foo != Pkg(cn("foo"), cn("bar"))
    assert {foo: 1}.get(Pkg(cn("foo"))) == 1
    assert (str(Pkg(cn("foo"), cn("bar"))), repr(foo)) == (
        "foo[bar]", "Pkg(name='foo', extra=None)")
    try:
        foo.name = cn("baz")
    except AttributeError:
        pass
    else:
        raise AssertionError("a Pkg was changed")
    assert foo.name == "foo"
