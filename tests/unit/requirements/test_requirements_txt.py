"""requirements.txt syntax: one test per element pip accepts, and pip's awkward cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from sula.requirements import (
    RegistryRequirement,
    RequirementEntry,
    RequirementsSpec,
    UrlKind,
    UrlRequirement,
    parse_requirements_file,
    parse_requirements_text,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "requirements"


def parse(text: str, tmp_path: Path, **environ: str) -> RequirementsSpec:
    return parse_requirements_text(
        text, name="reqs.txt", base_dir=tmp_path, working_dir=tmp_path, environ=environ
    )


def one(text: str, tmp_path: Path, **environ: str) -> RequirementEntry:
    spec = parse(text, tmp_path, **environ)
    entries = [*spec.requirements, *spec.editables]
    assert len(entries) == 1, entries
    return entries[0]


def registry(text: str, tmp_path: Path) -> RegistryRequirement:
    req = one(text, tmp_path).requirement
    assert isinstance(req, RegistryRequirement)
    return req


def url(text: str, tmp_path: Path, **environ: str) -> UrlRequirement:
    req = one(text, tmp_path, **environ).requirement
    assert isinstance(req, UrlRequirement)
    return req


# PEP 508 lines --------------------------------------------------------------------------------


def test_pep508_name_extras_specifier_marker(tmp_path: Path) -> None:
    req = registry('Flask[Async,dotenv] >= 2.0, <4 ; python_version > "3.8"', tmp_path)
    assert req.name == "flask"
    assert req.extras == {"async", "dotenv"}
    assert str(req.specifier) == "<4,>=2.0"
    assert str(req.marker) == 'python_version > "3.8"'
    assert req.given == 'Flask[Async,dotenv] >= 2.0, <4 ; python_version > "3.8"'


def test_bare_name_is_normalized(tmp_path: Path) -> None:
    req = registry("Typing_Extensions", tmp_path)
    assert req.name == "typing-extensions"
    assert not req.specifier and req.marker is None


def test_marker_without_space_before_semicolon(tmp_path: Path) -> None:
    req = registry("aiohttp==3.8.5;python_version<'3.12'", tmp_path)
    assert str(req.marker) == 'python_version < "3.12"'


def test_name_at_url(tmp_path: Path) -> None:
    req = url("demo @ https://files.example/demo-1.0.tar.gz", tmp_path)
    assert req.name == "demo"
    assert req.kind is UrlKind.URL
    assert req.url.url == req.url.given == "https://files.example/demo-1.0.tar.gz"


def test_name_with_extras_at_url_and_marker(tmp_path: Path) -> None:
    req = url(
        'demo[cli] @ https://files.example/demo-1.0-py3-none-any.whl ; sys_platform == "linux"',
        tmp_path,
    )
    assert (req.name, req.extras, str(req.marker)) == ("demo", {"cli"}, 'sys_platform == "linux"')
    assert req.url.given == "https://files.example/demo-1.0-py3-none-any.whl"


def test_name_at_relative_path(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    req = url("demo @ ./pkg", tmp_path)
    assert req.kind is UrlKind.DIRECTORY
    assert req.path == tmp_path / "pkg"
    assert req.url.given == "./pkg"
    assert req.url.url == (tmp_path / "pkg").as_uri()


# Bare URLs and paths --------------------------------------------------------------------------


def test_relative_directory(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    req = url("./pkg", tmp_path)
    assert req.kind is UrlKind.DIRECTORY
    assert req.name is None
    assert req.path == tmp_path / "pkg"
    assert req.url.given == "./pkg"


def test_file_url_directory(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    text = (tmp_path / "pkg").as_uri()
    req = url(text, tmp_path)
    assert (req.kind, req.path, req.url.given) == (UrlKind.DIRECTORY, tmp_path / "pkg", text)


def test_relative_file_url(tmp_path: Path) -> None:
    req = url("file:../other/demo-2.0-py3-none-any.whl", tmp_path)
    assert req.kind is UrlKind.PATH
    assert req.path == tmp_path.parent / "other" / "demo-2.0-py3-none-any.whl"
    assert req.name == "demo"


def test_relative_wheel_path_gives_name(tmp_path: Path) -> None:
    req = url("../x/My_Pkg-1.0-py3-none-any.whl", tmp_path)
    assert req.kind is UrlKind.PATH
    assert req.name == "my-pkg"
    assert req.path == tmp_path.parent / "x" / "My_Pkg-1.0-py3-none-any.whl"


def test_sdist_path_name_from_filename(tmp_path: Path) -> None:
    assert url("dist/python-dateutil-2.8.2.tar.gz", tmp_path).name == "python-dateutil"


def test_sdist_url_without_version_has_no_name(tmp_path: Path) -> None:
    req = url("https://code.example/o/r/archive/main.zip", tmp_path)
    assert (req.kind, req.name) == (UrlKind.URL, None)


def test_remote_sdist_url(tmp_path: Path) -> None:
    req = url("https://files.example/pkgs/demo-1.2.tar.gz", tmp_path)
    assert (req.kind, req.name) == (UrlKind.URL, "demo")


def test_git_url_with_ref_subdirectory_and_egg(tmp_path: Path) -> None:
    text = "git+https://code.example/org/repo.git@v1.2#subdirectory=libs/demo&egg=demo-lib"
    req = url(text, tmp_path)
    assert req.kind is UrlKind.GIT
    assert req.name == "demo-lib"
    assert req.repository == "https://code.example/org/repo.git"
    assert req.reference == "v1.2"
    assert req.subdirectory == "libs/demo"
    assert req.url.url == req.url.given == text


def test_git_ssh_userinfo_is_not_a_reference(tmp_path: Path) -> None:
    req = url("git+ssh://git@code.example/org/repo.git", tmp_path)
    assert (req.repository, req.reference, req.name) == (
        "ssh://git@code.example/org/repo.git", None, None,
    )
    req = url("git+ssh://git@code.example/org/repo.git@main", tmp_path)
    assert (req.repository, req.reference) == ("ssh://git@code.example/org/repo.git", "main")


def test_other_vcs_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="only `git\\+` URLs"):
        parse("hg+https://code.example/repo#egg=x", tmp_path)


def test_directory_without_egg_has_unknown_name(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    assert url("src/", tmp_path).name is None


def test_egg_fragment_names_a_directory(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    assert url("file:./pkg#egg=Named_Thing", tmp_path).name == "named-thing"


def test_hash_fragment(tmp_path: Path) -> None:
    req = url("https://files.example/demo-1.0.tar.gz#sha256=00ff", tmp_path)
    assert req.hash == "sha256:00ff"
    assert req.url.url.endswith("#sha256=00ff")


# pip's awkward cases -------------------------------------------------------------------------


def test_marker_after_url_needs_space(tmp_path: Path) -> None:
    req = url('https://files.example/demo-1.0.tar.gz ; python_version >= "3.8"', tmp_path)
    assert str(req.marker) == 'python_version >= "3.8"'
    assert req.url.given == "https://files.example/demo-1.0.tar.gz"
    # pip splits a bare URL at "; " (space after) too.
    req = url('https://files.example/demo-1.0.tar.gz; python_version >= "3.8"', tmp_path)
    assert str(req.marker) == 'python_version >= "3.8"'


def test_semicolon_inside_url_is_part_of_it(tmp_path: Path) -> None:
    req = url("https://files.example/get;id=3/demo-1.0.tar.gz", tmp_path)
    assert req.marker is None
    assert req.url.url == "https://files.example/get;id=3/demo-1.0.tar.gz"


def test_marker_after_path(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    req = url("./pkg;sys_platform=='linux'", tmp_path)
    assert (req.path, str(req.marker)) == (tmp_path / "pkg", 'sys_platform == "linux"')


def test_hash_sign_in_url_is_a_fragment_not_a_comment(tmp_path: Path) -> None:
    req = url("git+https://code.example/r.git#egg=demo  # but this is a comment", tmp_path)
    assert req.name == "demo"
    assert req.url.given == "git+https://code.example/r.git#egg=demo"


def test_comment_after_requirement(tmp_path: Path) -> None:
    assert registry("six==1.16 # pinned\t", tmp_path).given == "six==1.16"


def test_extras_on_path(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    req = url("./pkg[Extra_One, two]", tmp_path)
    assert req.extras == {"extra-one", "two"}
    assert req.path == tmp_path / "pkg"
    assert req.url.given == "./pkg"


def test_extras_on_bare_url(tmp_path: Path) -> None:
    req = url("https://files.example/demo-1.0-py3-none-any.whl[cli]", tmp_path)
    assert (req.name, req.extras) == ("demo", {"cli"})
    assert req.url.url == "https://files.example/demo-1.0-py3-none-any.whl"


def test_extras_and_marker_on_url(tmp_path: Path) -> None:
    req = url('https://files.example/demo-1.0.tar.gz[a] ; os_name == "posix"', tmp_path)
    assert (req.extras, str(req.marker)) == ({"a"}, 'os_name == "posix"')


def test_hash_continuation_lines(tmp_path: Path) -> None:
    entry = one(
        "demo==1.0 \\\n"
        "    --hash=sha256:AA11 \\\n"
        "    --hash sha512:bb22\n",
        tmp_path,
    )
    assert entry.hashes == ("sha256:aa11", "sha512:bb22")
    assert entry.origin.line == 1


def test_pip_compile_output_with_hashes() -> None:
    spec = parse_requirements_file(DATA / "hashes.txt")
    assert [e.name for e in spec.requirements] == ["click", "flask"]
    assert [len(e.hashes) for e in spec.requirements] == [2, 2]
    assert [e.origin.line for e in spec.requirements] == [7, 11]


def test_comment_line_ends_a_continuation(tmp_path: Path) -> None:
    spec = parse("a==1 \\\n# comment \\\nb==2\n", tmp_path)
    assert [e.name for e in spec.requirements] == ["a", "b"]


def test_trailing_backslash_at_end_of_file(tmp_path: Path) -> None:
    assert registry("demo \\\n>=1.0 \\", tmp_path).given == "demo >=1.0"


def test_crlf(tmp_path: Path) -> None:
    spec = parse("a==1\r\n# c\r\nb \\\r\n  >=2\r\n-i https://index.example/simple\r\n", tmp_path)
    assert [str(e.requirement) for e in spec.requirements] == ["a==1", "b>=2"]
    assert spec.index_url is not None and spec.index_url.url == "https://index.example/simple"


def test_utf8_bom_and_utf16(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfsix\n")
    (tmp_path / "wide.txt").write_text("six\n", encoding="utf-16")
    for name in ("bom.txt", "wide.txt"):
        spec = parse_requirements_file(tmp_path / name)
        assert [e.name for e in spec.requirements] == ["six"]


# Environment variables -----------------------------------------------------------------------


def test_env_var_expansion_keeps_verbatim_url(tmp_path: Path) -> None:
    req = url(
        "demo @ https://${USER_TOKEN}@files.example/demo-1.0.tar.gz",
        tmp_path,
        USER_TOKEN="s3cret",
    )
    assert req.url.url == "https://s3cret@files.example/demo-1.0.tar.gz"
    assert req.url.given == "https://${USER_TOKEN}@files.example/demo-1.0.tar.gz"


def test_env_var_in_bare_url_with_marker(tmp_path: Path) -> None:
    req = url('${BASE}/demo-1.0-py3-none-any.whl ; python_version > "3"', tmp_path,
              BASE="https://files.example")
    assert req.name == "demo"
    assert req.url.url == "https://files.example/demo-1.0-py3-none-any.whl"
    assert req.url.given == "${BASE}/demo-1.0-py3-none-any.whl"
    assert str(req.marker) == 'python_version > "3"'


def test_env_var_in_options(tmp_path: Path) -> None:
    spec = parse(
        "--index-url https://${HOST}/simple\n--extra-index-url=https://${HOST}/extra\n",
        tmp_path,
        HOST="idx.example",
    )
    assert spec.index_url is not None
    assert (spec.index_url.url, spec.index_url.given) == (
        "https://idx.example/simple", "https://${HOST}/simple",
    )
    assert [(u.url, u.given) for u in spec.extra_index_urls] == [
        ("https://idx.example/extra", "https://${HOST}/extra"),
    ]


def test_only_braced_uppercase_variables_expand(tmp_path: Path) -> None:
    spec = parse(
        "-i https://h.example/$HOST/${lower}/${UNSET}/${EMPTY}/${HOST}\n",
        tmp_path,
        HOST="x", lower="y", EMPTY="",
    )
    assert spec.index_url is not None
    assert spec.index_url.url == "https://h.example/$HOST/${lower}/${UNSET}/${EMPTY}/x"


def test_process_environment_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SULA_TEST_INDEX", "https://env.example/simple")
    spec = parse_requirements_text("-i ${SULA_TEST_INDEX}\n", base_dir=tmp_path)
    assert spec.index_url is not None and spec.index_url.url == "https://env.example/simple"


# Options -------------------------------------------------------------------------------------


def test_editable_directory(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    spec = parse("-e ./pkg[dev]\n--editable=./pkg\n-e./pkg\n", tmp_path)
    assert spec.requirements == ()
    assert len(spec.editables) == 3
    for entry in spec.editables:
        assert entry.editable
        req = entry.requirement
        assert isinstance(req, UrlRequirement) and req.path == tmp_path / "pkg"
    first = spec.editables[0].requirement
    assert first.extras == {"dev"}


def test_editable_with_marker_and_config_settings(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    entry = one(
        '-e ./pkg ; python_version >= "3.8" --config-settings editable_mode=compat', tmp_path
    )
    assert entry.editable and str(entry.requirement.marker) == 'python_version >= "3.8"'
    assert entry.config_settings == (("editable_mode", "compat"),)


def test_editable_must_be_a_directory(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="Editable requirement must be a local directory"):
        parse("-e git+https://code.example/r.git#egg=x", tmp_path)


def test_index_options(tmp_path: Path) -> None:
    spec = parse(
        "-i https://a.example/simple\n"
        "--index-url=https://b.example/simple\n"
        "--extra-index-url https://c.example/simple\n"
        "--extra-index-url https://c.example/simple\n"
        "--extra-index-url https://d.example/simple\n"
        "--no-index\n",
        tmp_path,
    )
    assert spec.index_url is not None and spec.index_url.url == "https://b.example/simple"
    assert [u.url for u in spec.extra_index_urls] == [
        "https://c.example/simple", "https://d.example/simple",
    ]
    assert spec.no_index


def test_find_links_relative_to_file_when_it_exists(tmp_path: Path) -> None:
    (tmp_path / "reqdir" / "wheels").mkdir(parents=True)
    (tmp_path / "reqdir" / "reqs.txt").write_text(
        "-f wheels\n--find-links=https://links.example/\n-f ./missing\n"
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    spec = parse_requirements_file(tmp_path / "reqdir" / "reqs.txt", working_dir=elsewhere)
    urls = [u.url for u in spec.find_links]
    assert urls[0] == (tmp_path / "reqdir" / "wheels").as_uri()
    assert urls[1] == "https://links.example/"
    assert urls[2].endswith("/missing")
    assert [u.given for u in spec.find_links] == ["wheels", "https://links.example/", "./missing"]


def test_binary_options_follow_pip_format_control(tmp_path: Path) -> None:
    spec = parse("--no-binary :all:\n--only-binary Foo_Bar,baz\n", tmp_path)
    assert spec.no_binary == {":all:"}
    assert spec.only_binary == {"foo-bar", "baz"}
    spec = parse("--only-binary :all:\n--no-binary :all:\n", tmp_path)
    assert (spec.no_binary, spec.only_binary) == ({":all:"}, frozenset())
    spec = parse("--no-binary a\n--only-binary a\n--no-binary :none:\n", tmp_path)
    assert (spec.no_binary, spec.only_binary) == (frozenset(), {"a"})


def test_flags(tmp_path: Path) -> None:
    spec = parse("--pre\n--prefer-binary --require-hashes\n--trusted-host h.example\n", tmp_path)
    assert spec.pre and spec.prefer_binary and spec.require_hashes
    assert spec.trusted_hosts == ("h.example",)
    assert not parse("six\n", tmp_path).pre


def test_config_settings_kept_in_order(tmp_path: Path) -> None:
    entry = one("demo -C a=1 --config-settings=b=x=y --config-settings a=2", tmp_path)
    assert entry.config_settings == (("a", "1"), ("b", "x=y"), ("a", "2"))


def test_quoted_option_values(tmp_path: Path) -> None:
    spec = parse('-i "https://h.example/my index/"\n', tmp_path)
    assert spec.index_url is not None and spec.index_url.url == "https://h.example/my index/"


# Includes ------------------------------------------------------------------------------------


def test_nested_includes_are_relative_to_the_including_file() -> None:
    spec = parse_requirements_file(DATA / "nested" / "top.txt")
    assert [e.name for e in spec.requirements] == ["leaf", "middle", "toplevel"]
    assert [e.name for e in spec.constraints] == ["leaf", "middle"]
    leaf = spec.requirements[0].origin
    assert leaf.name == str(DATA / "nested" / "leaf.txt")
    assert leaf.line == 1


def test_include_display_names_keep_the_users_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DATA)
    spec = parse_requirements_file("nested/top.txt")
    assert [e.origin.name for e in spec.requirements] == [
        "nested/leaf.txt", "nested/sub/middle.txt", "nested/top.txt",
    ]
    assert spec.constraints[1].origin.name == "nested/sub/more-constraints.txt"


def test_requirement_and_constraint_long_forms(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("alpha\n")
    (tmp_path / "c.txt").write_text("beta<2\n")
    spec = parse("--requirement r.txt\n--constraint=c.txt\n-rr.txt\n", tmp_path)
    assert [e.name for e in spec.requirements] == ["alpha", "alpha"]
    assert [e.name for e in spec.constraints] == ["beta"]


def test_constraint_file_flag(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("beta<2\n--extra-index-url https://x.example/\n")
    spec = parse_requirements_file(tmp_path / "c.txt", constraint=True)
    assert spec.requirements == ()
    assert [e.name for e in spec.constraints] == ["beta"]
    assert [u.url for u in spec.extra_index_urls] == ["https://x.example/"]


def test_diamond_include_is_not_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text("delta\n")
    (tmp_path / "b.txt").write_text("-r d.txt\n")
    (tmp_path / "c.txt").write_text("-r d.txt\n")
    spec = parse("-r b.txt\n-r c.txt\n", tmp_path)
    assert [e.name for e in spec.requirements] == ["delta", "delta"]


def test_nested_cycle_is_an_error() -> None:
    from sula.requirements import IncludeCycleError

    with pytest.raises(IncludeCycleError) as info:
        parse_requirements_file(DATA / "cycle" / "a.txt")
    a, b = str(DATA / "cycle" / "a.txt"), str(DATA / "cycle" / "b.txt")
    assert info.value.chain == [a, b, a]
    assert info.value.line_number == 2


def test_self_include_is_a_cycle(tmp_path: Path) -> None:
    from sula.requirements import IncludeCycleError

    (tmp_path / "self.txt").write_text("-r ./self.txt\n")
    with pytest.raises(IncludeCycleError):
        parse_requirements_file(tmp_path / "self.txt")


def test_stdin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("six\n-r more.txt\n"))
    (tmp_path / "more.txt").write_text("attrs\n")
    spec = parse_requirements_file("-", working_dir=tmp_path)
    assert [(e.name, e.origin.name) for e in spec.requirements] == [
        ("six", "-"), ("attrs", "more.txt"),
    ]


def test_constraints_must_be_named_plain_requirements(tmp_path: Path) -> None:
    from sula.requirements import RequirementsParseError

    (tmp_path / "pkg").mkdir()
    for text, message in [
        ("./pkg", "Unnamed requirement is not allowed as a constraint"),
        ("-e ./pkg", "Editable requirement is not allowed as a constraint"),
        ("demo[x]<2", "Constraints cannot have extras"),
    ]:
        with pytest.raises(RequirementsParseError, match=message):
            parse_requirements_text(text, base_dir=tmp_path, working_dir=tmp_path,
                                    constraint=True, environ={})


def test_env_vars_in_includes_and_editables(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pkg").mkdir()
    (tmp_path / "sub" / "r.txt").write_text("six\n")
    spec = parse("-r ${SUBDIR}/r.txt\n-e ${SUBDIR}/pkg\n", tmp_path, SUBDIR="sub")
    assert [e.name for e in spec.requirements] == ["six"]
    editable = spec.editables[0].requirement
    assert isinstance(editable, UrlRequirement)
    assert editable.path == tmp_path / "sub" / "pkg"
    assert editable.url.given == "${SUBDIR}/pkg"


def test_use_feature_is_accepted(tmp_path: Path) -> None:
    assert parse("--use-feature=truststore\nsix\n", tmp_path).requirements[0].name == "six"


def test_tokenizer_quotes_and_spans() -> None:
    from sula.requirements._lines import tokenize

    tokens = tokenize("""-r "a b.txt" --x='c d' e\\f""")
    assert [(t.value, t.start, t.end) for t in tokens] == [
        ("-r", 0, 2), ("a b.txt", 3, 12), ("--x=c d", 13, 22), ("e\\f", 23, 26),
    ]


def test_dot_is_the_current_project(tmp_path: Path) -> None:
    spec = parse("-e .\n.[test]\n", tmp_path)
    editable, plain = spec.editables[0].requirement, spec.requirements[0].requirement
    assert isinstance(editable, UrlRequirement) and isinstance(plain, UrlRequirement)
    assert editable.path == plain.path == tmp_path
    assert (editable.kind, plain.extras) == (UrlKind.DIRECTORY, {"test"})
