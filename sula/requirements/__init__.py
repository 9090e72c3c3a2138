"""Requirement inputs (requirements.txt, pyproject.toml, CLI arguments) → one :class:`RequirementsSpec`.

Data model (all frozen, slotted, keyword-only dataclasses):

- ``Requirement = RegistryRequirement | UrlRequirement`` — dispatch with ``match``:

  - :class:`RegistryRequirement` ``(name, extras, specifier, marker, given)``: a PEP 508
    requirement by name, served from an index.
  - :class:`UrlRequirement` ``(name | None, extras, marker, kind, url, path, repository,
    reference, subdirectory, hash)``: ``name @ url``, a bare URL or a path. ``kind`` is a
    :class:`UrlKind`: ``URL`` (remote archive), ``PATH`` (local archive), ``DIRECTORY``
    (local source tree), ``GIT``. ``url`` is a :class:`VerbatimUrl` holding ``url`` (expanded,
    absolute, paths as ``file://``) beside ``given`` (exactly as written, ``${VAR}`` kept).
    ``name`` is None when only a build can tell it (a directory or git URL without ``#egg=``).

- :class:`RequirementEntry` ``(requirement, editable, hashes, config_settings, origin)``: one
  requirement with its per-line ``--hash`` values (``algo:digest``), ``--config-settings``
  pairs and its :class:`Origin` ``(name, line, path)``.

- :class:`RequirementsSpec` ``(requirements, constraints, overrides, editables, index_url,
  extra_index_urls, no_index, find_links, no_binary, only_binary, pre, prefer_binary,
  require_hashes, trusted_hosts)``: everything the inputs asked for.

Entry points: :func:`from_sources` (what commands call), :func:`parse_requirements_file`,
:func:`parse_requirements_text`, :func:`read_pyproject`, :func:`parse_requirement`.

Syntax follows pip: comments start at a ``#`` at the start of a line or after whitespace;
``\\`` continues a line; ``${NAME}`` (uppercase, digits, ``_``) is replaced by the environment
variable when it is set and non-empty; after a bare URL a marker needs whitespace around the
``;``; relative paths of requirements are relative to the working directory, relative ``-r``/
``-c`` files (and ``--find-links`` directories that exist there) to the including file. Two
choices differ from pip, as uv's do: inside a ``-c`` file a ``-r`` include stays a constraint
file, and ``-e`` accepts only local directories. Errors are :class:`RequirementsError`\\ s;
a bad line raises :class:`RequirementsParseError`, whose message shows the file, the line
and a caret under the bad span.
"""

from __future__ import annotations

from sula.requirements._requirement import is_url
from sula.requirements.errors import (
    IncludeCycleError,
    RequirementsError,
    RequirementsFileError,
    RequirementsParseError,
    RequirementSyntaxError,
    UnknownExtraError,
)
from sula.requirements.sources import from_sources, parse_requirement_string
from sula.requirements.txt import parse_requirements_file, parse_requirements_text
from sula.requirements.types import (
    Origin,
    RegistryRequirement,
    Requirement,
    RequirementEntry,
    RequirementsSpec,
    UrlKind,
    UrlRequirement,
    VerbatimUrl,
)

parse_requirement = parse_requirement_string

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sula.requirements.pyproject import PyprojectError, read_pyproject


def __getattr__(name: str) -> object:
    # pyproject.toml's reader (with its TOML parser) only when something asks for it: a
    # requirements file's compile never does.
    if name in ("PyprojectError", "read_pyproject"):
        from sula.requirements import pyproject

        return getattr(pyproject, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "IncludeCycleError",
    "Origin",
    "PyprojectError",
    "RegistryRequirement",
    "Requirement",
    "RequirementEntry",
    "RequirementSyntaxError",
    "RequirementsError",
    "RequirementsFileError",
    "RequirementsParseError",
    "RequirementsSpec",
    "UnknownExtraError",
    "UrlKind",
    "UrlRequirement",
    "VerbatimUrl",
    "from_sources",
    "is_url",
    "parse_requirement",
    "parse_requirements_file",
    "parse_requirements_text",
    "read_pyproject",
]
