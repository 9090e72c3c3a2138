"""PubGrub: a pure version solver over abstract packages and version ranges.

No I/O and no sula imports but ``sula.errors``: a provider answers the solver's
questions (see :class:`DependencyProvider`), and a failure comes back as
:class:`NoSolutionError` whose text is the derivation, in uv's words.
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
