"""PEP 723 inline script metadata: a ``.py`` file's ``# /// script`` block as a requirements source.

The block is TOML in comment lines between ``# /// script`` and ``# ///``; its
``dependencies`` are PEP 508 strings and its ``requires-python`` a specifier that the target
Python must satisfy (checked by :func:`check_requires_python`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sula.requirements._names import is_script
from sula.requirements.errors import InputError, RequirementsError

if TYPE_CHECKING:
    from packaging.version import Version

    from sula.requirements.types import RequirementEntry, RequirementsSpec

__all__ = [
    "ScriptMetadataError",
    "ScriptPythonError",
    "check_requires_python",
    "is_script",
    "read_script",
]

# The reference regular expression of PEP 723.
_BLOCK = re.compile(
    r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$"
)


class ScriptMetadataError(InputError):
    """A script without a ``script`` block, with two of them, or with invalid metadata."""

    template = "Invalid inline script metadata in `{path}`: {reason}"


class ScriptPythonError(RequirementsError):
    """The target Python does not satisfy a script's ``requires-python``."""

    def __init__(self, path: str, requires_python: str, version: Version) -> None:
        super().__init__(
            f"The script `{path}` requires Python `{requires_python}`, "
            f"but the target Python is {version}"
        )
        self.path = path
        self.requires_python = requires_python
        self.version = version


def read_script(path: Path, *, display: str) -> tuple[list[RequirementEntry], str | None]:
    """The script's dependencies as entries, and its ``requires-python`` (None if absent)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from sula.requirements.pyproject import entry_for, parse_dependency, read_input

    source = read_input(path, display)
    blocks = [m for m in _BLOCK.finditer(source) if m.group("type") == "script"]
    if not blocks:
        raise ScriptMetadataError(display, "no `# /// script` block")
    if len(blocks) > 1:
        raise ScriptMetadataError(display, "more than one `# /// script` block")
    block = blocks[0]
    toml = "".join(
        line[2:] if line.startswith("# ") else line[1:]
        for line in block.group("content").splitlines(keepends=True)
    )
    try:
        data = tomllib.loads(toml)
    except tomllib.TOMLDecodeError as err:
        raise ScriptMetadataError(display, f"not valid TOML ({err})") from None
    deps = data.get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise ScriptMetadataError(display, "`dependencies` must be a list of strings")
    requires_python = data.get("requires-python")
    if requires_python is not None:
        if not isinstance(requires_python, str):
            raise ScriptMetadataError(display, "`requires-python` must be a string")
        try:
            SpecifierSet(requires_python)
        except InvalidSpecifier:
            raise ScriptMetadataError(
                display, f"`requires-python` is not a version specifier: `{requires_python}`"
            ) from None
    entries = [
        entry_for(parse_dependency(dep, source, display, path.parent), display, path, source, dep)
        for dep in deps
    ]
    return entries, requires_python


def check_requires_python(spec: RequirementsSpec, version: Version) -> None:
    """Raise :class:`ScriptPythonError` when ``version`` (the target Python) is outside a
    script's ``requires-python``."""
    from packaging.specifiers import SpecifierSet

    for path, requires_python in spec.requires_python:
        if not SpecifierSet(requires_python).contains(version, prereleases=True):
            raise ScriptPythonError(path, requires_python, version)
