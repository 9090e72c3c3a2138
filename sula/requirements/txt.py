"""requirements.txt files as pip reads them: requirement lines, per-line and file-level options,
``-r``/``-c`` includes relative to the including file, and errors with a caret under the span."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from sula._record import dataclass, field
from sula._span import span as timed
from sula.requirements._lines import (
    LogicalLine,
    Token,
    iter_logical_lines,
    raw_span,
    split_options,
    tokenize,
)
from sula.requirements._requirement import LocatedError, is_url, parse_requirement
from sula.requirements.errors import (
    IncludeCycleError,
    RequirementsError,
    RequirementsFileError,
    RequirementsParseError,
    RequirementSyntaxError,
)
from sula.requirements.types import (
    Origin,
    RequirementEntry,
    RequirementsSpec,
    VerbatimUrl,
)

__all__ = ["parse_requirements_file", "parse_requirements_text", "read_text"]

Role = Literal["requirement", "constraint", "override"]

# Options pip accepts on their own line (pip's SUPPORTED_OPTIONS), by every spelling.
_VALUE_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--no-binary": "--no-binary",
    "--only-binary": "--only-binary",
    "-r": "--requirement",
    "--requirement": "--requirement",
    "-c": "--constraint",
    "--constraint": "--constraint",
    "--trusted-host": "--trusted-host",
    "--use-feature": "--use-feature",
}
_FLAG_OPTIONS = frozenset({"--no-index", "--pre", "--prefer-binary", "--require-hashes"})
_EDITABLE = ("-e", "--editable")
# Options that belong to one requirement (pip's SUPPORTED_OPTIONS_REQ).
_REQ_OPTIONS = {"--hash": "--hash", "--config-settings": "--config-settings", "-C": "--config-settings"}
_UNSUPPORTED = frozenset({"--global-option", "--install-option", "--build-option"})
_SHORT_WITH_VALUE = frozenset({"-i", "-f", "-r", "-c", "-e", "-C"})
_HASH_ALGORITHMS = frozenset({"md5", "sha256", "sha384", "sha512"})


@dataclass(slots=True)
class SpecBuilder:
    """Mutable accumulator for a spec while files are read; ``freeze`` makes the result."""

    requirements: list[RequirementEntry] = field(default_factory=list)
    constraints: list[RequirementEntry] = field(default_factory=list)
    overrides: list[RequirementEntry] = field(default_factory=list)
    editables: list[RequirementEntry] = field(default_factory=list)
    index_url: VerbatimUrl | None = None
    extra_index_urls: dict[str, VerbatimUrl] = field(default_factory=dict)
    no_index: bool = False
    find_links: dict[str, VerbatimUrl] = field(default_factory=dict)
    no_binary: set[str] = field(default_factory=set)
    only_binary: set[str] = field(default_factory=set)
    pre: bool = False
    prefer_binary: bool = False
    require_hashes: bool = False
    trusted_hosts: dict[str, None] = field(default_factory=dict)

    def add(self, role: Role, entry: RequirementEntry) -> None:
        if role == "constraint":
            self.constraints.append(entry)
        elif role == "override":
            self.overrides.append(entry)
        elif entry.editable:
            self.editables.append(entry)
        else:
            self.requirements.append(entry)

    def set_binary(self, value: str, *, no_binary: bool) -> None:
        """pip's ``FormatControl`` rules: ``:all:`` clears both sets, ``:none:`` clears the
        target, a name moves from the other set to the target."""
        from sula.distribution.names import canonicalize_name

        target, other = (
            (self.no_binary, self.only_binary) if no_binary else (self.only_binary, self.no_binary)
        )
        items = value.split(",")
        while ":all:" in items:
            other.clear()
            target.clear()
            target.add(":all:")
            del items[: items.index(":all:") + 1]
            if ":none:" not in items:
                return
        for item in items:
            item = item.strip()
            if not item:
                continue
            if item == ":none:":
                target.clear()
                continue
            name = canonicalize_name(item)
            other.discard(name)
            target.add(name)

    def freeze(self) -> RequirementsSpec:
        return RequirementsSpec(
            requirements=tuple(self.requirements),
            constraints=tuple(self.constraints),
            overrides=tuple(self.overrides),
            editables=tuple(self.editables),
            index_url=self.index_url,
            extra_index_urls=tuple(self.extra_index_urls.values()),
            no_index=self.no_index,
            find_links=tuple(self.find_links.values()),
            no_binary=frozenset(self.no_binary),
            only_binary=frozenset(self.only_binary),
            pre=self.pre,
            prefer_binary=self.prefer_binary,
            require_hashes=self.require_hashes,
            trusted_hosts=tuple(self.trusted_hosts),
        )


def read_text(path: Path) -> str:
    """Read a requirements file as text: UTF-8 (with or without BOM) or UTF-16/32 with a BOM."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise RequirementsFileError(path, "it is a directory") from None
    except FileNotFoundError:
        raise RequirementsFileError(path, "no such file") from None
    except OSError as err:
        raise RequirementsFileError(path, err.strerror or str(err)) from err
    except ValueError:
        # "embedded null byte": no file can have that name.
        raise RequirementsFileError(path, "the path holds a NUL character") from None
    return decode(data, path)


