from __future__ import annotations

import pytest

from sula.cli.main import main, split_global_options
from sula.errors import SulaError, format_chain


def test_global_options_anywhere() -> None:
    opts, rest = split_global_options(
        ["pip", "sync", "x.txt", "-q", "--cache-dir", "D", "-vv", "--color=never", "-n"]
    )
    assert rest == ["pip", "sync", "x.txt"]
    assert (opts.quiet, opts.verbose, opts.color, opts.cache_dir, opts.no_cache) == (
        1, 2, "never", "D", True,
    )


def test_global_options_stop_at_double_dash() -> None:
    opts, rest = split_global_options(["help", "--", "-q"])
    assert opts.quiet == 0
    assert rest == ["help", "--", "-q"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("sula ")


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "unrecognized command `frobnicate`" in capsys.readouterr().err


def test_error_chain_format() -> None:
    try:
        try:
            raise OSError(2, "No such file or directory", "/x")
        except OSError as inner:
            raise SulaError("Failed to read `/x`") from inner
    except SulaError as err:
        lines = format_chain(err)
    assert lines == [
        "error: Failed to read `/x`",
        "  Caused by: No such file or directory: `/x`",
    ]
