"""The README's promises that code can check: the first command, and the drop-in flag table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sula.cli.main import COMMANDS, CommandInfo, build_parser

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_first_command_installs_a_real_package_into_a_new_venv_and_runs_it() -> None:
    first = re.search(r"```sh\n(.*?)\n```", README, re.S)
    assert first is not None
    steps = [s.strip() for s in first.group(1).split("&&")]
    assert steps[0] == "python3 -m pip install ."
    venv = re.fullmatch(r"sula venv (\S+)( --clear)?", steps[1])
    assert venv is not None
    assert re.fullmatch(rf"sula pip install --python {re.escape(venv.group(1))} \w+", steps[2])
    assert steps[3].startswith(f"{venv.group(1)}/bin/python -m ")


def _table_rows() -> list[tuple[list[str], list[str]]]:
    start = README.index("| flag | commands | what sula does |")
    rows = []
    for line in README[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        flags_cell, commands_cell = line.split("|")[1:3]
        flags = [f.split("=")[0].split(" ")[0] for f in re.findall(r"`(-[^`]+)`", flags_cell)]
        commands = re.findall(r"`([a-z]+)`", commands_cell)
        rows.append((flags, commands))
    return rows


@pytest.mark.parametrize(("flags", "commands"), _table_rows())
def test_every_flag_in_the_drop_in_table_is_accepted(flags: list[str], commands: list[str]) -> None:
    pip = COMMANDS["pip"]
    assert isinstance(pip, dict)
    names = commands or list(pip)  # "every command"
    for name in names:
        info = pip[name]
        assert isinstance(info, CommandInfo)
        parser, _ = build_parser(["pip", name], info)
        known = {opt for action in parser._actions for opt in action.option_strings}
        for flag in flags:
            if flag == "--no-cache-dir":  # a global option, taken out before the parser
                from sula.cli.main import split_global_options

                assert split_global_options([flag])[0].no_cache
                continue
            assert flag in known, f"`sula pip {name}` lacks {flag}"
