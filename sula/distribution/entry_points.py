"""``entry_points.txt``: the console and GUI scripts a wheel asks for, validated.

A script's name becomes a file in the environment's scripts directory and its target is
written into the launcher's source, so both are checked here, where the database checks a
wheel before caching it and the installer before linking it.
"""

from __future__ import annotations

import configparser

from sula._record import dataclass
from sula.errors import SulaError

__all__ = ["EntryPoint", "EntryPointError", "parse_entry_points"]


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """A console or GUI script: ``name = module:attr.path [extras]``."""

    name: str
    module: str
    attr: str
    gui: bool = False


class EntryPointError(SulaError):
    """An ``entry_points.txt`` that cannot be turned into launchers (wrapped by the caller)."""


# A script name becomes a file in the scripts directory: one plain path component.
_BAD_NAME_CHARS = frozenset("/\\\x00") | frozenset(chr(c) for c in range(32)) | {"\x7f"}


def _dotted(text: str) -> bool:
    """``a.b.c`` of Python identifiers: the launcher template imports and calls it verbatim."""
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def parse_entry_points(text: str) -> list[EntryPoint]:
    """The ``console_scripts`` and ``gui_scripts`` of an ``entry_points.txt``.

    Raises :class:`EntryPointError` for a script whose name is not one plain file name or
    whose target is not ``module:attr`` of dotted identifiers (it is written into the
    launcher's source, so anything else could inject code), or for a file that does not parse.
    """
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text)
    except configparser.Error as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise EntryPointError(f"`entry_points.txt` does not parse: {first}") from err
    result: list[EntryPoint] = []
    for section, gui in (("console_scripts", False), ("gui_scripts", True)):
        if not parser.has_section(section):
            continue
        for raw_name, value in parser.items(section):
            name = raw_name.strip()
            target = value.split("[", 1)[0].strip()
            module, _, attr = target.partition(":")
            module = module.strip()
            attr = attr.strip()
            shown = f"{name} = {value}".encode("ascii", "backslashreplace").decode("ascii")
            if not name or name in (".", "..") or _BAD_NAME_CHARS.intersection(name) or len(name) > 200:
                raise EntryPointError(f"entry point `{shown}` has a name that is not a plain file name")
            if not _dotted(module) or not _dotted(attr):
                raise EntryPointError(f"entry point `{shown}` does not point at `module:attr`")
            result.append(EntryPoint(name=name, module=module, attr=attr, gui=gui))
    return result
