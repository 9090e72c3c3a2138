"""The requirements data model: requirement variants, entries with their origin, and the spec."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sula._record import dataclass

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

    from sula.distribution.names import NormalizedName
    from sula.distribution.simple_marker import SimpleMarker
    from sula.requirements.pylock import LockSelection

__all__ = [
    "Origin",
    "RegistryRequirement",
    "Requirement",
    "RequirementEntry",
    "RequirementsSpec",
    "UrlKind",
    "UrlRequirement",
    "VerbatimUrl",
    "parsed_specifier",
    "specifier_text",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """Where an entry was written: a file and its (first physical) line, stdin, or the command line.

    ``name`` is what messages show (the path as the user or the including file spelled it,
    ``-`` for stdin, ``command line``); ``path`` is the file, when there is one.
    """

    name: str
    line: int | None = None
    path: Path | None = None

    def __str__(self) -> str:
        if self.line is None:
            return f"`{self.name}`"
        return f"`{self.name}` at line {self.line}"


@dataclass(frozen=True, slots=True, kw_only=True)
class VerbatimUrl:
    """A URL in two forms: ``url`` to use (``${VAR}`` expanded, paths made absolute ``file://``
    URLs) and ``given``, exactly as the user wrote it, for output such as ``pip compile``'s."""

    url: str
    given: str

    def __str__(self) -> str:
        return self.given


