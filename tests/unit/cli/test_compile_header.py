"""The command line in `pip compile`'s header is quoted as the shell (and shlex) quotes it."""

from __future__ import annotations

import shlex

from hypothesis import given
from hypothesis import strategies as st

from sula.cli.commands.pip_compile import _quote


@given(st.text(alphabet=st.sampled_from("aZ09_@%+=:,./-~ '\"$*\\é\n\t!"), max_size=8))
def test_header_arguments_are_quoted_as_shlex_quotes_them(arg: str) -> None:
    assert _quote(arg) == shlex.quote(arg)
