"""``pyproject.toml`` as a requirements source: ``[project] dependencies`` and chosen extras (PEP 621)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sula.requirements._requirement import LocatedError, parse_requirement
from sula.requirements.errors import (
    InputError,
    RequirementsFileError,
    RequirementsParseError,
    UnknownExtraError,
)
from sula.requirements.types import (
    Origin,
    RegistryRequirement,
    RequirementEntry,
    RequirementsSpec,
    UrlRequirement,
)

if TYPE_CHECKING:
    from sula.distribution.names import NormalizedName
    from sula.requirements.types import Requirement

__all__ = ["entry_for", "load_toml", "parse_dependency", "read_input", "read_pyproject"]


class PyprojectError(InputError):
    """A ``pyproject.toml`` that is not valid TOML or whose ``[project]`` table is malformed."""


def read_input(path: Path, display: str) -> str:
    """The text of an input file; missing, unreadable or non-UTF-8 files are clear errors."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RequirementsFileError(display, "no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise RequirementsFileError(display, str(err)) from err


def load_toml(path: Path) -> tuple[dict[str, object], str]:
    """A TOML file's table and its text; unreadable files and invalid TOML are clear errors."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    text = read_input(path, str(path))
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as err:
        raise PyprojectError(path, f"not valid TOML ({err})") from None


def _string_list(value: object, where: str, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PyprojectError(path, f"`{where}` must be a list of strings")
    return [str(v) for v in value]


def read_pyproject(
    path: str | Path,
    extras: Sequence[str] = (),
    all_extras: bool = False,
    *,
    name: str | None = None,
) -> RequirementsSpec:
    """The requirements a project declares: ``[project] dependencies`` plus the
    ``optional-dependencies`` of the chosen ``extras`` (or all of them with ``all_extras``).

    A dependency on the project itself with extras (``all = ["me[a,b]"]``) pulls in those
    extras' dependencies, as pip and uv do. Dependencies declared ``dynamic`` (or no
    ``[project]`` table) need the backend: the spec then holds one ``dependencies_only``
    entry on the project directory (see :func:`project_entry`).
    """
    from sula.distribution.names import canonicalize_name

    path = Path(path)
    display = name if name is not None else str(path)
    data, text = load_toml(path)
    project = data.get("project")
    if project is None:
        return RequirementsSpec(requirements=(project_entry(path, display, extras, all_extras),))
    if not isinstance(project, dict):
        raise PyprojectError(display, "`project` must be a table")
    dynamic = project.get("dynamic", [])
    dynamic_fields = [
        f for f in _string_list(dynamic, "project.dynamic", path)
        if f in ("dependencies", "optional-dependencies")
    ]
    if dynamic_fields:
        return RequirementsSpec(requirements=(project_entry(path, display, extras, all_extras),))
    project_name = project.get("name")
    own = canonicalize_name(project_name) if isinstance(project_name, str) else None

    optional_raw = project.get("optional-dependencies", {})
    if not isinstance(optional_raw, dict):
        raise PyprojectError(display, "`project.optional-dependencies` must be a table")
    optional: dict[NormalizedName, tuple[str, list[str]]] = {}
    for extra, deps in optional_raw.items():
        optional[canonicalize_name(extra)] = (
            extra,
            _string_list(deps, f"project.optional-dependencies.{extra}", path),
        )
    wanted: list[NormalizedName] = []
    if all_extras:
        wanted = list(optional)
    for extra in extras:
        key = canonicalize_name(extra)
        if key not in optional:
            raise UnknownExtraError(display, extra, [e for e, _ in optional.values()])
        if key not in wanted:
            wanted.append(key)

    base_dir = path.parent
    entries: list[RequirementEntry] = []
    pending = list(wanted)
    done: set[NormalizedName] = set()

    def add(deps: list[str]) -> None:
        for dep in deps:
            req = parse_dependency(dep, text, display, base_dir)
            if own is not None and req.name == own:
                # `all = ["me[a,b]"]`: a self-reference adds extras (its marker is ignored).
                pending.extend(e for e in sorted(req.extras) if e in optional)
                continue
            entries.append(entry_for(req, display, path, text, dep))

    add(_string_list(project.get("dependencies", []), "project.dependencies", path))
    while pending:
        extra = pending.pop(0)
        if extra not in done:
            done.add(extra)
            add(optional[extra][1])
    return RequirementsSpec(requirements=tuple(entries))


def project_entry(path: Path, display: str, extras: Sequence[str], all_extras: bool) -> RequirementEntry:
    """The project whose ``path`` (``pyproject.toml``, ``setup.py``, ``setup.cfg``) only its
    backend can read: an unnamed requirement on its directory, for its dependencies only."""
    from sula.distribution.names import canonicalize_name
    from sula.requirements.types import Origin, UrlKind, UrlRequirement, VerbatimUrl

    directory = path.parent.absolute()
    req = UrlRequirement(
        name=None, extras=frozenset(canonicalize_name(e) for e in extras), marker=None,
        kind=UrlKind.DIRECTORY, url=VerbatimUrl(url=directory.as_uri(), given=str(directory)),
        path=directory,
    )
    return RequirementEntry(requirement=req, origin=Origin(name=display, path=path),
                            dependencies_only=True, all_extras=all_extras)


def entry_for(req: Requirement, display: str, path: Path, text: str, dep: str) -> RequirementEntry:
    """The entry of ``dep`` (parsed as ``req``), with the line of ``text`` it is written on."""
    return RequirementEntry(
        requirement=req,
        origin=Origin(name=display, line=_line_of(text, dep), path=path),
    )


def parse_dependency(dep: str, text: str, display: str, base_dir: Path) -> Requirement:
    """Parse one PEP 508 string of a TOML file; bare URLs and paths are not PEP 508 and are
    rejected. Errors name ``display`` and the line of ``text`` where ``dep`` is written."""
    try:
        req = parse_requirement(dep, working_dir=base_dir)
        if isinstance(req, UrlRequirement) and req.name is None:
            raise LocatedError(
                "Dependencies in `pyproject.toml` must be PEP 508 requirements (`name @ url`)",
                (0, len(dep)),
            )
    except LocatedError as err:
        raise RequirementsParseError(
            err.headline, name=display, line_number=_line_of(text, dep), line=dep, span=err.span
        ) from err.cause
    assert isinstance(req, RegistryRequirement | UrlRequirement)
    return req


def _line_of(text: str, dep: str) -> int | None:
    """The line where the string ``dep`` is written (for messages); None when not found."""
    for quoted in (f'"{dep}"', f"'{dep}'"):
        at = text.find(quoted)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return None
