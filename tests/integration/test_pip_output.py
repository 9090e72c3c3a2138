"""Drop-in files and output (issue 8, items 12-19): written files, credentials, summaries, API."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel
from fixtures.index import IndexServer

pytestmark = pytest.mark.usefixtures("without_using_line")


@pytest.fixture
def server(index_server, dists_dir: Path) -> IndexServer:
    server = index_server()
    for name, version, kw in [("six", "1.0", {}), ("app", "1.0", {"requires": ["six"]})]:
        server.add(build_wheel(dists_dir, name, version, **kw))
    return server


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_compile_output_file_honours_the_umask_and_keeps_a_mode(
    run_sula: SulaRunner, server: IndexServer, tmp_path: Path
) -> None:
    src = tmp_path / "requirements.in"
    src.write_text("app\n")
    out = tmp_path / "requirements.txt"
    old = os.umask(0o022)
    try:
        run_sula("pip", "compile", str(src), "-o", str(out), "-i", server.url).check()
    finally:
        os.umask(old)
    assert _mode(out) == 0o644
    out.chmod(0o664)
    run_sula("pip", "compile", str(src), "-o", str(out), "-i", server.url).check()
    assert _mode(out) == 0o664


def test_compile_hides_passwords_in_the_header_and_emits_the_usable_url(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server(auth=("user", "s3cret"))
    server.add(build_wheel(dists_dir, "six", "1.0"))
    src = tmp_path / "requirements.in"
    src.write_text("six\n")
    url = server.url_with_auth
    assert "user:s3cret@" in url
    result = run_sula("pip", "compile", str(src), "-i", url, "--emit-index-url")
    assert result.exit_code == 0, result.stderr
    header, index_line = result.stdout.splitlines()[1], result.stdout.splitlines()[2]
    assert "s3cret" not in header and url.replace("s3cret", "****") in header
    assert index_line == f"--index-url {url.rstrip('/')}"
    assert "s3cret" not in result.stderr


def test_dry_run_and_change_lines_are_uv_s(
    run_sula: SulaRunner, server: IndexServer, dists_dir: Path, tmp_path: Path
) -> None:
    make_venv(tmp_path / "v")
    py = ["--python", str(tmp_path / "v"), "-i", server.url]
    result = run_sula("pip", "install", "app", "--dry-run", *py).check()
    assert result.redacted_stderr().splitlines()[-4:] == [
        "Would download 2 packages", "Would install 2 packages", " + app==1.0", " + six==1.0",
    ]
    run_sula("pip", "install", "app", *py).check()
    result = run_sula("pip", "install", "six", "--reinstall-package", "six", *py).check()
    assert result.redacted_stderr().splitlines()[-1] == " ~ six==1.0"
    wheel = build_wheel(tmp_path / "local", "other", "2.0")
    result = run_sula("pip", "install", str(wheel), "--dry-run", *py).check()
    assert result.stderr.splitlines()[-1] == f" + other @ {wheel.as_uri()}"
    result = run_sula("pip", "install", str(wheel), *py).check()
    assert result.stderr.splitlines()[-1] == f" + other==2.0 (from {wheel.as_uri()})"


def test_python_api_resolve_takes_a_string_and_returns_strings(
    server: IndexServer, tmp_path: Path
) -> None:
    import sula
    from sula.errors import SulaError

    cache = str(tmp_path / "cache")
    graph = sula.resolve("app", index_url=server.url, python=sys.executable, cache_dir=cache)
    assert graph.pins() == {"app": "1.0", "six": "1.0"}
    with pytest.raises(SulaError, match=r"Invalid Python version `3\.x`"):
        sula.resolve(["app"], python_version="3.x", index_url=server.url, cache_dir=cache)


def test_a_file_url_index_is_read_like_a_served_one(
    run_sula: SulaRunner, dists_dir: Path, tmp_path: Path
) -> None:
    # A local PEP 503 tree: simple/<project>/index.html linking to ../../files/<file>.
    files = tmp_path / "mirror" / "files"
    files.mkdir(parents=True)
    for name, version, requires in [("app", "1.0", ["six"]), ("six", "1.0", [])]:
        wheel = build_wheel(files, name, version, requires=requires)
        page = tmp_path / "mirror" / "simple" / name / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f'<html><body><a href="../../files/{wheel.name}">{wheel.name}</a></body></html>')
    index = (tmp_path / "mirror" / "simple").as_uri()
    src = tmp_path / "requirements.in"
    src.write_text("app\n")
    result = run_sula("pip", "compile", str(src), "--no-header", "--no-annotate",
                      "-i", "http://127.0.0.1:9/simple", "--extra-index-url", index)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "app==1.0\nsix==1.0\n"
    make_venv(tmp_path / "v")
    result = run_sula("pip", "install", "app", "--python", str(tmp_path / "v"), "-i", index)
    assert result.exit_code == 0, result.stderr
    assert " + six==1.0" in result.stderr
    # A project the tree lacks is "not found", not a fetch failure.
    result = run_sula("pip", "install", "nothere", "--python", str(tmp_path / "v"), "-i", index)
    assert result.exit_code == 1 and "Failed to fetch" not in result.stderr


def test_fetch_failures_say_what_failed(run_sula: SulaRunner, tmp_path: Path) -> None:
    make_venv(tmp_path / "v")
    py = ["--python", str(tmp_path / "v")]
    result = run_sula("pip", "install", "six", *py, "-i", "ftp://127.0.0.1/simple")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "  Caused by: `ftp:` URLs are not fetched over HTTP"
    result = run_sula("pip", "install", "six", *py, "-i", "http://127.0.0.1:9/simple")
    assert result.exit_code == 1
    assert "Cannot connect to host 127.0.0.1:9" in result.stderr
    assert "ssl:" not in result.stderr


def test_tree_spells_specifiers_as_uv_and_explains_repeats(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server = index_server()
    for name, requires in [("root", ["a", "b>=1,<3"]), ("a", ["c"]), ("b", ["c"]), ("c", ["d"]),
                           ("d", [])]:
        server.add(build_wheel(dists_dir, name, "1.0", requires=requires))
    make_venv(tmp_path / "v")
    py = ["--python", str(tmp_path / "v")]
    run_sula("pip", "install", "root", *py, "-i", server.url).check()
    tree = run_sula("pip", "tree", *py, "--show-version-specifiers").check().stdout
    assert tree.splitlines() == [
        "root v1.0",
        "├── a v1.0 [required: *]",
        "│   └── c v1.0 [required: *]",
        "│       └── d v1.0 [required: *]",
        "└── b v1.0 [required: >=1, <3]",
        "    └── c v1.0 [required: *] (*)",
        "(*) Package tree already displayed",
    ]
    tree = run_sula("pip", "tree", *py, "--no-dedupe").check().stdout
    assert tree.splitlines()[-2:] == ["    └── c v1.0", "        └── d v1.0"]
    # A .dist-info without METADATA is listed from its name and reported.
    site = next((tmp_path / "v" / "lib").glob("python3.*/site-packages"))
    (site / "broken-2.0.dist-info").mkdir()
    result = run_sula("pip", "list", *py, "--format", "freeze").check()
    assert "broken==2.0" in result.stdout.split()
    assert "broken-2.0.dist-info` has no METADATA file" in result.stderr


def test_compile_output_into_a_directory_names_it(
    run_sula: SulaRunner, server: IndexServer, tmp_path: Path
) -> None:
    (tmp_path / "somedir").mkdir()
    result = run_sula("pip", "compile", "-", "-o", "somedir", "-i", server.url, input="six\n")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        "error: Failed to write the output file `somedir`", "  Caused by: It is a directory",
    ]


def test_no_color_progress_bars_write_no_styles(
    server: IndexServer, sula_env: dict[str, str], tmp_path: Path
) -> None:
    import pty
    import subprocess

    make_venv(tmp_path / "v")
    primary, secondary = pty.openpty()
    env = {**sula_env, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "sula", "pip", "install", "app", "--python", str(tmp_path / "v"),
         "-i", server.url], env=env, stderr=secondary, stdout=subprocess.DEVNULL, timeout=120,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    err = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert " + six==1.0" in err
    import re

    assert re.findall(r"\x1b\[[0-9;]*m", err) == []
