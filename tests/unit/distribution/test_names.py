from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name as packaging_canonicalize

from sula.distribution.names import canonicalize_name

NAME_CHARS = st.sampled_from([*"aAzZ09-_.", "İ", "ß", "K"])


@given(st.text(NAME_CHARS, max_size=12) | st.text(max_size=12))
def test_same_answer_as_packaging(name: str) -> None:
    assert canonicalize_name(name) == packaging_canonicalize(name)


def test_examples() -> None:
    assert canonicalize_name("Foo__Bar.-baz") == "foo-bar-baz"
    assert canonicalize_name("zope.interface") == "zope-interface"
    assert canonicalize_name("---") == "-"


def test_importing_sula_names_leaves_packaging_unloaded() -> None:
    code = ("import sys; import sula.distribution.names, sula.distribution.filename; "
            "print(sorted(m for m in sys.modules if m.startswith('packaging')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
