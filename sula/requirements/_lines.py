"""Logical lines of a requirements file: continuations, comments, ``${VAR}`` expansion, tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from sula._record import dataclass

# pip's rules (pip/_internal/req/req_file.py): a comment starts at a `#` at the start of a
# line or after whitespace, so `https://host/x.whl#sha256=…` keeps its fragment.
_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
# Only the `${NAME}` form with uppercase letters, digits and underscores is expanded, as pip
# does, so that `$HOME` or `${lower}` in a URL stay literal.
_ENV_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_OPTION_START_RE = re.compile(r"\s-")
# A shell-like word: runs of unquoted characters and quoted strings (possibly unterminated).
_WORD_RE = re.compile(r"""(?:"(?:\\.|[^"\\])*"?|'[^']*'?|[^\s"']+)+""")


@dataclass(frozen=True, slots=True)
class LogicalLine:
    """One logical line: physical lines joined at ``\\``, comment removed, whitespace stripped.

    ``number`` is the first physical line; ``raw`` is the text before ``${VAR}`` expansion
    and ``text`` after it (the same object when the line has no variable).
    """

    number: int
    raw: str
    text: str


def expand_env(text: str, environ: Mapping[str, str]) -> str:
    """Replace ``${NAME}`` with the variable's value; unset or empty variables stay as written."""
    if "${" not in text:
        return text

    def replace(m: re.Match[str]) -> str:
        value = environ.get(m.group(1))
        return value if value else m.group(0)

    return _ENV_RE.sub(replace, text)


def raw_span(raw: str, environ: Mapping[str, str], span: tuple[int, int]) -> tuple[int, int]:
    """Map ``span`` in the expanded text of ``raw`` back onto ``raw``; a position inside an
    expanded variable widens to the whole ``${NAME}``. Errors show the raw line, so that a
    secret passed in a variable (a token in an index URL) never reaches a terminal or CI log."""
    return _raw_position(raw, environ, span[0], end=False), _raw_position(
        raw, environ, span[1], end=True
    )


def _raw_position(raw: str, environ: Mapping[str, str], pos: int, *, end: bool) -> int:
    shift = 0  # expanded offset minus raw offset before the current variable
    for m in _ENV_RE.finditer(raw):
        value = environ.get(m.group(1))
        if not value:
            continue
        t_start = m.start() + shift
        t_end = t_start + len(value)
        if pos <= t_start:
            break
        if pos < t_end or (end and pos == t_end):
            return m.end() if end else m.start()
        shift += len(value) - (m.end() - m.start())
    return pos - shift


def _strip_comment(line: str) -> str:
    if "#" in line:
        line = _COMMENT_RE.sub("", line)
    return line.strip()


def iter_logical_lines(content: str, environ: Mapping[str, str]) -> Iterator[LogicalLine]:
    """Split ``content`` (any newline style) into logical lines, skipping blank and comment lines.

    Follows pip: a line ending in ``\\`` continues on the next one, unless it is a comment
    line; a comment line ends a continuation.
    """
    pending: list[str] = []
    first = 0
    for number, line in enumerate(content.splitlines(), start=1):
        is_comment = _COMMENT_RE.match(line) is not None if "#" in line else False
        if not line.endswith("\\") or is_comment:
            if pending:
                pending.append(" " + line if is_comment else line)
                joined, pending = "".join(pending), []
                yield from _finish(first, joined, environ)
            else:
                yield from _finish(number, line, environ)
        else:
            if not pending:
                first = number
            pending.append(line.strip("\\"))
    if pending:
        yield from _finish(first, "".join(pending), environ)


def _finish(number: int, line: str, environ: Mapping[str, str]) -> Iterator[LogicalLine]:
    raw = _strip_comment(line)
    if raw:
        yield LogicalLine(number, raw, expand_env(raw, environ))


@dataclass(frozen=True, slots=True)
class Token:
    """A whitespace-separated word of an options line: its unquoted value and its span."""

    value: str
    start: int
    end: int


def tokenize(text: str, start: int = 0) -> list[Token]:
    """Split ``text[start:]`` into words like a shell: quotes group, whitespace separates.

    Backslashes are kept literally (Windows paths survive); inside double quotes ``\\"``
    is a quote. Words without quotes (nearly all) skip the unquoting loop.
    """
    tokens: list[Token] = []
    for m in _WORD_RE.finditer(text, start):
        word = m.group(0)
        if '"' in word or "'" in word:
            word = _unquote(word)
        tokens.append(Token(word, m.start(), m.end()))
    return tokens


def _unquote(word: str) -> str:
    parts: list[str] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        if ch in "\"'":
            close = i + 1
            while close < n and word[close] != ch:
                if ch == '"' and word[close] == "\\" and close + 1 < n:
                    close += 1
                close += 1
            inner = word[i + 1 : close]
            parts.append(inner.replace('\\"', '"') if ch == '"' else inner)
            i = close + 1
        else:
            parts.append(ch)
            i += 1
    return "".join(parts)


def split_options(text: str) -> int:
    """The offset where options start in a requirement line: the first word that begins
    with ``-`` (pip's ``break_args_options``), or ``len(text)`` when there is none."""
    if "-" not in text:
        return len(text)
    m = _OPTION_START_RE.search(text)
    return len(text) if m is None else m.start() + 1
