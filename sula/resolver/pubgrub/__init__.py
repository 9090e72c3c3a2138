"""PubGrub: a pure version solver over abstract packages and version ranges.

No I/O and no sula imports but ``sula.errors``: a provider answers the solver's
questions (see :class:`DependencyProvider`), and a failure comes back as
:class:`NoSolutionError` whose text is the derivation, in uv's words.

- :class:`Range` -- a set of versions (any totally ordered type);
  :func:`range_from_specifier` builds one from PEP 440 specifiers.
- :class:`Solver` -- ``Solver(provider, root=..., root_version=...)``; ``step()``
  returns :class:`Solved` or :class:`Pending` (the provider raised
  :class:`NeedsData`: fetch ``pending.request`` and step again); ``solve()`` for
  providers that never wait. :func:`solve` is the one-call form.
- Providers return a mapping ``{package: Range}`` or :class:`Unavailable` from
  ``get_dependencies``; packages are any hashable values (names, ``name[extra]``
  virtual packages, a root sentinel).
- :class:`NoSolutionError` carries the derivation tree (``incompatibility``, walk it
  with ``iter_external()``), a ``formatter`` (:class:`ReportFormatter`) and ``hints``.
- :class:`OfflineProvider` -- an in-memory provider for tests and as a model.
"""

from __future__ import annotations

__all__ = [
    "DependencyCause",
    "DependencyProvider",
    "DerivedCause",
    "Incompatibility",
    "NeedsData",
    "NoSolutionError",
    "NoVersionsCause",
    "OfflineProvider",
    "Pending",
    "Range",
    "ReportFormatter",
    "RootCause",
    "Solved",
    "Solver",
    "Term",
    "Unavailable",
    "UnavailableCause",
    "format_range",
    "format_report",
    "range_from_specifier",
    "solve",
]

from .incompatibility import (
    DependencyCause,
    DerivedCause,
    Incompatibility,
    NoVersionsCause,
    RootCause,
    UnavailableCause,
)
from .offline import OfflineProvider
from .pep440 import format_range, range_from_specifier
from .range import Range
from .report import NoSolutionError, ReportFormatter, format_report
from .solver import (
    DependencyProvider,
    NeedsData,
    Pending,
    Solved,
    Solver,
    Unavailable,
    solve,
)
from .term import Term
