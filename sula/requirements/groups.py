"""PEP 735 dependency groups (``[dependency-groups]`` of a ``pyproject.toml``) as requirements.

A group is a list of PEP 508 strings and ``{include-group = "name"}`` tables; names compare
normalized. ``--group NAME`` reads ``./pyproject.toml``, ``--group path/pyproject.toml:NAME``
another file, as pip and uv take it. Only the requested groups and what they include are
read: an include cycle or an unknown name among them is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sula._record import dataclass
from sula.requirements.errors import InputError, RequirementsError, UndefinedNameError

if TYPE_CHECKING:
    from sula.distribution.names import NormalizedName
    from sula.requirements.types import RequirementEntry

__all__ = [
    "DependencyGroupError",
    "GroupCycleError",
    "GroupRequest",
    "UnknownGroupError",
    "parse_group_request",
    "read_dependency_groups",
]


class DependencyGroupError(InputError):
    """A ``[dependency-groups]`` table that PEP 735 does not allow."""

    template = "Invalid dependency groups in `{path}`: {reason}"


class UnknownGroupError(UndefinedNameError):
    """A requested (or included) group that the file does not define."""

    what = "dependency group"


class GroupCycleError(RequirementsError):
    """Groups that include each other."""

    def __init__(self, path: Path | str, cycle: list[str]) -> None:
        chain = " -> ".join(f"`{g}`" for g in cycle)
        super().__init__(f"Dependency groups in `{path}` include each other: {chain}")
        self.path = path
        self.cycle = cycle


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupRequest:
    """One ``--group`` value: the ``pyproject.toml`` (as given) and the group's name."""

    path: str
    name: str


def parse_group_request(value: str) -> GroupRequest:
    """``NAME`` (in ``./pyproject.toml``) or ``path/pyproject.toml:NAME``, as pip parses it:
    the name follows the last ``:``, and a path must name a ``pyproject.toml`` file."""
    path, sep, name = value.rpartition(":")
    if not sep:
        path = "pyproject.toml"
    if not name.strip():
        raise RequirementsError(f"Invalid `--group` value `{value}`: a group name is required")
    if Path(path).name != "pyproject.toml":
        raise RequirementsError(
            f"Invalid `--group` value `{value}`: the path must name a `pyproject.toml` file"
        )
    return GroupRequest(path=path, name=name.strip())


def _table(data: dict[str, object], display: str) -> dict[NormalizedName, tuple[str, list[object]]]:
    from sula.distribution.names import canonicalize_name

    raw = data.get("dependency-groups", {})
    if not isinstance(raw, dict):
        raise DependencyGroupError(display, "`dependency-groups` must be a table")
    table: dict[NormalizedName, tuple[str, list[object]]] = {}
    for name, items in raw.items():
        key = canonicalize_name(name)
        if key in table:
            raise DependencyGroupError(
                display, f"`{table[key][0]}` and `{name}` are the same group once normalized"
            )
        if not isinstance(items, list):
            raise DependencyGroupError(display, f"group `{name}` must be a list")
        table[key] = (name, items)
    return table


def read_dependency_groups(
    path: Path, names: Sequence[str], *, display: str, data: dict[str, object], text: str
) -> list[RequirementEntry]:
    """The requirements of the groups ``names`` of one file (whose parsed TOML is ``data``
    and text ``text``), includes expanded in order; each entry's origin is
    ``<display>:<group>`` (``pyproject.toml:test``, as uv annotates it)."""
    from sula.distribution.names import canonicalize_name
    from sula.requirements.pyproject import entry_for, parse_dependency

    table = _table(data, display)
    entries: list[RequirementEntry] = []

    def expand(name: str, stack: list[NormalizedName], origin: str) -> None:
        key = canonicalize_name(name)
        if key not in table:
            raise UnknownGroupError(display, name, [n for n, _ in table.values()])
        if key in stack:
            cycle = [table[k][0] for k in stack[stack.index(key):]]
            raise GroupCycleError(display, [*cycle, table[key][0]])
        spelled, items = table[key]
        for item in items:
            if isinstance(item, str):
                req = parse_dependency(item, text, origin, path.parent)
                entries.append(entry_for(req, origin, path, text, item))
            elif isinstance(item, dict) and set(item) == {"include-group"} and isinstance(
                item["include-group"], str
            ):
                expand(item["include-group"], [*stack, key], origin)
            else:
                raise DependencyGroupError(
                    display,
                    f"group `{spelled}` holds `{item!r}`; items are requirement strings "
                    "or `{include-group = \"name\"}` tables",
                )

    for name in names:
        expand(name, [], f"{display}:{name}")
    return entries
