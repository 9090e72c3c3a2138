"""An argparse-free parse of a command line's plain spellings, for commands that are mostly
start-up (``sula venv``, ``sula help``).

argparse costs about 4 ms before a command does anything (its import with gettext and locale,
then a formatter per argument and half a dozen regular expressions compiled while parsing):
more than ``sula venv`` spends creating the environment. A command that declares its options
as a table of :class:`Option` feeds the same table to argparse (:func:`add_options`) and to
:func:`quick_parse`, which understands only the exact spellings (``--flag``, ``--opt VALUE``,
``--opt=VALUE``, ``-o VALUE``, positionals) and returns None for anything else: ``-h``,
abbreviations, ``--``, a value that starts with ``-``, a missing value, a value outside an
option's choices, an unknown option, too many positionals. The CLI then parses with argparse as usual, so help, errors and every
corner of argparse's syntax stay argparse's. tests/unit/cli/test_quickparse.py checks that
both parsers agree on every line the quick one accepts.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import SimpleNamespace
    from typing import Final
else:
    # What types.py itself does, without importing the types module for one name.
    SimpleNamespace = type(sys.implementation)

__all__ = ["Option", "Recorder", "add_options", "hidden", "quick_parse"]


class Option:
    """One option: its spellings, and either a flag (``store_true``) or a value."""

    __slots__ = ("choices", "dest", "flags", "group", "help", "metavar", "repeat", "takes_value")

    def __init__(
        self,
        *flags: str,
        help: str,
        metavar: str | None = None,
        repeat: bool = False,
        choices: tuple[str, ...] | None = None,
        group: str | None = None,
    ) -> None:
        """A flag without ``metavar``; with it, an option taking one value (default None),
        or with ``repeat`` one value per use collected in a list (``append``, default None).
        ``choices`` limits the values; ``group`` names the help section it is listed in."""
        self.flags: Final = flags
        self.help: Final = help
        self.metavar: Final = metavar
        self.takes_value: Final = metavar is not None
        self.repeat: Final = repeat
        self.choices: Final = choices
        self.group: Final = group
        long = next((f for f in flags if f.startswith("--")), flags[0])
        self.dest: Final = long.lstrip("-").replace("-", "_")  # argparse's rule


def add_options(parser: argparse.ArgumentParser, options: Sequence[Option]) -> None:
    """Declare ``options`` to argparse, with the same destinations and defaults."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for opt in options:
        target: argparse.ArgumentParser | argparse._ArgumentGroup = parser
        if opt.group is not None:
            if opt.group not in groups:
                groups[opt.group] = parser.add_argument_group(opt.group)
            target = groups[opt.group]
        if not opt.takes_value:
            target.add_argument(*opt.flags, dest=opt.dest, action="store_true", help=opt.help)
        elif opt.repeat:
            target.add_argument(*opt.flags, dest=opt.dest, metavar=opt.metavar, help=opt.help,
                                action="append", choices=opt.choices)
        else:
            target.add_argument(*opt.flags, dest=opt.dest, metavar=opt.metavar, help=opt.help,
                                choices=opt.choices)


def quick_parse(
    args: Sequence[str],
    options: Sequence[Option],
    *,
    positional: str,
    default: str | None = None,
    many: bool = False,
) -> SimpleNamespace | None:
    """``args`` parsed as argparse would with ``options`` and one positional ``positional``
    (``nargs="?"`` with ``default``, or ``nargs="*"`` when ``many``), or None when the line
    uses anything but the plain spellings (then argparse must parse it)."""
    lookup = {flag: opt for opt in options for flag in opt.flags}
    values: dict[str, object] = {opt.dest: None if opt.takes_value else False for opt in options}
    words: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if not token.startswith("-"):
            words.append(token)
            continue
        name, eq, value = token.partition("=") if token.startswith("--") else (token, "", "")
        opt = lookup.get(name)
        if opt is None:
            return None
        if not opt.takes_value:
            if eq:
                return None
            values[opt.dest] = True
            continue
        if not eq:
            if i >= len(args) or args[i].startswith("-"):
                return None
            value = args[i]
            i += 1
        if opt.choices is not None and value not in opt.choices:
            return None
        if opt.repeat:
            previous = values[opt.dest]
            values[opt.dest] = [*previous, value] if isinstance(previous, list) else [value]
        else:
            values[opt.dest] = value
    if many:
        values[positional] = words
    elif len(words) > 1:
        return None
    else:
        values[positional] = words[0] if words else default
    return SimpleNamespace(**values)


# -- any command: its argparse declarations, recorded and applied without argparse ---------

_SUPPRESS = "==SUPPRESS=="  # argparse.SUPPRESS's value (argparse compares it by identity)


def hidden(parser: object) -> str:
    """``help=`` for an option left out of ``--help``: argparse's own ``SUPPRESS`` object for a
    real parser, so that a command need not import argparse to declare one."""
    argparse = sys.modules.get("argparse")
    if argparse is not None and isinstance(parser, argparse.ArgumentParser | argparse._ArgumentGroup):
        return str(argparse.SUPPRESS)
    return _SUPPRESS


