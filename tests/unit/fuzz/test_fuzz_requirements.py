"""Property: requirements text (requirements.txt lines, PEP 508 strings) never raises anything
but sula's errors, however it is garbled."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sula.errors import SulaError
from sula.requirements import parse_requirements_text

from ._strategies import REQ_TOKENS, batches, examples, token_text

_BASE = Path(tempfile.mkdtemp(prefix="sula-fuzz-req-"))
(_BASE / "other.txt").write_text("foo==1.0\n-r other.txt\n")
(_BASE / "bom16.txt").write_bytes(b"\xff\xfe" + b"\x00\xd8")
(_BASE / "dir").mkdir(exist_ok=True)
TOKENS = [*REQ_TOKENS, "-r other.txt", "-r dir", "-c dir", "-r missing.txt", "-r .", "dir/",
          "-r bom16.txt"]


def _parse(texts: list[str]) -> None:
    for text in texts:
        try:
            parse_requirements_text(text, name="fuzz.txt", base_dir=_BASE, working_dir=_BASE, environ={})
        except SulaError as err:
            assert str(err)


@examples(1500)
@given(batches(token_text(TOKENS, max_size=25)))
def test_requirements_text_from_tokens(texts: list[str]) -> None:
    _parse(texts)


@examples(600)
@given(batches(st.lists(token_text(TOKENS, max_size=8), max_size=6).map("\n".join)))
def test_requirements_files_of_several_lines(texts: list[str]) -> None:
    _parse(texts)


@examples(400)
@given(batches(st.text(max_size=60)))
def test_requirements_text_arbitrary(texts: list[str]) -> None:
    _parse(texts)


def test_nul_and_bad_bom_are_sula_errors() -> None:
    """Regressions found by the properties above: a NUL in a path or an include, and a
    UTF-16 byte-order mark before bytes that are not UTF-16, were ValueErrors."""
    for text in ("./pkg\x00", "-r other.txt\x00", "-r bom16.txt"):
        try:
            parse_requirements_text(text, name="fuzz.txt", base_dir=_BASE, working_dir=_BASE, environ={})
        except SulaError as err:
            chain = f"{err} {err.__cause__}"
            assert "NUL" in chain or "UTF-16" in chain, chain
        else:
            raise AssertionError(f"{text!r} parsed")
