"""The argparse-free parse of every command (sula.cli._quickparse.Recorder) agrees with argparse
on every flag of every command, and leaves the rest to argparse. The lines are made from
each command's real parser, so a new flag is checked without a new test line."""

from __future__ import annotations

import argparse
import importlib
import sys
from types import SimpleNamespace

import pytest

from sula.cli._quickparse import Recorder
from sula.cli.main import COMMANDS, CommandInfo, build_parser


def _commands() -> list[tuple[list[str], CommandInfo]]:
    out: list[tuple[list[str], CommandInfo]] = []
    for name, entry in COMMANDS.items():
        items = entry.items() if isinstance(entry, dict) else [(None, entry)]
        for sub, info in items:
            module = importlib.import_module(info.module)
            if not hasattr(module, "parse_quick"):  # venv and help have their own (test_quickparse)
                out.append(([name] if sub is None else [name, sub], info))
    return out


COMMAND_LIST = _commands()


def _value(action: argparse.Action) -> str:
    if action.choices:
        return str(list(action.choices)[-1])
    if action.type is int:
        return "7"
    if action.type is float:
        return "2.5"
    return "v-" + action.dest


def _lines(parser: argparse.ArgumentParser) -> list[list[str]]:
    """One line per spelling of every option of ``parser``, each with the positional words
    the command needs, then all options together."""
    positional = [a for a in parser._actions if not a.option_strings]
    words = ["one.txt"] if positional and positional[0].nargs in (None, "+") else []
    lines: list[list[str]] = [words, ["first.txt", "second.txt"] if words or positional else []]
    together: list[str] = []
    for action in parser._actions:
        if not action.option_strings or action.default == argparse.SUPPRESS:
            continue  # positionals; the global options (taken out of argv before parsing)
        for flag in action.option_strings:
            if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction
                          | argparse._CountAction):
                lines.append([*words, flag])
                together.append(flag)
            else:
                value = _value(action)
                lines.append([flag, value, *words])
                lines.append([*words, flag, value])
                if flag.startswith("--"):
                    lines.append([*words, f"{flag}={value}"])
                lines.append([*words, flag, value, flag, value + "2" if not action.choices else value])
                together += [flag, value]
    lines.append([*words, *together])
    return lines


def _parse_both(path: list[str], info: CommandInfo, args: list[str]
                ) -> tuple[SimpleNamespace | None, dict[str, object] | None]:
    module = importlib.import_module(info.module)
    recorder = Recorder()
    module.add_arguments(recorder)
    quick = recorder.parse(args)
    parser, _ = build_parser(path, info)
    try:
        real: dict[str, object] | None = vars(parser.parse_args(args))
    except SystemExit:
        real = None
    return quick, real


@pytest.mark.parametrize(("path", "info"), COMMAND_LIST, ids=[" ".join(p) for p, _ in COMMAND_LIST])
def test_recorder_agrees_with_argparse_on_every_flag(
    path: list[str], info: CommandInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    parser, _ = build_parser(path, info)
    answered = 0
    for args in _lines(parser):
        quick, real = _parse_both(path, info, args)
        if quick is None:
            continue  # argparse's to parse: always allowed
        answered += 1
        assert real is not None, f"{args}: argparse refuses what the quick parse accepted"
        assert vars(quick) == real, args
    capsys.readouterr()
    module = importlib.import_module(info.module)
    recorder = Recorder()
    module.add_arguments(recorder)
    if recorder.parse([]) is not None or recorder.parse(["one.txt"]) is not None:
        assert answered > 0


@pytest.mark.parametrize("args", [
    ["-h"], ["--help"], ["--", "x.in"], ["--unknown"], ["--output-fil", "x"],  # an abbreviation
    ["-o"], ["-o", "-x"], ["-oout.txt", "a.in"], ["a.in", "-o", "out.txt", "b.in"],  # intermixed
    ["--generate-hashes=yes"], ["--resolution", "newest"], ["-P", "-1"], ["--format"],
])
def test_recorder_leaves_unusual_lines_to_argparse(args: list[str]) -> None:
    from sula.cli.commands import pip_compile

    recorder = Recorder()
    pip_compile.add_arguments(recorder)  # type: ignore[arg-type]
    assert recorder.parse(args) is None


def test_hidden_option_stays_out_of_help(capsys: pytest.CaptureFixture[str]) -> None:
    info = COMMANDS["pip"]
    assert isinstance(info, dict)
    parser, _ = build_parser(["pip", "compile"], info["compile"])
    assert "--pre " not in parser.format_help()
    assert parser.parse_args(["--pre"]).pre is True


def test_plain_sync_and_compile_import_no_argparse(tmp_path: object) -> None:
    import subprocess

    code = ("import sys\nfrom sula.cli._quickparse import Recorder\n"
            "from sula.cli.commands import pip_compile, pip_sync\n"
            "for m, line in ((pip_compile, ['a.in', '-o', 'b.txt', '--generate-hashes']),"
            " (pip_sync, ['r.txt', '--python', 'p'])):\n"
            "    r = Recorder(); m.add_arguments(r); assert r.parse(line) is not None\n"
            "print('argparse' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
