"""The `except` clauses that issue 9 item 9 narrowed from `except Exception`: each still
catches what it means to (no pip beside sula, a cache entry that is not a wheel, a failed
speculative fetch), and a real failure beyond that surfaces instead of being taken for it.

Where no input makes sula fail that way (the failure would be a bug of sula), the failure is
injected into one function and everything else is real: the index server, the cache, the
resolver."""

from __future__ import annotations

import gc
import logging
import sys
import types
from pathlib import Path

import pytest
from _pip_helpers import make_venv
from fixtures.dists import build_wheel

from sula.errors import SulaError

# A pip whose index module fails to import with something else than an ImportError: a pip
# upgraded halfway, a file cut short. Sula must say that, not "pip is not installed".
_BROKEN_PIP = {
    "pip/__init__.py": "",
    "pip/_internal/__init__.py": "",
    "pip/_internal/models/__init__.py": "",
    "pip/_internal/models/index.py": "raise RuntimeError('this pip is broken')\n",
}


def _broken_pip(root: Path) -> Path:
    for rel, text in _BROKEN_PIP.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_a_broken_pip_beside_sula_is_reported_not_taken_for_no_pip(run_sula, tmp_path: Path) -> None:
    """`distribution/index.py`: `except ImportError` (was `except Exception`)."""
    # No pip at all: the default index is unknown, and sula says so.
    none = _broken_pip(tmp_path / "nopip")
    (none / "pip" / "_internal" / "models" / "index.py").unlink()
    r = run_sula("pip", "compile", "-", input="six\n", env={"PYTHONPATH": str(none)})
    assert r.exit_code == 1 and "error: No package index configured: pip is not installed" in r.stderr, r.stderr
    # A broken pip: its own error, not "pip is not installed".
    broken = _broken_pip(tmp_path / "broken")
    r = run_sula("pip", "compile", "-", input="six\n", env={"PYTHONPATH": str(broken)})
    assert r.exit_code == 2, r.stderr
    assert r.stderr.splitlines() == ["error: this pip is broken"], r.stderr


