"""Everything the CLI shows the user goes through ``Printer``: stdout for results, stderr for the rest."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from typing import TextIO

_STYLES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "cyan": "36",
}


def color_enabled(choice: str, stream: TextIO) -> bool:
    """``--color auto|always|never``, honouring ``NO_COLOR`` and ``FORCE_COLOR`` in auto mode."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class Printer:
    """Writes results to stdout and status, warnings and errors to stderr.

    ``quiet`` silences status lines (``-q``) and, at 2, warnings too; results on
    stdout (``pip freeze``, ``cache dir``) are always written.
    """

    def __init__(self, *, quiet: int = 0, color: str = "auto") -> None:
        self.quiet = quiet
        self.color_err = color_enabled(color, sys.stderr)
        self.color_out = color_enabled(color, sys.stdout)

    def style(self, text: str, *styles: str, stream: str = "err") -> str:
        enabled = self.color_err if stream == "err" else self.color_out
        if not enabled or not styles:
            return text
        codes = ";".join(_STYLES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"

    def out(self, text: str = "") -> None:
        sys.stdout.write(text + "\n")

    def info(self, text: str = "") -> None:
        if self.quiet < 1:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def warn(self, text: str) -> None:
        if self.quiet < 2:
            sys.stderr.write(f"{self.style('warning', 'yellow', 'bold')}: {text}\n")
            sys.stderr.flush()

    def error_lines(self, lines: list[str]) -> None:
        for i, line in enumerate(lines):
            if i == 0 and line.startswith("error:"):
                line = self.style("error", "red", "bold") + line[len("error") :]
            elif line.startswith("  Caused by:"):
                line = "  " + self.style("Caused by", "red", "bold") + line[len("  Caused by") :]
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
