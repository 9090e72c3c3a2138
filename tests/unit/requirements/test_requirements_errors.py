"""Parse errors name the file and line and put a caret under the bad span (exact snapshots)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sula.errors import SulaError, format_chain
from sula.requirements import (
    RequirementsError,
    RequirementsParseError,
    from_sources,
    parse_requirements_file,
    parse_requirements_text,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "requirements"


def rendered(text: str, tmp_path: Path) -> str:
    with pytest.raises(RequirementsError) as info:
        parse_requirements_text(
            text, name="reqs.txt", base_dir=tmp_path, working_dir=tmp_path, environ={}
        )
    assert isinstance(info.value, SulaError) and info.value.exit_code == 1
    return "\n".join(format_chain(info.value))


def test_marker_error_snapshot(tmp_path: Path) -> None:
    text = "six\n# comment\nflask >= 2.0 ; python_version <\n"
    with pytest.raises(RequirementsParseError) as info:
        parse_requirements_text(text, name="reqs.txt", base_dir=tmp_path, environ={})
    assert str(info.value) == (
        "Couldn't parse requirement in `reqs.txt` at line 3\n"
        "  flask >= 2.0 ; python_version <\n"
        "                                 ^"
    )
    assert (info.value.name, info.value.line_number, info.value.span) == ("reqs.txt", 3, (31, 32))
    assert "\n".join(format_chain(info.value)) == (
        "error: Couldn't parse requirement in `reqs.txt` at line 3\n"
        "  flask >= 2.0 ; python_version <\n"
        "                                 ^\n"
        "  Caused by: Expected a marker variable or quoted string"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "foo >= 1 x",
            "error: Couldn't parse requirement in `reqs.txt` at line 1\n"
            "  foo >= 1 x\n"
            "           ^\n"
            "  Caused by: Expected comma (within version specifier), semicolon (after version"
            " specifier) or end",
        ),
        (
            "six\n--foo bar\n",
            "error: Unknown option `--foo` in `reqs.txt` at line 2\n"
            "  --foo bar\n"
            "  ^^^^^",
        ),
        (
            "six \\\n  --hash=sha256:00 \\\n  --hash=sha256\n",
            "error: Invalid `--hash` value `sha256` in `reqs.txt` at line 1\n"
            "  six   --hash=sha256:00   --hash=sha256\n"
            "                                  ^^^^^^\n"
            "  Caused by: Expected a hash algorithm and a digest, like `sha256:ab12…`",
        ),
        (
            "six --hash=sha1:00",
            "error: Unsupported hash algorithm `sha1` in `reqs.txt` at line 1\n"
            "  six --hash=sha1:00\n"
            "             ^^^^^^^\n"
            "  Caused by: Supported algorithms are `md5`, `sha256`, `sha384`, `sha512`",
        ),
        (
            "--hash=sha256:00",
            "error: Option `--hash` must follow a requirement on the same line in `reqs.txt`"
            " at line 1\n"
            "  --hash=sha256:00\n"
            "  ^^^^^^^^^^^^^^^^",
        ),
        (
            "six --pre",
            "error: Option `--pre` must be on its own line, not after a requirement in"
            " `reqs.txt` at line 1\n"
            "  six --pre\n"
            "      ^^^^^",
        ),
        (
            "-r",
            "error: Missing value for option `-r` in `reqs.txt` at line 1\n"
            "  -r\n"
            "  ^^",
        ),
        (
            "\n\n-r missing.txt",
            "error: Couldn't read included file `missing.txt` in `reqs.txt` at line 3\n"
            "  -r missing.txt\n"
            "     ^^^^^^^^^^^\n"
            "  Caused by: No such file",
        ),
        (
            "https://x.example/bad-name.whl",
            "error: Invalid wheel filename `bad-name.whl` in `reqs.txt` at line 1\n"
            "  https://x.example/bad-name.whl\n"
            "  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
            "  Caused by: expected `name-version(-build)?-python-abi-platform.whl`",
        ),
        (
            "./pkg[bad extra!]",
            "error: Couldn't parse extras in `reqs.txt` at line 1\n"
            "  ./pkg[bad extra!]\n"
            "       ^^^^^^^^^^^^\n"
            "  Caused by: `bad extra!` is not a valid extra name",
        ),
        (
            "https://x.example/a-1.0.tar.gz ; python_version <",
            "error: Couldn't parse marker in `reqs.txt` at line 1\n"
            "  https://x.example/a-1.0.tar.gz ; python_version <\n"
            "                                                   ^\n"
            "  Caused by: Expected a marker variable or quoted string",
        ),
        (
            "x;\tpython_version ~ '3'",
            "error: Couldn't parse requirement in `reqs.txt` at line 1\n"
            "  x; python_version ~ '3'\n"
            "                    ^\n"
            "  Caused by: Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in,"
            " not in",
        ),
        (
            "six --global-option=x",
            "error: Option `--global-option` is not supported in `reqs.txt` at line 1\n"
            "  six --global-option=x\n"
            "      ^^^^^^^^^^^^^^^^^",
        ),
        (
            "-e git+https://x.example/r.git",
            "error: Editable requirement must be a local directory in `reqs.txt` at line 1\n"
            "  -e git+https://x.example/r.git\n"
            "     ^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        ),
        (
            "six -C novalue",
            "error: Invalid `--config-settings` value `novalue` (expected `KEY=VALUE`) in"
            " `reqs.txt` at line 1\n"
            "  six -C novalue\n"
            "         ^^^^^^^",
        ),
        (
            "-r https://x.example/r.txt",
            "error: Remote requirements files are not supported yet in `reqs.txt` at line 1\n"
            "  -r https://x.example/r.txt\n"
            "     ^^^^^^^^^^^^^^^^^^^^^^^",
        ),
        (
            "--no-index=1",
            "error: Option `--no-index` takes no value in `reqs.txt` at line 1\n"
            "  --no-index=1\n"
            "  ^^^^^^^^^^^^",
        ),
    ],
)
def test_error_snapshots(text: str, expected: str, tmp_path: Path) -> None:
    assert rendered(text, tmp_path) == expected


def test_error_in_included_file_names_that_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.txt").write_text("ok\n\nbad ==\n")
    (tmp_path / "top.txt").write_text("-r sub/inner.txt\n")
    with pytest.raises(RequirementsParseError) as info:
        parse_requirements_file(tmp_path / "top.txt")
    assert info.value.name == str(tmp_path / "sub" / "inner.txt")
    assert info.value.line_number == 3


def test_cycle_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    with pytest.raises(RequirementsParseError) as info:
        parse_requirements_file("cycle/a.txt")
    assert "\n".join(format_chain(info.value)) == (
        "error: Circular include `cycle/a.txt` → `cycle/b.txt` → `cycle/a.txt` in"
        " `cycle/b.txt` at line 2\n"
        "  -r a.txt\n"
        "     ^^^^^"
    )


def test_missing_top_level_file(tmp_path: Path) -> None:
    with pytest.raises(RequirementsError) as info:
        parse_requirements_file(tmp_path / "nope.txt")
    assert str(info.value) == f"Failed to read requirements file `{tmp_path / 'nope.txt'}`: no such file"


def test_invalid_utf8(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(RequirementsError, match="not UTF-8 text"):
        parse_requirements_file(tmp_path / "latin.txt")


def test_command_line_argument_error_has_no_file(tmp_path: Path) -> None:
    with pytest.raises(RequirementsParseError) as info:
        from_sources(packages=["flask >= 2.0 ;"], working_dir=tmp_path)
    assert "\n".join(format_chain(info.value)) == (
        "error: Couldn't parse requirement\n"
        "  flask >= 2.0 ;\n"
        "                ^\n"
        "  Caused by: Expected a marker variable or quoted string"
    )


@pytest.mark.parametrize(
    ("text", "headline"),
    [
        ("--no-binary --pre", "Option `--no-binary` needs `:all:`, `:none:` or package names"),
        ("-i https://a.example/ six", "Unexpected `six` after an option"),
        ("six --hash=sha256:00 extra", "Unexpected `extra` after an option"),
        ("--pre -e ./pkg", "Option `-e` must start its line"),
        ("-Z", "Unknown option `-Z`"),
        ("svn+https://code.example/repo", "Unsupported version control system `svn`"),
        ("ftp2://code.example/x.whl", "Unsupported URL scheme `ftp2`"),
        ("git+https://code.example/r.git@", "Git URL has an empty reference after `@`"),
        ("https://x.example/x.tar.gz#egg=not%20a%20name", "Invalid `#egg=not a name` fragment"),
    ],
)
def test_error_headlines(text: str, headline: str, tmp_path: Path) -> None:
    with pytest.raises(RequirementsParseError) as info:
        parse_requirements_text(text, base_dir=tmp_path, working_dir=tmp_path, environ={})
    assert info.value.headline.startswith(headline)


def test_error_shows_the_line_before_expansion_so_secrets_stay_hidden(tmp_path: Path) -> None:
    with pytest.raises(RequirementsParseError) as info:
        parse_requirements_text(
            "demo @ https://${TOKEN}@files.example/d.whl ; python_version <",
            name="reqs.txt",
            base_dir=tmp_path,
            environ={"TOKEN": "hunter2-very-long-secret"},
        )
    assert "hunter2" not in "\n".join(format_chain(info.value))
    assert str(info.value) == (
        "Couldn't parse requirement in `reqs.txt` at line 1\n"
        "  demo @ https://${TOKEN}@files.example/d.whl ; python_version <\n"
        "                                                                ^"
    )


def test_error_span_inside_a_variable_covers_the_variable(tmp_path: Path) -> None:
    with pytest.raises(RequirementsParseError) as info:
        parse_requirements_text(
            "-i ${A} ${B} extra", base_dir=tmp_path, environ={"A": "x", "B": "y"}
        )
    assert str(info.value).splitlines()[1:] == ["  -i ${A} ${B} extra", "          ^^^^"]
    with pytest.raises(RequirementsParseError) as info:
        parse_requirements_text(
            "-i ${A} zz${B}", base_dir=tmp_path, environ={"A": "x", "B": "--bad"}
        )
    assert str(info.value).splitlines()[1:] == ["  -i ${A} zz${B}", "          ^^^^^^"]
