"""The root of sula's exception tree and the chain formatter the CLI uses."""

from __future__ import annotations

__all__ = [
    "ResolveError", "SourceBuildRequiredError", "SulaError", "api_words", "format_chain",
    "iter_chain", "option", "speaking_api",
]

TYPE_CHECKING = False  # not ``typing``'s: start-up time (mypy treats this name as True)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextvars import ContextVar
    from types import TracebackType

# Every command imports this module, and `sula venv` is mostly start-up: contextlib (with
# functools and collections) and contextvars are left to the first `api_words` block.
# The ContextVar is set while ``sula.install``/``sula.resolve`` run: messages then name
# their keyword arguments, not the commands' flags (see `option`). It is made on first use,
# under ``dict.setdefault`` so that two threads entering at once still share one.
_API: dict[str, ContextVar[bool]] = {}

# A command's flag -> the keyword of ``sula.install``/``sula.resolve`` that does the same.
_KEYWORDS = {
    "--python": "python", "--python-version": "python_version", "--index-url": "index_url",
    "--extra-index-url": "extra_index_urls", "--find-links": "find_links",
    "--prerelease": "prerelease", "--resolution": "resolution", "--no-build": "no_build",
    "--only-binary": "only_binary", "--no-binary": "no_binary", "--exclude-newer": "exclude_newer",
    "--offline": "offline", "--link-mode": "link_mode", "--upgrade-package": "upgrade",
    "--constraint": "constraints", "--override": "overrides",
    "--break-system-packages": "break_system_packages",
}
_SWITCHES = frozenset({"--no-build", "--offline", "--break-system-packages"})  # flags without a value: ``=True``


class api_words:  # lowercase: it reads as a call, ``with api_words():``
    """Within this block (a call of the Python API), `option` names keyword arguments."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        var = _API.get("api")
        if var is None:
            from contextvars import ContextVar

            var = _API.setdefault("api", ContextVar("sula_api_words", default=False))
        self._token = var.set(True)

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None,
    ) -> None:
        _API["api"].reset(self._token)


def speaking_api() -> bool:
    """Whether messages are for a caller of the Python API rather than of a command."""
    var = _API.get("api")
    return var is not None and var.get()


def option(flag: str, value: str | None = None, *, sep: str = "=") -> str:
    """How a message names an option, in backticks: ``--flag`` (``--flag=value``, or with
    ``sep``) for the commands; ``keyword=`` (``keyword="value"``, ``keyword=True``) within
    `api_words`."""
    if not speaking_api() or flag not in _KEYWORDS:
        return f"`{flag}`" if value is None else f"`{flag}{sep}{value}`"
    keyword = _KEYWORDS[flag]
    if flag in _SWITCHES:
        return f"`{keyword}=True`"
    return f"`{keyword}=`" if value is None else f'`{keyword}="{value}"`'


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
