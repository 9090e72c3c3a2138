"""Combine every requirements input of a command (files, stdin, CLI arguments, editables,
pyproject.toml) into one :class:`RequirementsSpec`."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sula._record import replace
from sula.requirements._names import is_pylock, is_script
from sula.requirements._requirement import LocatedError, parse_requirement
from sula.requirements.errors import (
    RequirementsError,
    RequirementsParseError,
)
from sula.requirements.txt import RequirementsParser, Role, SpecBuilder
from sula.requirements.types import Origin, RequirementEntry, RequirementsSpec

if TYPE_CHECKING:
    from typing import TextIO

    from sula.distribution.names import NormalizedName
    from sula.requirements.types import Requirement

__all__ = ["from_sources", "parse_requirement_string", "with_upgrade_packages"]

_SOURCE_BUILD_FILES = frozenset({"setup.py", "setup.cfg"})


def _kind(source: str) -> str:
    if source == "-":
        return "stdin"
    base = os.path.basename(source)
    if base == "pyproject.toml":
        return "pyproject"
    if base in _SOURCE_BUILD_FILES:
        return "setup"
    if is_script(source):
        return "script"
    if is_pylock(source):
        return "pylock"
    return "txt"


def from_sources(
    *,
    requirements: Sequence[str | os.PathLike[str]] = (),
    constraints: Sequence[str | os.PathLike[str]] = (),
    overrides: Sequence[str | os.PathLike[str]] = (),
    packages: Sequence[str] = (),
    constraint_packages: Sequence[str] = (),
    override_packages: Sequence[str] = (),
    editables: Sequence[str] = (),
    extras: Sequence[str] = (),
    all_extras: bool = False,
    groups: Sequence[str] = (),
    working_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
) -> RequirementsSpec:
    """Read every input a command was given, in order, into one spec.

    ``requirements`` are files by kind: ``pyproject.toml`` (its dependencies and the chosen
    ``extras``/``all_extras``), ``setup.py``/``setup.cfg`` (rejected until source builds
    exist), a ``.py`` script (its PEP 723 ``dependencies``; its ``requires-python`` goes to
    ``spec.requires_python``), ``-`` (standard input, or ``stdin``) and anything else as a
    requirements.txt. ``groups`` are ``--group`` values (``NAME``, ``path/pyproject.toml:NAME``):
    PEP 735 dependency groups, without the project's own dependencies.
    ``constraints`` and ``overrides`` are requirements.txt files whose entries must be named.
    ``packages`` are requirement strings from the command line (PEP 508, URLs, paths),
    ``constraint_packages``/``override_packages`` named requirement strings used as
    constraints/overrides (``sula.resolve``'s), and ``editables`` the values of ``-e``.
    """
    cwd = working_dir or Path.cwd()
    locks = [os.fspath(s) for s in requirements if _kind(os.fspath(s)) == "pylock"]
    if locks:
        return _lock_spec(locks, requirements, packages, editables, constraints, overrides,
                          extras, groups, cwd)
    builder = SpecBuilder()
    parser = RequirementsParser(
        builder=builder, working_dir=cwd, environ=os.environ if environ is None else environ
    )
    stdin_text: list[str] = []

    def read_stdin() -> str:
        if not stdin_text:
            stdin_text.append((stdin or sys.stdin).read())
        return stdin_text[0]

    for package in packages:
        builder.add("requirement", _cli_entry(package, cwd, editable=False))
    for editable in editables:
        builder.add("requirement", _cli_entry(editable, cwd, editable=True))

    saw_pyproject = False
    python_requirements: list[tuple[str, str]] = []
    for source in requirements:
        text = os.fspath(source)
        match _kind(text):
            case "stdin":
                parser.parse_text(read_stdin(), name="-", base_dir=cwd)
            case "pyproject":
                saw_pyproject = True
                from sula.requirements.pyproject import read_pyproject

                spec = read_pyproject(cwd / text, extras, all_extras, name=text)
                for entry in spec.requirements:
                    builder.add("requirement", entry)
            case "setup":
                from sula.requirements.pyproject import project_entry

                saw_pyproject = True
                if not (cwd / text).is_file():
                    raise RequirementsError(f"File not found: `{text}`")
                builder.add("requirement", project_entry(cwd / text, text, extras, all_extras))
            case "script":
                from sula.requirements.script import read_script

                entries, requires_python = read_script(cwd / text, display=text)
                for entry in entries:
                    builder.add("requirement", entry)
                if requires_python is not None:
                    python_requirements.append((text, requires_python))
            case _:
                parser.parse_file(cwd / text, name=text)
    for entry in _group_entries(groups, cwd):
        builder.add("requirement", entry)
    if (extras or all_extras) and not saw_pyproject:
        raise RequirementsError(
            "Requesting extras requires a `pyproject.toml` input (`-r pyproject.toml`)"
        )
    for role, sources in (("constraint", constraints), ("override", overrides)):
        for source in sources:
            text = os.fspath(source)
            kind = _kind(text)
            if kind in ("pyproject", "setup", "script"):
                raise RequirementsError(
                    f"{role.capitalize()}s must be given in a requirements file, not `{text}`"
                )
            role_ = _role(role)
            if kind == "stdin":
                parser.parse_text(read_stdin(), name="-", base_dir=cwd, role=role_)
            else:
                parser.parse_file(cwd / text, name=text, role=role_)
    as_strings: tuple[tuple[Role, Sequence[str]], ...] = (
        ("constraint", constraint_packages), ("override", override_packages),
    )
    for role_, strings in as_strings:
        for text in strings:
            entry = _cli_entry(text, cwd, editable=False)
            try:
                parser.check_role(entry, role_, (0, len(text.strip())))
            except LocatedError as err:
                raise RequirementsParseError(
                    err.headline, name=None, line_number=None, line=text.strip(), span=err.span
                ) from err.cause
            builder.add(role_, entry)
    spec = builder.freeze()
    if python_requirements:
        spec = replace(spec, requires_python=tuple(python_requirements))
    return spec


def _lock_spec(
    locks: list[str],
    requirements: Sequence[str | os.PathLike[str]],
    packages: Sequence[str],
    editables: Sequence[str],
    constraints: Sequence[str | os.PathLike[str]],
    overrides: Sequence[str | os.PathLike[str]],
    extras: Sequence[str],
    groups: Sequence[str],
    cwd: Path,
) -> RequirementsSpec:
    """A PEP 751 lock as the whole input: it pins everything, so nothing may be added to it;
    ``--extra``/``--group`` name the lock's own extras and groups."""
    from sula.requirements.pylock import LockSelection, read_pylock

    others = len(requirements) - 1 + len(packages) + len(editables) + len(constraints) + len(
        overrides)
    if others:
        raise RequirementsError(
            f"A lock file (`{locks[0]}`) must be the only requirements input"
        )
    for group in groups:
        if ":" in group:
            raise RequirementsError(
                f"With a lock file, `--group` names one of its groups, not `{group}`"
            )
    lock = read_pylock(cwd / locks[0], display=locks[0])
    return RequirementsSpec(lock=LockSelection(
        lock=lock, extras=tuple(extras), groups=tuple(groups) if groups else None,
    ))


def _group_entries(groups: Sequence[str], cwd: Path) -> list[RequirementEntry]:
    """The entries of every ``--group``, file by file in the order first named."""
    if not groups:
        return []
    from sula.requirements.groups import parse_group_request, read_dependency_groups
    from sula.requirements.pyproject import load_toml

    by_file: dict[str, list[str]] = {}
    for value in groups:
        request = parse_group_request(value)
        by_file.setdefault(request.path, []).append(request.name)
    entries: list[RequirementEntry] = []
    for path, names in by_file.items():
        data, text = load_toml(cwd / path)
        entries.extend(read_dependency_groups(cwd / path, names, display=path, data=data, text=text))
    return entries


def _role(name: str) -> Role:
    return "constraint" if name == "constraint" else "override"


def parse_requirement_string(
    text: str, *, working_dir: Path | None = None, editable: bool = False
) -> Requirement:
    """Parse one requirement as a command line gives it: PEP 508, ``name @ url``, a bare URL or
    a path, with optional ``[extras]`` and ``; marker`` (no options, no ``${VAR}`` expansion:
    the shell has already expanded what it wanted). Raises :class:`RequirementsParseError`."""
    value = text.strip()
    try:
        return parse_requirement(value, working_dir=working_dir or Path.cwd(), editable=editable)
    except LocatedError as err:
        raise RequirementsParseError(
            err.headline, name=None, line_number=None, line=value, span=err.span
        ) from err.cause


def with_upgrade_packages(
    spec: RequirementsSpec, values: Sequence[str], working_dir: Path | None = None
) -> tuple[RequirementsSpec, list[NormalizedName]]:
    """``-P``/``--upgrade-package`` values (``flask``, ``flask==3.0.1``, ``"flask<3"``): the
    names whose pins are released, and ``spec`` constrained by the values that carry a
    specifier, as pip-tools and uv read them."""
    from sula.requirements.types import RegistryRequirement

    cwd = working_dir or Path.cwd()
    names: list[NormalizedName] = []
    added: list[RequirementEntry] = []
    for value in values:
        entry = _cli_entry(value, cwd, editable=False)
        if entry.name is None:
            raise RequirementsError(f"`--upgrade-package {value}` names no package")
        names.append(entry.name)
        req = entry.requirement
        if isinstance(req, RegistryRequirement) and (len(req.specifier) or req.marker is not None):
            added.append(entry)
    if added:
        spec = replace(spec, constraints=(*spec.constraints, *added))
    return spec, names


def _cli_entry(text: str, cwd: Path, *, editable: bool) -> RequirementEntry:
    return RequirementEntry(
        requirement=parse_requirement_string(text, working_dir=cwd, editable=editable),
        editable=editable,
        origin=Origin(name="command line"),
    )
