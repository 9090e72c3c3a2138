"""Entry-point launchers and ``#!python`` shebang rewriting for a POSIX target interpreter."""

from __future__ import annotations

import os
import re

from sula.installer.wheel import EntryPoint

__all__ = ["entry_point_script", "rewrite_shebang", "shebang"]

# Linux's BINPRM_BUF_SIZE is 128 bytes for the whole `#!...` line, newline included.
_MAX_SHEBANG = 127

_SCRIPT_TEMPLATE = """\
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {import_name}
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit({call}())
"""

_SIMPLE_PATH = re.compile(r"^[A-Za-z0-9_./+@%,:=~-]+$")


def shebang(python: str, *, relocatable: bool = False) -> str:
    """The first line(s) that make a script run under ``python``.

    A path with spaces or one too long for the kernel becomes a ``/bin/sh`` trampoline
    that re-executes the file with the interpreter (what pip and distlib do).
    ``relocatable``: a trampoline that runs the interpreter named like ``python`` beside
    the script itself, so the environment still works after a move (uv's).
    """
    if relocatable:
        name = os.path.basename(python).replace("'", "'\"'\"'")
        here = '"$(dirname -- "$(realpath -- "$0")")"'
        return f"#!/bin/sh\n'''exec' {here}/'{name}' \"$0\" \"$@\"\n' '''\n"
    line = f"#!{python}"
    if _SIMPLE_PATH.match(python) and len(line) + 1 <= _MAX_SHEBANG:
        return line + "\n"
    quoted = python.replace("'", "'\"'\"'")
    return f"#!/bin/sh\n'''exec' '{quoted}' \"$0\" \"$@\"\n' '''\n"


def entry_point_script(entry: EntryPoint, python: str, *, relocatable: bool = False) -> bytes:
    """The launcher for ``entry``: import the object and exit with its return value."""
    head = entry.attr.split(".", 1)[0]
    body = _SCRIPT_TEMPLATE.format(module=entry.module, import_name=head, call=entry.attr)
    return (shebang(python, relocatable=relocatable) + body).encode("utf-8")


def rewrite_shebang(data: bytes, python: str, *, relocatable: bool = False) -> bytes | None:
    """``data`` with a ``#!python`` / ``#!pythonw`` first line pointed at ``python``; None if not one."""
    if not data.startswith(b"#!python"):
        return None
    first, nl, rest = data.partition(b"\n")
    tail = first[len(b"#!python") :].rstrip(b"\r")
    if tail not in (b"", b"w") and not tail.startswith((b" ", b"\t")):
        return None
    args = tail[1:].strip() if tail.startswith(b"w") else tail.strip()
    line = shebang(python, relocatable=relocatable).encode("utf-8")
    if args and line.startswith(b"#!") and not line.startswith(b"#!/bin/sh"):
        line = line.rstrip(b"\n") + b" " + args + b"\n"
    return line + rest if nl else line
