"""Fixtures for the frontend's tests: the backends' wheels (downloaded once per session from the
machine's configured index), the test venv's interpreter, and a pip-backed BuildContext."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.builds import BACKENDS, PipBuildContext

from sula.cache import Cache
from sula.context import BuildOptions
from sula.interpreter import Interpreter, query_interpreter


@pytest.fixture(scope="session")
def backend_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build backends and their dependencies as wheels, from the machine's configured index."""
    dest = tmp_path_factory.mktemp("backend-wheels")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
         "--only-binary", ":all:", "-d", str(dest), *BACKENDS],
        check=True, capture_output=True, timeout=600,
    )
    return dest


@pytest.fixture(scope="session")
def interpreter(tmp_path_factory: pytest.TempPathFactory) -> Interpreter:
    """The test venv's Python (it has setuptools, hatchling and flit-core installed)."""
    cache = Cache.from_settings(tmp_path_factory.mktemp("interp-cache"), no_cache=False).init()
    return query_interpreter(sys.executable, cache=cache)


MakeContext = Callable[..., PipBuildContext]


@pytest.fixture
def make_context(cache: Cache, interpreter: Interpreter, backend_wheels: Path) -> MakeContext:
    """``make_context(**BuildOptions fields)`` → a :class:`PipBuildContext`."""

    def make(**options: object) -> PipBuildContext:
        return PipBuildContext(
            interpreter=interpreter, cache=cache, build_options=BuildOptions(**options),
            wheels=backend_wheels,
        )

    return make


