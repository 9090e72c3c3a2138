"""Strategies shared by the property tests: text built from the tokens a parser cares about,
mixed with arbitrary characters, so that most examples get deep into the grammar."""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis import strategies as st

SCALE = float(os.environ.get("SULA_FUZZ_SCALE", "1"))


def examples(n: int) -> settings:
    """``n`` examples at scale 1 (see conftest.py)."""
    return settings(max_examples=max(10, int(n * SCALE)))


def token_text(tokens: list[str], *, max_size: int = 20) -> st.SearchStrategy[str]:
    """Concatenations of ``tokens`` and single characters.

    Drawn as one byte string and mapped (a byte below ``len(tokens)`` picks a token, the
    others a character): about ten times cheaper to generate than a list of ``one_of``
    draws, and it still shrinks well.
    """
    table = list(tokens)
    extra = [chr(c) for c in range(32, 127)] + ["\x00", "\n", "\t", "\u00e9", "\u2028", "\udcff"[:0] or "\ufffd"]

    def decode(data: bytes) -> str:
        out = []
        for b in data:
            if b < len(table):
                out.append(table[b])
            else:
                out.append(extra[(b - len(table)) % len(extra)])
        return "".join(out)

    assert len(table) < 256
    return st.binary(max_size=max_size).map(decode)


NAMES = ["foo", "Foo_Bar", "a.b", "x-y", "pkg", "_", "-", ".", "a" * 40, "é", "1"]
VERSIONS = ["1.0", "2", "1.0.post1", "1!2.0", "1.0a1", "1.0.dev0", "1.0+local", "0.0.0",
            "1.*", "v1", "1..0", "99999999999999999999", "1.0rc", "x", ""]
OPS = ["==", ">=", "<=", "!=", "~=", "===", "<", ">", "=", "=>", " "]
MARKER_VARS = ["python_version", "python_full_version", "sys_platform", "platform_machine",
               "os_name", "implementation_name", "extra", "platform_release",
               "platform_python_implementation", "implementation_version", "dependency_groups",
               "extras", "platform_version", "bogus"]
MARKER_TOKENS = [*MARKER_VARS, *OPS, " in ", " not in ", " and ", " or ", "(", ")", '"', "'",
                 '"3.11"', '"linux"', "'win32'", '"1.0"', '"abc"', '"3.*"', '"~"', " ", "extra"]
REQ_TOKENS = [*NAMES, *VERSIONS, *OPS, "[", "]", ",", ";", " @ ", "@", " ", "\t", "\\\n",
              "https://example.invalid/foo-1.0-py3-none-any.whl", "file:///tmp/x",
              "git+https://example.invalid/r.git@v1#egg=foo", "#egg=", "#subdirectory=",
              "#sha256=", "./", "../", "/", ".whl", ".tar.gz", ".zip", "-1.0", "-py3-none-any",
              "-e ", "-r ", "-c ", "--hash=sha256:", "--hash=", "-i ", "--index-url ",
              "--extra-index-url=", "--find-links ", "-f", "--no-binary ", ":all:", ":none:",
              "--only-binary=", "--pre", "--prefer-binary", "--trusted-host ", "--config-settings",
              "-Z", "${HOME}", "${X", "$", "%20", "#", " #", "\n", "\r\n", "\x00", "\ufeff",
              *MARKER_TOKENS]


# Each example parses a batch of inputs: hypothesis spends about 2 ms per example on this
# machine, the parsers 0.01-0.2 ms per input, so batches buy inputs at a tenth of the cost.
BATCH = 4


def batches(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(strategy, min_size=BATCH, max_size=BATCH)


MARKER_VALUES = ['"3.11"', '"3"', '"3.11.7"', '"abc"', '"linux"', "'win32'", '"1.0"', '"3.*"',
                 '"~"', '""', '"x"', '"cpython"', '"3.8.0a1"', '"1!2"', '"6.1"', '"posix"']
MARKER_OPS = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in"]


def marker_text() -> st.SearchStrategy[str]:
    """Well-formed-looking markers: atoms (either side a variable) joined by and/or, some in
    parentheses, with the odd token of garbage."""
    var = st.sampled_from(MARKER_VARS)
    value = st.sampled_from(MARKER_VALUES)
    op = st.sampled_from(MARKER_OPS)
    atom = st.one_of(
        st.tuples(var, op, value).map(" ".join),
        st.tuples(value, op, var).map(" ".join),
        st.tuples(var, op, var).map(" ".join),
        st.tuples(value, op, value).map(" ".join),
    )
    joined = st.lists(st.tuples(atom, st.sampled_from([" and ", " or ", " and (", ") or ", ")"])),
                      min_size=1, max_size=4)
    return joined.map(lambda parts: "".join(a + j for a, j in parts).rstrip(" andor("))