class UrlKind(enum.Enum):
    """What a URL or path requirement points at."""

    URL = "url"
    """A remote archive (``https://…/x-1.0.tar.gz`` or ``…/x-1.0-py3-none-any.whl``)."""
    PATH = "path"
    """A local archive file (``../x-1.0-py3-none-any.whl``, ``file:///…/x.tar.gz``)."""
    DIRECTORY = "directory"
    """A local source tree (``./pkg``, ``file:///…/pkg``)."""
    GIT = "git"
    """A git repository at a reference (``git+https://…/repo.git@v1``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistryRequirement:
    """A PEP 508 requirement by name, satisfied from an index: ``flask[async]>=2.0; python_version>'3.8'``.

    ``given`` is the text as written, for messages.
    """

    name: NormalizedName
    extras: frozenset[NormalizedName]
    specifier_text: str
    # A marker of the common shapes is read without packaging's parser (``SimpleMarker``,
    # which evaluates, prints and compares as packaging's ``Marker``).
    marker: Marker | SimpleMarker | None
    given: str

    @property
    def specifier(self) -> SpecifierSet:
        """The specifier set, parsed from ``specifier_text`` on first use: a ``pip sync`` of
        ``name==version`` pins never needs it, nor packaging's import."""
        return parsed_specifier(self.specifier_text)

    @property
    def pinned_version(self) -> str | None:
        """The version of an exact ``==V`` pin (one clause, no ``.*``), from the text alone."""
        text = self.specifier_text
        if text.startswith("==") and not text.startswith("===") and "," not in text and not text.endswith(".*"):
            return text[2:]
        return None

    @property
    def exact_version(self) -> str | None:
        """The version of a pin, ``==V`` or ``===V`` (one clause, no ``.*``), else None."""
        version = self.pinned_version
        if version is None and "," not in self.specifier_text:
            specs = list(self.specifier)
            if len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*"):
                version = specs[0].version
        return version

    def __str__(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        marker = f"; {self.marker}" if self.marker is not None else ""
        return f"{self.name}{extras}{self.specifier_text}{marker}"


_SPECIFIERS: dict[str, SpecifierSet] = {}


def parsed_specifier(text: str) -> SpecifierSet:
    """``SpecifierSet(text)``, one object per distinct text (sula never mutates one)."""
    found = _SPECIFIERS.get(text)
    if found is None:
        from packaging.specifiers import SpecifierSet

        found = _SPECIFIERS[text] = SpecifierSet(text)
    return found


def specifier_text(specifier: SpecifierSet) -> str:
    """``str(specifier)``, the form ``RegistryRequirement`` keeps, with the parsed object kept
    for :func:`parsed_specifier` so that it is not parsed again."""
    text = str(specifier)
    _SPECIFIERS.setdefault(text, specifier)
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlRequirement:
    """A requirement on a URL or a local path, named (``name @ url``) or not (a bare URL or path).

    ``name`` comes from ``name @``, an ``#egg=`` fragment or a wheel/sdist filename; it is
    ``None`` for a directory or git URL without ``egg=``, whose name only a build can tell.
    ``url.url`` is the absolute URL without extras or markers (fragments kept);
    ``url.given`` is the text as written. For local kinds ``path`` is the absolute path.
    For git, ``repository`` is the URL to clone (without ``git+``, ref or fragment) and
    ``reference`` the branch, tag or commit after ``@``. ``subdirectory`` and ``hash``
    (``algo:digest``) come from the URL fragment.
    """

    name: NormalizedName | None
    extras: frozenset[NormalizedName]
    marker: Marker | None
    kind: UrlKind
    url: VerbatimUrl
    path: Path | None = None
    repository: str | None = None
    reference: str | None = None
    subdirectory: str | None = None
    hash: str | None = None

    def __str__(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        marker = f" ; {self.marker}" if self.marker is not None else ""
        if self.name is None:
            return f"{self.url.given}{extras}{marker}"
        return f"{self.name}{extras} @ {self.url.given}{marker}"


Requirement = RegistryRequirement | UrlRequirement


@dataclass(frozen=True, slots=True, kw_only=True)
class RequirementEntry:
    """One requirement with its per-line options (``--hash``, ``--config-settings``) and origin.

    ``hashes`` are ``algo:digest`` strings in the order written; ``config_settings`` are
    ``(key, value)`` pairs in the order written (a key may repeat, as pip allows).
    ``dependencies_only``: a project input whose metadata only its backend can tell; the
    resolution follows its dependencies (and ``extras``) but leaves it out of the output.
    """

    requirement: Requirement
    editable: bool = False
    hashes: tuple[str, ...] = ()
    config_settings: tuple[tuple[str, str], ...] = ()
    origin: Origin
    # A project given as an input file (a `pyproject.toml` with dynamic dependencies, a
    # `setup.py`, a `setup.cfg`): resolved for its dependencies, never pinned itself. With
    # `all_extras`, every extra its metadata provides is added once that is known.
    dependencies_only: bool = False
    all_extras: bool = False

    @property
    def name(self) -> NormalizedName | None:
        return self.requirement.name


@dataclass(frozen=True, slots=True, kw_only=True)
class RequirementsSpec:
    """Everything the inputs asked for: requirements, constraints, overrides, editables and options.

    Index options follow pip: the last ``--index-url`` wins; ``--extra-index-url`` and
    ``--find-links`` accumulate in order, without duplicates. ``no_binary``/``only_binary``
    hold normalized names or ``:all:``, with pip's mutual exclusion already applied.
    ``requires_python`` holds ``(source, specifier)`` pairs of PEP 723 scripts'
    ``requires-python``, which the target Python must satisfy. ``lock`` is a PEP 751 lock
    file given as the requirements (it is then the only source).
    """

    requirements: tuple[RequirementEntry, ...] = ()
    constraints: tuple[RequirementEntry, ...] = ()
    overrides: tuple[RequirementEntry, ...] = ()
    editables: tuple[RequirementEntry, ...] = ()
    index_url: VerbatimUrl | None = None
    extra_index_urls: tuple[VerbatimUrl, ...] = ()
    no_index: bool = False
    find_links: tuple[VerbatimUrl, ...] = ()
    no_binary: frozenset[str] = frozenset()
    only_binary: frozenset[str] = frozenset()
    pre: bool = False
    prefer_binary: bool = False
    require_hashes: bool = False
    trusted_hosts: tuple[str, ...] = ()
    requires_python: tuple[tuple[str, str], ...] = ()
    lock: LockSelection | None = None
