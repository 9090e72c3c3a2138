"""find_hint on backend output as real builds print it (lines taken from real failures)."""

from __future__ import annotations

import pytest

from sula.builder.errors import BackendFailedError, find_hint

CYTHON3 = [
    '  File "/tmp/build-env/lib/python3.11/site-packages/setuptools/_distutils/command/build_ext.py", line 479, in build_extensions',
    "    self._build_extensions_serial()",
    "AttributeError: cython_sources",
]


@pytest.mark.parametrize(
    ("lines", "hint"),
    [
        (CYTHON3, "`pyyaml==5.4.1` does not build with Cython 3: try `--build-constraints` with `cython<3`"),
        (
            ["ext/_yaml.c:4:10: fatal error: Python.h: No such file or directory",
             "compilation terminated."],
            "`Python.h` is missing: install the development headers of Python (`python3-dev` or "
            "`python3-devel`, for the Python that builds `pyyaml==5.4.1`)",
        ),
        (
            ["src/a.c:1:10: fatal error: 'Python.h' file not found"],
            "`Python.h` is missing: install the development headers of Python (`python3-dev` or "
            "`python3-devel`, for the Python that builds `pyyaml==5.4.1`)",
        ),
        (
            ["build/temp/_yaml.c:1:10: fatal error: yaml.h: No such file or directory"],
            "`yaml.h` is missing: install the development headers of the library that provides it "
            "(often a `-dev` or `-devel` package)",
        ),
        (
            ["src/x.c:2:10: fatal error: 'libxml/xmlversion.h' file not found"],
            "`libxml/xmlversion.h` is missing: install the development headers of the library that "
            "provides it (often a `-dev` or `-devel` package)",
        ),
        (
            ["error: command 'x86_64-linux-gnu-gcc' failed: No such file or directory"],
            "the compiler `x86_64-linux-gnu-gcc` was not found: install a C compiler (`gcc` or "
            "`clang`) to build `pyyaml==5.4.1`",
        ),
        (
            ["error: [Errno 2] No such file or directory: 'cc'"],
            "the compiler `cc` was not found: install a C compiler (`gcc` or `clang`) to build "
            "`pyyaml==5.4.1`",
        ),
        (
            ["/bin/sh: 1: gcc: not found"],
            "the compiler `gcc` was not found: install a C compiler (`gcc` or `clang`) to build "
            "`pyyaml==5.4.1`",
        ),
        (
            ["ModuleNotFoundError: No module named 'numpy'"],
            "`pyyaml==5.4.1` imports `numpy` while building but does not declare it in "
            "`build-system.requires`; if it is installed in the target environment, try "
            "`--no-build-isolation-package`",
        ),
        (["error: [Errno 2] No such file or directory: 'README.md'"], None),
        (["error: command 'gcc' failed with exit code 1"], None),
        (["all good"], None),
    ],
    ids=["cython3", "python-h", "python-h-clang", "header", "header-clang", "distutils-cc",
         "setuptools-cc", "shell-gcc", "module", "other-file", "compile-error", "none"],
)
def test_hints(lines: list[str], hint: str | None) -> None:
    assert find_hint(lines, "pyyaml==5.4.1") == hint


def test_most_specific_hint_wins_whatever_the_order() -> None:
    # A missing module first, the Cython 3 failure later: the Cython hint is the useful one.
    lines = ["ModuleNotFoundError: No module named 'numpy'", *CYTHON3]
    assert find_hint(lines, "p").startswith("`p` does not build with Cython 3")  # type: ignore[union-attr]
    assert find_hint(list(reversed(lines)), "p").startswith("`p` does not build with Cython 3")  # type: ignore[union-attr]


def test_backend_failed_error_keeps_data_and_renders_hint_last() -> None:
    from sula.errors import format_chain

    err = BackendFailedError(
        package="pyyaml==5.4.1", backend="setuptools.build_meta:__legacy__",
        hook="get_requires_for_build_wheel", exit_code=1, output=CYTHON3,
        hint=find_hint(CYTHON3, "pyyaml==5.4.1"),
    )
    assert err.output_tail == tuple(CYTHON3)
    assert format_chain(err) == [
        "error: Failed to build `pyyaml==5.4.1`",
        "  Caused by: The build backend returned an error",
        "  Caused by: Call to `setuptools.build_meta:__legacy__.get_requires_for_build_wheel` failed (exit status: 1)",
        "",
        "  [output]",
        *(f"  {line}" for line in CYTHON3),
        "",
        "  hint: `pyyaml==5.4.1` does not build with Cython 3: try `--build-constraints` with `cython<3`",
    ]
