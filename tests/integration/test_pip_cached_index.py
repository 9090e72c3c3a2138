"""A cached wheel is linked only when the index the strategy picks serves that very file: same
index (`--index-strategy first-index` stops dependency confusion) and the sha256 it lists."""

from __future__ import annotations

from pathlib import Path

from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel


def _installed(site: Path) -> str:
    return (site / "conf" / "__init__.py").read_text()


def test_cached_wheel_of_another_index_is_not_linked(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    private, public = index_server(), index_server()
    private.add(build_wheel(dists_dir / "private", "conf", "1.0",
                            files={"conf/__init__.py": "WHO = 'private'\n"}))
    public.add(build_wheel(dists_dir / "public", "conf", "1.0",
                           files={"conf/__init__.py": "WHO = 'public'\n"}))
    # The cache holds the public index's wheel.
    first = make_venv(tmp_path / "v1")
    run_sula("pip", "install", "conf==1.0", "--python", str(tmp_path / "v1/bin/python"),
             "--index-url", public.url).check()
    assert _installed(first) == "WHO = 'public'\n"
    # Now the extra index is searched first and has the package: its file is the one to link.
    for command in (("install", "conf==1.0"), ("sync", str(tmp_path / "pins.txt"))):
        (tmp_path / "pins.txt").write_text("conf==1.0\n")
        venv = tmp_path / f"v-{command[0]}"
        site = make_venv(venv)
        result = run_sula("pip", *command, "--python", str(venv / "bin/python"),
                          "--index-url", public.url, "--extra-index-url", private.url).check()
        assert _installed(site) == "WHO = 'private'\n", result.stderr
    assert private.count("/files/*") + private.count("*.whl") >= 1


def test_cached_wheel_with_another_sha256_than_the_index_lists_is_fetched_again(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server(cache_control=None)  # pages revalidated on every run
    old = build_wheel(dists_dir / "old", "conf", "1.0", files={"conf/__init__.py": "V = 'old'\n"})
    server.add(old)
    first = make_venv(tmp_path / "v1")
    py = ["--index-url", server.url]
    run_sula("pip", "install", "conf==1.0", "--python", str(tmp_path / "v1/bin/python"), *py).check()
    assert _installed(first) == "V = 'old'\n"
    # The index replaces the file under the same name (another sha256).
    server.remove(old.name)
    server.add(build_wheel(dists_dir / "new", "conf", "1.0", files={"conf/__init__.py": "V = 'new'\n"}))
    site = make_venv(tmp_path / "v2")
    run_sula("pip", "install", "conf==1.0", "--python", str(tmp_path / "v2/bin/python"), *py).check()
    assert _installed(site) == "V = 'new'\n"
