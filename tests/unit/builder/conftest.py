"""Fixtures for the frontend's tests: the test venv's interpreter and a pip-backed BuildContext
(the backends' wheels come from ``backend_wheels`` in tests/conftest.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.builds import PipBuildContext

from sula.cache import Cache
from sula.context import BuildOptions
from sula.interpreter import Interpreter, query_interpreter


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