class _Action:
    __slots__ = ("action", "choices", "default", "dest", "flags", "nargs", "type")

    def __init__(self, flags: tuple[str, ...], kw: dict[str, object]) -> None:
        self.flags = flags
        self.action = kw.get("action") or "store"
        self.nargs = kw.get("nargs")
        self.choices = kw.get("choices")
        self.type = kw.get("type")
        positional = not flags[0].startswith("-")
        long = next((f for f in flags if f.startswith("--")), flags[0])
        dest = kw.get("dest") or (flags[0] if positional else long.lstrip("-").replace("-", "_"))
        self.dest: str = str(dest)
        default = kw.get("default")
        if "default" not in kw:
            default = {"store_true": False, "store_false": True}.get(str(self.action))
        self.default = default


class Recorder:
    """Stands in for the ``argparse.ArgumentParser`` of one command: records what the
    command's ``add_arguments`` declares (options, positionals, groups, epilog) and parses a
    plain line (:meth:`parse`) the way argparse would, or answers None for anything else
    (then the CLI builds the real parser, with its help and its errors).

    Understood: ``store``, ``store_true``, ``store_false``, ``append``, ``count``; ``choices``,
    ``type``, ``default``, ``dest``; one positional with ``nargs`` None, ``?``, ``*`` or ``+``.
    Anything else declared (a mutually exclusive group, ``set_defaults``, another ``nargs``)
    makes every line go to argparse."""

    def __init__(self) -> None:
        self.epilog: str | None = None
        self.description: str | None = None
        self._options: dict[str, _Action] = {}
        self._actions: list[_Action] = []
        self._positionals: list[_Action] = []
        self._unsupported = False

    def add_argument(self, *flags: str, **kw: object) -> None:
        act = _Action(flags, kw)
        if act.action not in ("store", "store_true", "store_false", "append", "count"):
            self._unsupported = True
        if flags[0].startswith("-"):
            if act.nargs is not None:
                self._unsupported = True
            for flag in flags:
                self._options[flag] = act
        else:
            if act.nargs not in (None, "?", "*", "+"):
                self._unsupported = True
            self._positionals.append(act)
        self._actions.append(act)

    def add_argument_group(self, title: str | None = None, description: str | None = None) -> Recorder:
        return self  # groups only arrange --help

    def add_mutually_exclusive_group(self, **_kw: object) -> Recorder:
        self._unsupported = True
        return self

    def set_defaults(self, **_kw: object) -> None:
        self._unsupported = True

    def parse(self, args: Sequence[str]) -> SimpleNamespace | None:
        """``args`` parsed as argparse would, or None when the line is not plain."""
        if self._unsupported or len(self._positionals) > 1:
            return None
        values: dict[str, object] = {}
        for act in self._actions:
            if act.default != _SUPPRESS and act.dest not in values:
                values[act.dest] = act.default
        given: set[str] = set()
        words: list[str] = []
        run_ended = False  # argparse takes one run of positional words (not intermixed)
        i = 0
        while i < len(args):
            token = args[i]
            i += 1
            if token == "-" or not token.startswith("-"):
                if run_ended:
                    return None
                words.append(token)
                continue
            if words:
                run_ended = True
            name, eq, value = token.partition("=") if token.startswith("--") else (token, "", "")
            found = self._options.get(name)
            if found is None or token in ("-h", "--help"):
                return None
            act = found
            if act.action in ("store_true", "store_false", "count"):
                if eq:
                    return None
                if act.action == "count":
                    previous = values.get(act.dest)
                    values[act.dest] = (previous if isinstance(previous, int) else 0) + 1
                else:
                    values[act.dest] = act.action == "store_true"
                given.add(act.dest)
                continue
            if not eq:
                if i >= len(args) or (args[i].startswith("-") and args[i] != "-"):
                    return None
                value = args[i]
                i += 1
            converted = self._convert(act, value)
            if converted is _INVALID:
                return None
            if act.action == "append":
                previous = values.get(act.dest) if act.dest in given else act.default
                values[act.dest] = [*(previous if isinstance(previous, list) else []), converted]
            else:
                values[act.dest] = converted
            given.add(act.dest)
        for act in self._actions:  # argparse converts string defaults with ``type``
            if (act.dest not in given and act.type is not None and isinstance(act.default, str)
                    and act.default != _SUPPRESS):
                converted = self._convert(act, act.default)
                if converted is _INVALID:
                    return None
                values[act.dest] = converted
        if self._positionals:
            pos = self._positionals[0]
            if pos.nargs is None:
                if len(words) != 1:
                    return None
                values[pos.dest] = self._convert(pos, words[0])
            elif pos.nargs == "?":
                if len(words) > 1:
                    return None
                values[pos.dest] = self._convert(pos, words[0]) if words else pos.default
            else:
                if pos.nargs == "+" and not words:
                    return None
                items = [self._convert(pos, w) for w in words]
                values[pos.dest] = items if items or pos.default is None else pos.default
            got = values[pos.dest]
            if got is _INVALID or (isinstance(got, list) and _INVALID in got):
                return None
        elif words:
            return None
        return SimpleNamespace(**values)

    @staticmethod
    def _convert(act: _Action, value: str) -> object:
        result: object = value
        if callable(act.type):
            try:
                result = act.type(value)
            except (TypeError, ValueError):
                return _INVALID
        if act.choices is not None and result not in act.choices:  # type: ignore[operator]
            return _INVALID
        return result


_INVALID = object()
