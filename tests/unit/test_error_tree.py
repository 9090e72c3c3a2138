"""Every error sula raises on purpose is a `SulaError`, under its subpackage's base."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from filelock import Timeout

from sula._fs import LockTimeoutError, lock
from sula.errors import SulaError, format_chain
from sula.resolver.errors import ResolveError
from sula.resolver.pubgrub import NoSolutionError


def test_lock_timeout_is_a_sula_error(tmp_path: Path) -> None:
    path = tmp_path / "held.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import filelock, sys\n"
         "with filelock.FileLock(sys.argv[1]):\n"
         "    print('held', flush=True)\n"
         "    sys.stdin.readline()\n", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(SulaError) as info, lock(path, timeout=0.05):
            pass
    finally:
        holder.communicate("\n", timeout=30)
    assert isinstance(info.value, LockTimeoutError)
    assert not isinstance(info.value, OSError)
    # Held with filelock, waited for with flock (sula._fs.lock on POSIX): they exclude each other.
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, Timeout)
    assert str(info.value) == f"Timed out waiting for lock `{path}`"
    assert info.value.exit_code == 1
    assert format_chain(info.value)


def test_no_solution_is_a_resolve_error() -> None:
    assert issubclass(NoSolutionError, ResolveError)
    assert issubclass(ResolveError, SulaError)


def test_one_source_build_required_error() -> None:
    # The resolver and the installer meet source trees at different steps; one error says it.
    from sula.errors import SourceBuildRequiredError
    from sula.installer.errors import SourceBuildRequiredError as FromInstaller
    from sula.resolver.errors import SourceBuildRequiredError as FromResolver

    assert FromInstaller is SourceBuildRequiredError is FromResolver
    err = SourceBuildRequiredError("pkg @ git+https://example.invalid/pkg")
    assert isinstance(err, SulaError) and err.what == "pkg @ git+https://example.invalid/pkg"
    assert "would have to be built from a source tree" in str(err)
