"""Index options of the command line and of requirements files merge by one rule in every command:
the command line's `--index-url` wins over a file's; extra indexes and find-links add up."""

from __future__ import annotations

import sys
from pathlib import Path

from _pip_helpers import make_venv
from fixtures.cli import SulaRunner
from fixtures.dists import build_wheel
from fixtures.index import write_find_links_dir


def test_file_and_command_line_index_options_add_up(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    files_index, cli_index, file_extra, cli_extra = (index_server() for _ in range(4))
    files_index.add(build_wheel(dists_dir / "a", "onmain", "9.0"))  # must not be used
    cli_index.add(build_wheel(dists_dir / "b", "onmain", "1.0"))
    file_extra.add(build_wheel(dists_dir, "onfileextra", "1.0"))
    cli_extra.add(build_wheel(dists_dir, "oncliextra", "1.0"))
    write_find_links_dir(tmp_path / "file-links", [build_wheel(dists_dir, "infilelinks", "1.0")])
    write_find_links_dir(tmp_path / "cli-links", [build_wheel(dists_dir, "inclilinks", "1.0")])
    names = ["inclilinks", "infilelinks", "oncliextra", "onfileextra", "onmain"]
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        f"--index-url {files_index.url}\n--extra-index-url {file_extra.url}\n"
        f"--find-links {tmp_path / 'file-links'}\n" + "\n".join(names) + "\n"
    )
    cli = ["--index-url", cli_index.url, "--extra-index-url", cli_extra.url,
           "--find-links", str(tmp_path / "cli-links")]
    pins = [f"{n}==1.0" for n in names]

    compiled = run_sula("pip", "compile", str(reqs), *cli, "--python", sys.executable,
                        "--no-header", "--no-annotate").check()
    assert compiled.stdout.split() == pins

    site = make_venv(tmp_path / "env")
    py = ["--python", str(tmp_path / "env" / "bin" / "python")]
    run_sula("pip", "install", "-r", str(reqs), *cli, *py).check()
    assert sorted(p.name for p in site.glob("*.dist-info")) == [f"{n}-1.0.dist-info" for n in names]

    pinned = tmp_path / "pinned.txt"
    pinned.write_text(reqs.read_text().replace("\n".join(names), "\n".join(pins)))
    site2 = make_venv(tmp_path / "env2")
    run_sula("pip", "sync", str(pinned), *cli, "--python", str(tmp_path / "env2" / "bin" / "python"),
             ).check()
    assert sorted(p.name for p in site2.glob("*.dist-info")) == [f"{n}-1.0.dist-info" for n in names]
    assert files_index.count("/simple/*") == 0
