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

from types import SimpleNamespace

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Final

__all__ = ["Option", "add_options", "quick_parse"]


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
