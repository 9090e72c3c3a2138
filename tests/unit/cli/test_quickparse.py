"""The argparse-free parse agrees with argparse wherever it answers, and defers otherwise."""

from __future__ import annotations

import argparse

import pytest

from sula.cli.commands import help as help_cmd
from sula.cli.commands import venv as venv_cmd
from sula.cli.main import COMMANDS, CommandInfo, build_parser, main

ANSWERED = [
    [],
    ["env"],
    ["env", "--seed"],
    ["--seed", "env"],
    ["-p", "3.12", "env"],
    ["--python", "3.12"],
    ["--python=/usr/bin/python3", "--prompt", "my proj"],
    ["--prompt=", "x"],
    ["--prompt", ""],
    ["--prompt=-dash"],
    ["--clear", "--allow-existing", "--relocatable", "--system-site-packages", "e"],
    ["--seed", "--seed", "-p", "3.8", "--python", "3.12"],  # last one wins, as in argparse
    ["--seed", "-i", "http://h/simple", "--extra-index-url", "http://a", "--extra-index-url=http://b"],
    ["--seed", "--no-index", "-f", "./wheels", "--find-links", "/w2", "--link-mode", "copy"],
    ["--seed", "--index-strategy", "unsafe-best-match", "--exclude-newer", "2026-11-01T00:00:00Z"],
    ["--seed", "--refresh", "--refresh-package", "pip", "--index-url=http://x"],
]

DEFERRED = [
    ["-h"],
    ["--help"],
    ["--sys"],  # an abbreviation: argparse's business
    ["--seed=yes"],
    ["-p3.12"],
    ["--python"],
    ["--prompt", "-x"],
    ["--prompt", "--clear"],
    ["a", "b"],
    ["--", "env"],
    ["-1"],
    ["-"],
    ["--unknown"],
    ["--link-mode", "teleport"],  # not a choice: argparse's error
    ["--index-strategy=best"],
    ["--extra-index-url"],
]


def _argparse(args: list[str]) -> dict[str, object]:
    info = COMMANDS["venv"]
    assert isinstance(info, CommandInfo)
    parser, _ = build_parser(["venv"], info)
    return vars(parser.parse_args(args))


@pytest.mark.parametrize("args", ANSWERED, ids=" ".join)
def test_venv_quick_parse_agrees_with_argparse(args: list[str]) -> None:
    quick = venv_cmd.parse_quick(args)
    assert quick is not None
    assert vars(quick) == _argparse(args)


@pytest.mark.parametrize("args", DEFERRED, ids=" ".join)
def test_venv_quick_parse_defers_to_argparse(args: list[str]) -> None:
    assert venv_cmd.parse_quick(args) is None


def test_venv_choices_match_the_settings() -> None:
    from sula.client.settings import IndexStrategy
    from sula.installer.linker import LinkMode

    assert tuple(s.value for s in IndexStrategy) == venv_cmd.INDEX_STRATEGIES
    assert set(venv_cmd.LINK_MODES) == {m.value for m in LinkMode}


def test_venv_index_options_match_pip_install() -> None:
    """`sula venv --seed` takes `sula pip install`'s index flags, with the same destinations."""
    from sula.client.settings import add_index_arguments

    pip = argparse.ArgumentParser()
    add_index_arguments(pip)
    venv = argparse.ArgumentParser()
    venv_cmd.add_arguments(venv)
    pip_flags = {f: (a.dest, a.default) for a in pip._actions for f in a.option_strings}
    venv_flags = {f: (a.dest, a.default) for a in venv._actions for f in a.option_strings}
    assert {f: venv_flags.get(f) for f in pip_flags} == pip_flags


def test_every_venv_option_is_in_the_table() -> None:
    """add_arguments declares nothing the quick parser does not know (besides -h and PATH)."""
    parser = argparse.ArgumentParser()
    venv_cmd.add_arguments(parser)
    declared = {f for a in parser._actions for f in a.option_strings} - {"-h", "--help"}
    assert declared == {f for o in venv_cmd.OPTIONS for f in o.flags}


@pytest.mark.parametrize("args", [[], ["venv"], ["pip", "sync"]])
def test_help_quick_parse_agrees_with_argparse(args: list[str]) -> None:
    info = COMMANDS["help"]
    assert isinstance(info, CommandInfo)
    parser, _ = build_parser(["help"], info)
    quick = help_cmd.parse_quick(args)
    assert quick is not None and vars(quick) == vars(parser.parse_args(args))
    assert help_cmd.parse_quick(["--help"]) is None


def test_deferred_lines_still_get_argparse_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["venv", "a", "b"])
    assert info.value.code == 2
    assert "unrecognized arguments: b" in capsys.readouterr().err