def decode(data: bytes, path: Path | str) -> str:
    import codecs

    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as err:
                raise RequirementsFileError(
                    path, f"not {encoding.upper()} text after its byte-order mark (byte {err.start} is invalid)"
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RequirementsFileError(
            path, f"not UTF-8 text (byte {err.start} is invalid)"
        ) from None


@dataclass(frozen=True, slots=True)
class _Source:
    """The file being parsed: its display name, real path (None for text/stdin), base dir."""

    name: str
    path: Path | None
    base_dir: Path


@dataclass(slots=True)
class RequirementsParser:
    """Reads requirements files into a :class:`SpecBuilder`; one instance per spec being built.

    ``working_dir`` resolves relative requirement paths (pip: the current directory);
    ``-r``/``-c`` paths and ``--find-links`` directories are relative to the including file.
    """

    builder: SpecBuilder
    working_dir: Path
    environ: Mapping[str, str]
    _stack: list[tuple[Path, str]] = field(default_factory=list)

    def parse_file(
        self, path: Path, *, role: Role = "requirement", name: str | None = None
    ) -> None:
        display = name if name is not None else str(path)
        text = read_text(path)
        real = _real(path)
        self._stack.append((real, display))
        try:
            with timed("parse requirements", file=display):
                self._parse(text, _Source(display, path, path.parent), role)
        finally:
            self._stack.pop()

    def parse_text(
        self, text: str, *, name: str, base_dir: Path, role: Role = "requirement"
    ) -> None:
        self._parse(text, _Source(name, None, base_dir), role)

    def _parse(self, text: str, source: _Source, role: Role) -> None:
        for line in iter_logical_lines(text, self.environ):
            try:
                if line.text.startswith("-"):
                    self._option_line(line, source, role)
                else:
                    self._requirement_line(line, source, role)
            except LocatedError as err:
                raise self._error(err.headline, line, source, err.span) from err.cause

    def _error(
        self, headline: str, line: LogicalLine, source: _Source, span: tuple[int, int]
    ) -> RequirementsParseError:
        if line.raw is not line.text:
            span = raw_span(line.raw, self.environ, span)
        return RequirementsParseError(
            headline, name=source.name, line_number=line.number, line=line.raw, span=span
        )

    def _origin(self, line: LogicalLine, source: _Source) -> Origin:
        return Origin(name=source.name, line=line.number, path=source.path)

    # Requirement lines -------------------------------------------------------------------

    def _requirement_line(self, line: LogicalLine, source: _Source, role: Role) -> None:
        text = line.text
        cut = split_options(text)
        req_text = text[:cut].rstrip()
        raw: str | None = None
        if line.raw is not text:
            raw = line.raw[: split_options(line.raw)].rstrip()
        requirement = parse_requirement(req_text, raw=raw, working_dir=self.working_dir)
        hashes, settings = self._requirement_options(tokenize(text, cut))
        entry = RequirementEntry(
            requirement=requirement,
            hashes=hashes,
            config_settings=settings,
            origin=self._origin(line, source),
        )
        self.check_role(entry, role, (0, len(req_text)))
        self.builder.add(role, entry)

    def _editable_line(self, line: LogicalLine, source: _Source, role: Role) -> None:
        text = line.text
        value_start, cut = _editable_bounds(text)
        value = text[value_start:cut].rstrip()
        offset = value_start
        quoted = tokenize(value)
        if len(quoted) == 1 and value[:1] in "\"'":
            value, offset = quoted[0].value, value_start + 1
        raw: str | None = None
        if line.raw is not text:
            raw_start, raw_cut = _editable_bounds(line.raw)
            raw = line.raw[raw_start:raw_cut].rstrip()
            raw_quoted = tokenize(raw)
            if len(raw_quoted) == 1 and raw[:1] in "\"'":
                raw = raw_quoted[0].value
        try:
            requirement = parse_requirement(
                value, raw=raw, working_dir=self.working_dir, editable=True
            )
        except LocatedError as err:
            raise err.shifted(offset) from None
        hashes, settings = self._requirement_options(tokenize(text, cut))
        entry = RequirementEntry(
            requirement=requirement,
            editable=True,
            hashes=hashes,
            config_settings=settings,
            origin=self._origin(line, source),
        )
        self.check_role(entry, role, (0, cut))
        self.builder.add(role, entry)

    def _requirement_options(
        self, tokens: list[Token]
    ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        hashes: list[str] = []
        settings: list[tuple[str, str]] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            option, value, value_tok, i = _take_option(tokens, i, _REQ_OPTIONS)
            if option is None:
                span = (tok.start, tok.end)
                known = tok.value.split("=", 1)[0]
                if known in _UNSUPPORTED:
                    raise LocatedError(f"Option `{known}` is not supported", span)
                if known in _VALUE_OPTIONS or known in _FLAG_OPTIONS or known in _EDITABLE:
                    raise LocatedError(
                        f"Option `{known}` must be on its own line, not after a requirement", span
                    )
                if not known.startswith("-"):
                    raise LocatedError(f"Unexpected `{tok.value}` after an option", span)
                raise LocatedError(f"Unknown option `{tok.value}`", span)
            assert value_tok is not None
            if option == "--hash":
                hashes.append(_parse_hash(value, value_tok))
            else:
                key, eq, setting = value.partition("=")
                if not eq or not key:
                    raise LocatedError(
                        f"Invalid `--config-settings` value `{value}` (expected `KEY=VALUE`)",
                        (value_tok.start, value_tok.end),
                    )
                settings.append((key, setting))
        return tuple(hashes), tuple(settings)

    def check_role(self, entry: RequirementEntry, role: Role, span: tuple[int, int]) -> None:
        """Refuse what a constraint or an override cannot be (editable, unnamed, extras)."""
        if role == "requirement":
            return
        kind = "a constraint" if role == "constraint" else "an override"
        if entry.editable:
            raise LocatedError(f"Editable requirement is not allowed as {kind}", span)
        if entry.requirement.name is None:
            raise LocatedError(
                f"Unnamed requirement is not allowed as {kind} (add `name @` before the URL)",
                span,
            )
        if role == "constraint" and entry.requirement.extras:
            raise LocatedError("Constraints cannot have extras", span)

    # Option lines --------------------------------------------------------------------------

    def _option_line(self, line: LogicalLine, source: _Source, role: Role) -> None:
        tokens = tokenize(line.text)
        first = tokens[0]
        head = first.value.split("=", 1)[0]
        if head in _EDITABLE or (first.value.startswith("-e") and not first.value.startswith("--")):
            self._editable_line(line, source, role)
            return
        raw_tokens = tokenize(line.raw) if line.raw is not line.text else tokens
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            start = i
            option, value, value_tok, i = _take_option(tokens, i, _VALUE_OPTIONS)
            if option is None:
                name = tok.value.split("=", 1)[0]
                if name in _FLAG_OPTIONS:
                    if "=" in tok.value:
                        raise LocatedError(f"Option `{name}` takes no value", (tok.start, tok.end))
                    self._flag(name)
                    i += 1
                    continue
                if name in _REQ_OPTIONS:
                    raise LocatedError(
                        f"Option `{name}` must follow a requirement on the same line",
                        (tok.start, tok.end),
                    )
                if name in _UNSUPPORTED:
                    raise LocatedError(f"Option `{name}` is not supported", (tok.start, tok.end))
                if name in _EDITABLE or name.startswith("-e"):
                    raise LocatedError("Option `-e` must start its line", (tok.start, tok.end))
                if not name.startswith("-"):
                    raise LocatedError(
                        f"Unexpected `{tok.value}` after an option"
                        " (a requirement must start its line)",
                        (tok.start, tok.end),
                    )
                raise LocatedError(f"Unknown option `{tok.value}`", (tok.start, tok.end))
            assert value_tok is not None
            given = _raw_value(raw_tokens, tokens, start, i, value)
            self._value_option(option, value, given, value_tok, line, source, role)

    def _flag(self, name: str) -> None:
        b = self.builder
        if name == "--no-index":
            b.no_index = True
        elif name == "--pre":
            b.pre = True
        elif name == "--prefer-binary":
            b.prefer_binary = True
        else:
            b.require_hashes = True

    def _value_option(
        self,
        option: str,
        value: str,
        given: str,
        tok: Token,
        line: LogicalLine,
        source: _Source,
        role: Role,
    ) -> None:
        b = self.builder
        span = (tok.start, tok.end)
        if option == "--index-url":
            b.index_url = VerbatimUrl(url=value, given=given)
        elif option == "--extra-index-url":
            b.extra_index_urls.setdefault(value, VerbatimUrl(url=value, given=given))
        elif option == "--find-links":
            url = _find_links_url(value, source.base_dir)
            b.find_links.setdefault(url, VerbatimUrl(url=url, given=given))
        elif option in ("--no-binary", "--only-binary"):
            if not value or value.startswith("-"):
                raise LocatedError(
                    f"Option `{option}` needs `:all:`, `:none:` or package names", span
                )
            b.set_binary(value, no_binary=option == "--no-binary")
        elif option == "--trusted-host":
            b.trusted_hosts[value] = None
        elif option == "--use-feature":
            pass  # pip feature flags change pip's own behaviour; nothing to keep.
        else:
            nested: Role = "constraint" if option == "--constraint" else role
            self._include(value, nested, line, source, span)

    def _include(
        self, value: str, role: Role, line: LogicalLine, source: _Source, span: tuple[int, int]
    ) -> None:
        if is_url(value) and not value.lower().startswith("file:"):
            raise LocatedError("Remote requirements files are not supported yet", span)
        if value.lower().startswith("file:"):
            from urllib.parse import unquote, urlsplit
            from urllib.request import url2pathname

            value = url2pathname(unquote(urlsplit(value).path))
        target = source.base_dir / os.path.expanduser(value)
        if source.path is None:
            display = str(target) if os.path.isabs(value) else value
        else:
            display = os.path.normpath(os.path.join(os.path.dirname(source.name), value))
        real = _real(target)
        for i, (seen, _name) in enumerate(self._stack):
            if seen == real:
                chain = [name for _p, name in self._stack[i:]] + [display]
                if line.raw is not line.text:
                    span = raw_span(line.raw, self.environ, span)
                raise IncludeCycleError(
                    chain, name=source.name, line_number=line.number, line=line.raw, span=span
                )
        try:
            self.parse_file(target, role=role, name=display)
        except RequirementsFileError as err:
            raise self._error(
                f"Couldn't read included file `{display}`", line, source, span
            ) from RequirementsError(err.reason[:1].upper() + err.reason[1:])


def _editable_bounds(text: str) -> tuple[int, int]:
    """Where the value of ``-e VALUE``, ``-eVALUE`` or ``--editable=VALUE`` starts, and where
    the per-requirement options after it start."""
    tokens = tokenize(text)
    flag = tokens[0]
    if flag.value in _EDITABLE:
        if len(tokens) < 2:
            raise LocatedError(f"Missing value for option `{flag.value}`", (flag.start, flag.end))
        start = tokens[1].start
    elif flag.value.startswith("--"):
        start = flag.start + len("--editable=")
    else:
        start = flag.start + 2
        if text[start : start + 1] == "=":
            start += 1
    return start, start + split_options(text[start:])


def _take_option(
    tokens: list[Token], i: int, table: Mapping[str, str]
) -> tuple[str | None, str, Token | None, int]:
    """Read the option at ``tokens[i]`` if ``table`` knows it: ``--opt=value``, ``--opt value``,
    ``-xvalue`` or ``-x value``. Returns (canonical option, value, value token, next index)."""
    tok = tokens[i]
    text = tok.value
    if text.startswith("--"):
        name, eq, value = text.partition("=")
        option = table.get(name)
        if option is None:
            return None, "", None, i
        if eq:
            vstart = tok.start + len(name) + 1
            return option, value, Token(value, vstart, tok.end), i + 1
    else:
        short = text[:2]
        option = table.get(short)
        if option is None or short not in _SHORT_WITH_VALUE:
            return None, "", None, i
        if len(text) > 2:
            value = text[2:].removeprefix("=")
            return option, value, Token(value, tok.end - len(value), tok.end), i + 1
        name = short
    if i + 1 >= len(tokens):
        raise LocatedError(f"Missing value for option `{name}`", (tok.start, tok.end))
    nxt = tokens[i + 1]
    return option, nxt.value, nxt, i + 2


def _raw_value(
    raw_tokens: list[Token], tokens: list[Token], start: int, stop: int, value: str
) -> str:
    """The option value as written before ``${VAR}`` expansion (when the words line up)."""
    if raw_tokens is tokens or len(raw_tokens) != len(tokens):
        return value
    raw = raw_tokens[stop - 1].value
    if stop - start == 1 and "=" in raw and raw.startswith("--"):
        return raw.split("=", 1)[1]
    if stop - start == 1 and not raw.startswith("--"):
        return raw[2:].removeprefix("=")
    return raw


def _parse_hash(value: str, tok: Token) -> str:
    algorithm, colon, digest = value.partition(":")
    span = (tok.start, tok.end)
    if not colon or not digest:
        raise LocatedError(
            f"Invalid `--hash` value `{value}`",
            span,
            RequirementSyntaxError("Expected a hash algorithm and a digest, like `sha256:ab12…`"),
        )
    algorithm = algorithm.lower()
    if algorithm not in _HASH_ALGORITHMS:
        allowed = ", ".join(f"`{a}`" for a in sorted(_HASH_ALGORITHMS))
        raise LocatedError(
            f"Unsupported hash algorithm `{algorithm}`",
            span,
            RequirementSyntaxError(f"Supported algorithms are {allowed}"),
        )
    try:
        int(digest, 16)
    except ValueError:
        raise LocatedError(
            f"Invalid `--hash` value `{value}`",
            span,
            RequirementSyntaxError("The digest must be hexadecimal"),
        ) from None
    return f"{algorithm}:{digest.lower()}"


def _find_links_url(value: str, base_dir: Path) -> str:
    """pip: a relative ``--find-links`` path is taken from the including file's directory if it
    exists there, else from the current directory; URLs stay as written."""
    if is_url(value):
        return value
    relative = base_dir / value
    path = relative if relative.exists() else Path(value)
    return Path(os.path.abspath(path)).as_uri()


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, ValueError):  # ValueError: a NUL in the name (read_text refuses it)
        return Path(os.path.abspath(path))


def parse_requirements_file(
    path: str | os.PathLike[str],
    *,
    constraint: bool = False,
    working_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> RequirementsSpec:
    """Parse a requirements file (and everything it includes) into a :class:`RequirementsSpec`.

    With ``constraint=True`` every requirement becomes a constraint (the file was given with
    ``-c``). ``path`` ``-`` reads standard input. Raises :class:`RequirementsParseError` for a
    bad line and :class:`RequirementsFileError` for a file that cannot be read.
    """
    builder = SpecBuilder()
    parser = RequirementsParser(
        builder=builder,
        working_dir=working_dir or Path.cwd(),
        environ=os.environ if environ is None else environ,
    )
    role: Role = "constraint" if constraint else "requirement"
    if os.fspath(path) == "-":
        parser.parse_text(sys.stdin.read(), name="-", base_dir=parser.working_dir, role=role)
    else:
        parser.parse_file(Path(path), role=role, name=os.fspath(path))
    return builder.freeze()


def parse_requirements_text(
    text: str,
    *,
    name: str = "<text>",
    base_dir: Path | None = None,
    constraint: bool = False,
    working_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> RequirementsSpec:
    """Parse requirements-file ``text`` (from stdin, a test, a remote file) as if it were a file
    called ``name`` in ``base_dir`` (where its ``-r``/``-c`` includes are looked up)."""
    builder = SpecBuilder()
    cwd = working_dir or Path.cwd()
    parser = RequirementsParser(
        builder=builder, working_dir=cwd, environ=os.environ if environ is None else environ
    )
    role: Role = "constraint" if constraint else "requirement"
    parser.parse_text(text, name=name, base_dir=base_dir or cwd, role=role)
    return builder.freeze()