def test_install_without_a_default_index_uses_find_links_but_a_broken_pip_surfaces(
    index_server, dists_dir: Path, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`installer/plan.py` `index_keys`: `suppress(NoDefaultIndexError)` (was
    `suppress(Exception)`), the cache keys of the indexes an install may link from."""
    from sula.client.settings import IndexSettings
    from sula.installer.plan import index_keys

    monkeypatch.delenv("SULA_INDEX_URL", raising=False)
    monkeypatch.setenv("SULA_NO_CONFIG", "1")
    settings = IndexSettings(find_links=[str(dists_dir)])
    # No pip (its module is not importable): only the find-links are keys.
    monkeypatch.setitem(sys.modules, "pip._internal.models.index", None)
    assert index_keys(settings) == [str(dists_dir)]
    # A pip that fails otherwise: the failure, not a silent "nothing of the index is cached".
    broken = types.ModuleType("pip._internal.models.index")

    def fail(name: str) -> object:
        raise RuntimeError("this pip is broken")

    broken.__getattr__ = fail  # type: ignore[method-assign]
    monkeypatch.setitem(sys.modules, "pip._internal.models.index", broken)
    with pytest.raises(RuntimeError, match="this pip is broken"):
        index_keys(settings)


def test_cache_entries_that_are_not_wheels_are_skipped_but_a_parser_failure_surfaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`database/core.py` `unpacked_wheels`: `except FilenameError` (was `except Exception`)."""
    from sula.database import core

    shard = tmp_path / "shard"
    for name in ("lib-1.0-py3-none-any", "lib-1.0-py3-none-any.lock", "not-a-wheel", ".tmp-x"):
        (shard / name).mkdir(parents=True)
    assert [fn.filename for fn, _ in core.unpacked_wheels(shard)] == ["lib-1.0-py3-none-any.whl"]

    def parse(text: str) -> object:  # an injected bug of the filename parser
        raise TypeError("parser bug")

    monkeypatch.setattr(core.WheelFilename, "parse", staticmethod(parse))
    with pytest.raises(TypeError, match="parser bug"):
        core.unpacked_wheels(shard)


def _failing_page(monkeypatch: pytest.MonkeyPatch, name: str, error: Exception, *, hold: str | None = None
                  ) -> list[str]:
    """Make the client's index page of ``name`` fail with ``error``; returns the names whose
    pages were asked for. ``hold``: a page answered only once ``name``'s was asked (at most
    10 s), so that a background fetch of ``name`` happens whatever the machine's load."""
    import asyncio
    import time

    from sula.client.registry import RegistryClient

    real = RegistryClient.files
    asked: list[str] = []

    async def files(self, project):  # type: ignore[no-untyped-def]
        asked.append(project)
        if project == name:
            raise error
        if project == hold:
            deadline = time.monotonic() + 10
            while name not in asked and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        return await real(self, project)

    monkeypatch.setattr(RegistryClient, "files", files)
    return asked


def _check_reported(caplog: pytest.LogCaptureFixture, error: Exception, *, dropped: str) -> None:
    """A SulaError of a background fetch is a debug line (``dropped``); any other exception
    is reported at ERROR with its traceback (asyncio's "Task exception was never retrieved",
    when the task is collected)."""
    gc.collect()
    reported = [r for r in caplog.records if r.exc_info and r.exc_info[1] is error]
    if isinstance(error, SulaError):
        assert not reported, caplog.text
        assert dropped in caplog.text
    else:
        assert reported and reported[0].levelno == logging.ERROR, caplog.text


@pytest.mark.parametrize("unexpected", [True, False])
def test_a_failed_speculative_prefetch_is_dropped_only_when_it_is_a_sula_error(
    unexpected: bool, index_server, dists_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """`resolver/provider.py` `_prefetch_one`: `except SulaError` (was `except Exception`).

    `b` needs `app<2`; `app` 2.0 needs `lib`. The prefetcher runs ahead of the solver: it takes
    `app` 2.0 as likely and fetches `lib`'s index page, which the solver never needs (it takes
    `b` first, then `app` 1.0). A SulaError there is the solver's business (it asks again if
    it needs it); any other error is a bug and is reported, not dropped. `b`'s page waits for
    the fetch of `lib`'s: on a loaded machine the solver finished before the prefetcher got
    there (a CI run)."""
    import sula
    from sula.client.errors import OfflineError

    server = index_server()
    server.add(build_wheel(dists_dir, "b", "1.0", requires=["app<2"]))
    server.add(build_wheel(dists_dir, "app", "1.0"))
    server.add(build_wheel(dists_dir, "app", "2.0", requires=["lib"]))
    server.add(build_wheel(dists_dir, "lib", "1.0"))
    error: Exception = (RuntimeError("prefetch bug") if unexpected
                        else OfflineError("the index page of `lib`"))
    asked = _failing_page(monkeypatch, "lib", error, hold="b")
    caplog.set_level(logging.DEBUG)
    graph = sula.resolve(["b", "app"], index_url=server.url, python=sys.executable,
                         cache_dir=str(tmp_path / "cache"))
    assert graph.pins() == {"app": "1.0", "b": "1.0"}
    assert "lib" in asked, asked  # the speculative fetch did run
    _check_reported(caplog, error, dropped="Prefetch of `lib` failed")


@pytest.mark.parametrize("unexpected", [True, False])
def test_a_failed_no_deps_page_prefetch_is_dropped_only_when_it_is_a_sula_error(
    unexpected: bool, index_server, dists_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """`dispatch/direct.py` `_page` (`--no-deps`): `except SulaError` (was `except Exception`).

    With `no_deps` every requirement's index page is fetched at once; the solver takes them
    in order and stops at `nothere`, never asking for `lib`'s page again."""
    import sula
    from sula.client.errors import OfflineError
    from sula.resolver.pubgrub import NoSolutionError

    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    server = index_server()
    server.add(build_wheel(dists_dir, "lib", "1.0"))
    make_venv(tmp_path / "venv")
    error: Exception = (RuntimeError("prefetch bug") if unexpected
                        else OfflineError("the index page of `lib`"))
    asked = _failing_page(monkeypatch, "lib", error)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(NoSolutionError, match="nothere"):
        sula.install(["nothere", "lib"], no_deps=True, python=tmp_path / "venv",
                     index_url=server.url, cache_dir=tmp_path / "cache")
    assert "lib" in asked
    _check_reported(caplog, error, dropped="Fetching the versions of `lib` failed")


def test_a_corrupt_sdist_is_reported_as_corrupt_not_as_needing_a_build(
    run_sula, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    """Issue 9 item 9's last part: an sdist that cannot be read is named as unreadable by the
    step that reads it, for compile and install alike."""
    from fixtures.dists import build_sdist

    good = build_sdist(dists_dir, "bad", "1.0")
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])  # cut short, as by a failed upload
    server = index_server()
    server.add(good)
    make_venv(tmp_path / "venv")
    for command in (("pip", "compile", "-"),
                    ("pip", "install", "bad", "--python", str(tmp_path / "venv" / "bin" / "python"))):
        r = run_sula(*command, "--index-url", server.url, input="bad\n")
        assert r.exit_code == 1, r.stderr
        assert "Failed to read `bad-1.0.tar.gz`" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "source tree" not in r.stderr, r.stderr
