"""`sula.install(...)`: the Python API, in this process, against the local index."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _pip_helpers import make_venv, real_pip, record_problems
from fixtures.dists import build_wheel

import sula
from sula.dispatch.install import DistVersion, InstallSummary
from sula.errors import SulaError


class Recorder:
    """An InstallReporter that keeps the step lines instead of printing them."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int]] = []
        self.linked: list[str] = []

    def on_resolved(self, count: int, seconds: float) -> None:
        self.steps.append(("resolved", count))

    def on_audited(self, count: int, seconds: float) -> None:
        self.steps.append(("audited", count))

    def on_download_start(self, total: int) -> None:
        self.steps.append(("download", total))

    def on_download_end(self, count: int, seconds: float) -> None:
        self.steps.append(("prepared", count))

    def on_uninstalled(self, count: int, seconds: float) -> None:
        self.steps.append(("uninstalled", count))

    def on_link_start(self, total: int) -> None:
        self.steps.append(("link", total))

    def on_linked(self, name: str) -> None:
        self.linked.append(name)

    def on_link_end(self, count: int, seconds: float) -> None:
        self.steps.append(("installed", count))

    def on_compiled(self, count: int, seconds: float) -> None:
        self.steps.append(("compiled", count))


def test_install_api(index_server, dists_dir: Path, tmp_path: Path, cache_dir: Path,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    server = index_server()
    server.add(build_wheel(dists_dir, "lib", "1.0"))
    server.add(build_wheel(dists_dir, "lib", "2.0"))
    server.add(build_wheel(dists_dir, "app", "1.0", requires=["lib>=1"],
                           entry_points={"console_scripts": {"app": "app:main"}}))
    server.add(build_wheel(dists_dir, "other", "1.0", requires=["missing"]))
    venv = tmp_path / "venv"
    site = make_venv(venv)
    common = {"python": venv, "index_url": server.url, "cache_dir": cache_dir}

    rec = Recorder()
    summary = sula.install(["app", "lib<2"], reporter=rec, **common)
    assert isinstance(summary, InstallSummary)
    assert summary.installed == (DistVersion("app", "1.0"), DistVersion("lib", "1.0"))
    assert summary.uninstalled == () and summary.unchanged == () and summary.downloaded == 2
    assert rec.steps == [("resolved", 2), ("download", 2), ("prepared", 2), ("link", 2), ("installed", 2)]
    assert rec.linked == ["app", "lib"]
    assert (venv / "bin" / "app").exists() and (site / "app-1.0.dist-info" / "REQUESTED").exists()
    assert record_problems(site) == [] and real_pip(venv, "check").returncode == 0

    # Satisfied: nothing resolved, no network.
    server.clear_log()
    again = sula.install(["app"], **common)
    assert again.unchanged == (DistVersion("app", "1.0"), DistVersion("lib", "1.0")) and not again.changed
    assert server.requests == []

    # A requirements file (a path object), upgrade by name, dry run changes nothing.
    reqs = tmp_path / "reqs.txt"
    reqs.write_text("app\n")
    dry = sula.install([reqs], upgrade=["lib"], dry_run=True, **common)
    assert dry.dry_run and dry.installed == (DistVersion("lib", "2.0"),)
    assert dry.uninstalled == (DistVersion("lib", "1.0"),)
    assert (site / "lib-1.0.dist-info").is_dir()

    # no_deps: the dependency is not on the index; copies instead of links.
    only = sula.install("other", no_deps=True, link_mode="copy", **common)
    assert only.installed == (DistVersion("other", "1.0"),)
    assert os.stat(site / "other" / "__init__.py").st_nlink == 1

    # sync: exactly the resolution; reinstall by name.
    exact = sula.install(["lib==2.0"], sync=True, reinstall=["lib"], **common)
    assert exact.installed == (DistVersion("lib", "2.0"),)
    assert set(exact.uninstalled) == {DistVersion("app", "1.0"), DistVersion("lib", "1.0"),
                                      DistVersion("other", "1.0")}
    assert real_pip(venv, "list", "--format=freeze").stdout.split() == ["lib==2.0"]

    # A local wheel path and --target.
    wheel = build_wheel(dists_dir, "local", "3.0")
    target = tmp_path / "target"
    local = sula.install([Path(wheel)], python=venv, target=target, cache_dir=cache_dir, no_index=True)
    assert local.installed == (DistVersion("local", "3.0"),) and (target / "local-3.0.dist-info").is_dir()

    with pytest.raises(SulaError, match="nothere"):
        sula.install(["nothere"], **common)
    with pytest.raises(SulaError, match="link mode"):
        sula.install(["lib"], link_mode="teleport", **common)


def test_import_sula_is_lazy() -> None:
    lazy = "import sys, sula; print(sorted(m for m in ('packaging', 'sula.dispatch') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", lazy], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"
    assert callable(sula.install) and "install" in sula.__all__


