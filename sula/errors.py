"""The root of sula's exception tree and the chain formatter the CLI uses."""

from __future__ import annotations

__all__ = ["ResolveError", "SourceBuildRequiredError", "SulaError", "format_chain", "iter_chain"]

from collections.abc import Iterator


class SulaError(Exception):
    """Base of every exception sula raises on purpose.

    Subclasses keep their data as attributes and build the message in ``__str__``.
    ``exit_code`` is 1 for failures the user can fix (bad input, unsatisfiable
    requirements, unreachable index), 2 for unexpected internal failures. A ``hint``
    (what to try next) is printed after the message, on a ``hint:`` line of its own.
    """

    exit_code: int = 1

    def __init__(self, message: str = "", *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n\nhint: {self.hint}"
        return self.message


class ResolveError(SulaError):
    """Base of the resolver's errors (``sula.resolver.errors`` re-exports it).

    Defined here so that ``sula.resolver.pubgrub``, which imports nothing of sula but this
    module, can put its ``NoSolutionError`` under it.
    """


def iter_chain(err: BaseException) -> Iterator[BaseException]:
    """Yield ``err`` and then each ``__cause__`` (or unsuppressed ``__context__``)."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__ and isinstance(current, SulaError):
            current = None
        else:
            current = None


def _describe(err: BaseException) -> str:
    text = str(err).strip()
    if isinstance(err, SulaError):
        return text or type(err).__name__
    if isinstance(err, OSError) and err.strerror:
        base = err.strerror
        if err.filename is not None:
            base = f"{base}: `{err.filename}`"
        return base
    return text or type(err).__name__


def format_chain(err: BaseException) -> list[str]:
    """Render ``err`` as ``error: ...`` followed by one ``  Caused by: ...`` line per cause.

    Multi-line messages (a resolver derivation, a parse error with a caret) keep
    their lines, indented under the first.
    """
    lines: list[str] = []
    for i, item in enumerate(iter_chain(err)):
        text = _describe(item)
        first, *rest = text.splitlines() or [""]
        if i == 0:
            lines.append(f"error: {first}")
            lines.extend(rest)
        else:
            lines.append(f"  Caused by: {first}")
            lines.extend(f"  {line}" if line else line for line in rest)
    return lines


class SourceBuildRequiredError(SulaError):
    """A requirement that only a build of a source tree could use: a local directory, a git
    repository or an editable. sdists (from an index, a URL or a file) are built; these are not
    yet. The one error for it, whichever step meets it (``sula.resolver.errors`` and
    ``sula.installer.errors`` re-export it)."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"`{what}` would have to be built from a source tree (a directory, a git repository "
            "or an editable), which sula does not support yet"
        )
        self.what = what