def test_api_errors_name_keywords_and_the_input_not_flags(
    index_server, dists_dir: Path, tmp_path: Path, cache_dir: Path, run_sula,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 8 item 18: through `sula.resolve`/`sula.install` an error speaks the API's words
    (`python_version=`, `index_url=`, `prerelease="allow"`) and shows the string the caller
    passed; the commands keep their flags."""
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    server = index_server()
    server.add(build_wheel(dists_dir, "lib", "1.0"))
    server.add(build_wheel(dists_dir, "lib", "2.0"))
    server.add(build_wheel(dists_dir, "newpy", "1.0", requires_python=">=3.99"), requires_python=">=3.99")
    server.add(build_wheel(dists_dir, "pre", "2.0a1"))
    venv = tmp_path / "venv"
    site = make_venv(venv)
    opts = {"index_url": server.url, "cache_dir": str(cache_dir)}

    def message(call) -> str:  # type: ignore[no-untyped-def]
        with pytest.raises(SulaError) as info:
            call()
        text = str(info.value)
        assert "--" not in text, text  # no flag of the commands
        return text

    assert "use `python_version=` or `python=` to resolve for another Python" in message(
        lambda: sula.resolve(["newpy"], python=sys.executable, **opts))
    assert "use `python_version=` or `python=`" in message(
        lambda: sula.install(["newpy"], python=venv, **opts))
    assert "(`index_url=`, `extra_index_urls=`, `find_links=`)" in message(
        lambda: sula.resolve(["nothere"], python=sys.executable, **opts))
    assert '(try: `prerelease="allow"`)' in message(
        lambda: sula.resolve(["pre"], prerelease="disallow", python=sys.executable, **opts))
    assert message(lambda: sula.resolve(["lib"], exclude_newer="yesterday", python=sys.executable,
                                        **opts)).startswith("Invalid `exclude_newer=` value `yesterday`")
    assert message(lambda: sula.install(["lib"], prerelease="sometimes", python=venv, **opts)
                   ).startswith("Invalid `prerelease=` value `sometimes`: expected one of `disallow`")
    assert message(lambda: sula.resolve(["lib"], resolution="newest", python=sys.executable, **opts)
                   ).startswith("Invalid `resolution=` value `newest`")
    assert '(`python="/usr/bin/python3.12"`)' in message(lambda: sula.install(["lib"], python="3.x", **opts))
    assert message(lambda: sula.install(["lib"], python=" ", **opts)) == "An empty `python=` request was given"

    # Constraint and override strings are requirements (as in `sula.resolve`), and a bad one is
    # shown as written, not as a file path.
    calls = {"install": lambda **kw: sula.install(["lib"], python=venv, **kw, **opts),
             "resolve": lambda **kw: sula.resolve(["lib"], python=sys.executable, **kw, **opts)}
    for (function, call), keyword in itertools.product(calls.items(), ("constraints", "overrides")):
        bad = {keyword: ["lib<<2"]}
        text = message(lambda call=call, bad=bad: call(**bad))  # type: ignore[misc]
        assert text.splitlines()[:2] == ["Couldn't parse requirement", "  lib<<2"], (function, text)
        assert str(tmp_path) not in text and os.getcwd() not in text and "/tmp" not in text
    summary = sula.install(["lib"], constraints=["lib<2"], python=venv, **opts)
    assert summary.installed == (DistVersion("lib", "1.0"),) and (site / "lib-1.0.dist-info").is_dir()

    # The command line keeps its flags.
    cli = run_sula("pip", "compile", "-", "--python", sys.executable, "--index-url", server.url,
                   input="newpy\n")
    assert cli.exit_code == 1 and "use `--python-version` or `--python`" in cli.stderr, cli.stderr
