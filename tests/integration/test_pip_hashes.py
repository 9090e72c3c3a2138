"""Hash-checking mode end to end against the local index: `--require-hashes` (or any `--hash`
in the requirements, as pip turns it on) checks every archive — index, find-links, URL and
path wheels, sdists before they are built, cached entries — and a mismatch installs nothing.

Where uv is run on the same input (`uv pip sync|install`), it is to show that sula refuses what
uv refuses; the wording follows uv's (the requirement named, expected and actual digests)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from _pip_helpers import make_venv, site_of
from fixtures.builds import INLINE_BACKEND
from fixtures.cli import SulaResult, SulaRunner
from fixtures.dists import build_wheel
from fixtures.index import IndexServer, write_find_links_dir

pytestmark = pytest.mark.usefixtures("without_using_line")

UV = shutil.which("uv", path=str(Path(sys.executable).parent))
ZERO = "0" * 64


def _sha(path: Path, algo: str = "sha256") -> str:
    return hashlib.new(algo, path.read_bytes()).hexdigest()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _installed(site: Path) -> list[str]:
    """``name==version`` of every dist-info in ``site``."""
    return sorted(p.name[: -len(".dist-info")].replace("-", "==", 1) for p in site.glob("*.dist-info"))


def _sdist(dest: Path, name: str, version: str, log: Path) -> Path:
    """``name-version.tar.gz`` built by an in-tree backend that appends to ``log`` whenever it
    is imported: a line in ``log`` means the sdist's code ran. Its PKG-INFO (2.1) is not
    trusted statically, so reading its metadata runs the backend."""
    stem = f"{name}-{version}"
    files = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        "project.json": json.dumps({"name": name, "version": version}),
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "inline_backend"\n'
                          'backend-path = ["_backend"]\n',
        "_backend/inline_backend.py": INLINE_BACKEND + f"\nopen({str(log)!r}, 'a').write('ran\\n')\n",
    }
    path = dest / f"{stem}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for rel, text in files.items():
            raw = text.encode()
            info = tarfile.TarInfo(f"{stem}/{rel}")
            info.size, info.mode, info.mtime = len(raw), 0o644, 0
            tf.addfile(info, io.BytesIO(raw))
    return path


def _serve(index_server, *paths: Path) -> IndexServer:  # type: ignore[no-untyped-def]
    """A local index serving ``paths``."""
    server: IndexServer = index_server()
    for path in paths:
        server.add(path)
    return server


def _tree(root: Path, name: str) -> Path:
    """A project directory built by the in-tree backend."""
    (root / "_backend").mkdir(parents=True)
    (root / "_backend" / "inline_backend.py").write_text(INLINE_BACKEND)
    (root / "project.json").write_text(json.dumps({"name": name, "version": "1.0"}))
    (root / "pyproject.toml").write_text('[build-system]\nrequires = []\nbuild-backend = "inline_backend"\n'
                                         'backend-path = ["_backend"]\n')
    return root


def _uv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert UV is not None
    env = {"PATH": "/usr/bin:/bin", "UV_CACHE_DIR": str(cwd / "uv-cache"), "UV_NO_CONFIG": "1",
           "HOME": str(cwd)}
    return subprocess.run([UV, "pip", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_registry_wheel_mismatch_names_it_and_changes_nothing(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path, cache_dir: Path
) -> None:
    server: IndexServer = index_server()
    keep, good, bad = (build_wheel(dists_dir, n, "1.0") for n in ("keep", "good", "bad"))
    for w in (keep, good, bad):
        server.add(w)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    run_sula("pip", "sync", str(_write(tmp_path / "k.txt", f"keep==1.0 --hash=sha256:{_sha(keep)}\n")), *py).check()
    reqs = _write(tmp_path / "r.txt", f"good==1.0 --hash=sha256:{_sha(good)}\nbad==1.0 --hash=sha256:{ZERO}\n")
    for cmd in (["sync", str(reqs)], ["install", "-r", str(reqs)]):
        result = run_sula("pip", *cmd, "--require-hashes", *py)
        assert result.exit_code == 1
        assert (f"error: Hash mismatch for `bad-1.0-py3-none-any.whl`: expected `sha256:{ZERO}`, "
                f"got `sha256:{_sha(bad)}`") in result.stderr
        assert "Traceback" not in result.stderr
        # Nothing linked, nothing removed: the sync's extraneous `keep` is still there, and
        # nothing of the bad archive stays in the cache.
        assert _installed(site_of(venv)) == ["keep==1.0"]
        assert not [p for p in cache_dir.glob("wheels-v1/*/bad/*") if p.is_dir() or p.suffix == ".sha256"]
    good_only = _write(tmp_path / "g.txt", f"good==1.0 --hash=sha256:{_sha(good)}\n")
    run_sula("pip", "sync", "--require-hashes", str(good_only), *py).check()
    assert _installed(site_of(venv)) == ["good==1.0"]


def test_find_links_and_url_wheels_are_checked(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    server: IndexServer = index_server()
    flat = build_wheel(dists_dir, "flat", "1.0")
    links = write_find_links_dir(tmp_path / "links", [flat])
    urlw = build_wheel(dists_dir, "urlw", "2.0")
    server.add(urlw)
    url = server.file_url(urlw.name)
    py = ["--python", str(venv / "bin/python"), "--no-index"]
    # A find-links directory lists no hashes: the file itself is hashed.
    bad = run_sula("pip", "sync", str(_write(tmp_path / "f.txt", f"flat==1.0 --hash=sha256:{ZERO}\n")),
                   "--find-links", str(links), *py)
    assert bad.exit_code == 1 and f"got `sha256:{_sha(flat)}`" in bad.stderr
    # A URL's `#sha256=` is its hash under --require-hashes, as uv takes it (no `--hash` needed).
    frag = _write(tmp_path / "u.txt", f"urlw @ {url}#sha256={_sha(urlw)}\n")
    if UV is not None:
        uv_venv = tmp_path / "uv-venv"
        make_venv(uv_venv)
        assert _uv("sync", "--require-hashes", str(frag), "--no-index", "--python",
                   str(uv_venv / "bin/python"), cwd=tmp_path).returncode == 0
    run_sula("pip", "sync", "--require-hashes", str(frag), *py).check()
    assert _installed(site_of(venv)) == ["urlw==2.0"]
    wrong = _write(tmp_path / "w.txt", f"urlw @ {url}#sha256={ZERO}\n")
    result = run_sula("pip", "install", "--reinstall", "--require-hashes", "-r", str(wrong), *py)
    assert result.exit_code == 1 and f"expected `sha256:{ZERO}`, got `sha256:{_sha(urlw)}`" in result.stderr
    # A local wheel needs a hash too (uv: "all requirements must have a hash"), and is checked.
    local = _write(tmp_path / "l.txt", f"{flat}\n")
    result = run_sula("pip", "sync", "--require-hashes", str(local), *py)
    assert result.exit_code == 1 and "has no `--hash`, but hashes are required" in result.stderr
    local = _write(tmp_path / "l2.txt", f"flat @ {flat.as_uri()} --hash=sha256:{ZERO}\n")
    result = run_sula("pip", "sync", str(local), *py)
    assert result.exit_code == 1 and f"got `sha256:{_sha(flat)}`" in result.stderr
    assert _installed(site_of(venv)) == ["urlw==2.0"]


def test_registry_sdist_is_checked_before_it_is_built(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path, cache_dir: Path
) -> None:
    server: IndexServer = index_server()
    log = tmp_path / "backend.log"
    sdist = _sdist(dists_dir, "srcpkg", "1.0", log)
    server.add(sdist)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    wrong = _write(tmp_path / "w.txt", f"srcpkg==1.0 --hash=sha256:{ZERO}\n")
    for cmd in (["install", "-r", str(wrong)], ["sync", str(wrong)]):
        result = run_sula("pip", *cmd, *py)
        assert result.exit_code == 1, result.stderr
        assert (f"Hash mismatch for `srcpkg-1.0.tar.gz`: expected `sha256:{ZERO}`, "
                f"got `sha256:{_sha(sdist)}`") in result.stderr
        # The resolution needed its metadata: the backend did not run for it, nothing was built.
        assert not log.exists()
        assert not list(cache_dir.glob("built-wheels-v1/**/*.dist-info"))
    good = _write(tmp_path / "g.txt", f"srcpkg==1.0 --hash=sha256:{_sha(sdist)}\n")
    run_sula("pip", "install", "-r", str(good), *py).check()
    assert log.exists() and _installed(site_of(venv)) == ["srcpkg==1.0"]


def test_url_sdist_is_checked_before_it_is_built(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    server: IndexServer = index_server()
    log = tmp_path / "backend.log"
    sdist = _sdist(dists_dir, "urlsrc", "1.0", log)
    server.add(sdist)
    url = server.file_url(sdist.name)
    py = ["--python", str(venv / "bin/python"), "--no-index"]
    wrong = _write(tmp_path / "w.txt", f"urlsrc @ {url} --hash=sha256:{ZERO}\n")
    result = run_sula("pip", "install", "-r", str(wrong), *py)
    assert result.exit_code == 1
    assert f"Hash mismatch for `urlsrc-1.0.tar.gz`: expected `sha256:{ZERO}`" in result.stderr
    assert not log.exists()
    good = _write(tmp_path / "g.txt", f"urlsrc @ {url} --hash=sha256:{_sha(sdist)}\n")
    run_sula("pip", "sync", "--require-hashes", str(good), *py).check()
    assert _installed(site_of(venv)) == ["urlsrc==1.0"]


def test_cached_wheels_are_reused_only_with_an_allowed_hash(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path, cache_dir: Path
) -> None:
    log = tmp_path / "backend.log"
    wheel, sdist = build_wheel(dists_dir, "cached", "1.0"), _sdist(dists_dir, "built", "1.0", log)
    server = _serve(index_server, wheel, sdist)
    first, second, third = (tmp_path / n for n in ("one", "two", "three"))
    for v in (first, second, third):
        make_venv(v)
    idx = ["--index-url", server.url]
    plain = _write(tmp_path / "p.txt", "cached==1.0\nbuilt==1.0\n")
    run_sula("pip", "sync", str(plain), "--python", str(first / "bin/python"), *idx).check()
    built = log.read_text()  # built once, cached with the sdist's sha256
    assert built
    server.clear_log()
    hashed = _write(tmp_path / "h.txt",
                    f"cached==1.0 --hash=sha256:{_sha(wheel)}\nbuilt==1.0 --hash=sha256:{_sha(sdist)}\n")
    run_sula("pip", "sync", "--require-hashes", str(hashed), "--python", str(second / "bin/python"), *idx).check()
    assert server.count("/files/*") == 0 and log.read_text() == built  # both reused
    # An entry whose recorded sha256 is not allowed is not linked: the wheel is fetched again
    # and checked (the built one would be rebuilt from a checked sdist).
    wrong = _write(tmp_path / "w.txt", f"cached==1.0 --hash=sha256:{ZERO}\n")
    result = run_sula("pip", "sync", "--require-hashes", str(wrong), "--python", str(third / "bin/python"), *idx)
    assert result.exit_code == 1 and f"got `sha256:{_sha(wheel)}`" in result.stderr
    assert server.count("/files/cached-1.0-py3-none-any.whl") == 1
    wrong = _write(tmp_path / "w2.txt", f"built==1.0 --hash=sha256:{ZERO}\n")
    result = run_sula("pip", "sync", "--require-hashes", str(wrong), "--python", str(third / "bin/python"), *idx)
    assert result.exit_code == 1 and f"got `sha256:{_sha(sdist)}`" in result.stderr
    assert _installed(site_of(third)) == [] and log.read_text() == built
    sidecar = next(cache_dir.glob("wheels-v1/*/cached/cached-1.0-py3-none-any.sha256"))
    sidecar.write_text(ZERO + "\n")  # as if the entry came from another file
    server.clear_log()
    run_sula("pip", "sync", "--require-hashes", str(hashed), "--python", str(third / "bin/python"), *idx).check()
    assert server.count("/files/cached-1.0-py3-none-any.whl") == 1
    assert sidecar.read_text().strip() == _sha(wheel)
    # A sha512 of the sdist: its cached archive is checked, and the wheel built from it reused.
    by512 = _write(tmp_path / "s.txt", f"built==1.0 --hash=sha512:{_sha(sdist, 'sha512')}\n")
    run_sula("pip", "sync", "--reinstall", "--require-hashes", str(by512), "--python", str(third / "bin/python"),
             *idx).check()
    assert _installed(site_of(third)) == ["built==1.0"] and log.read_text() == built


def test_any_hash_turns_hash_checking_on_as_pip_does(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    server: IndexServer = index_server()
    alpha = build_wheel(dists_dir, "alpha", "1.0", requires=["beta"])
    beta = build_wheel(dists_dir, "beta", "1.0")
    for w in (alpha, beta):
        server.add(w)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    partial = _write(tmp_path / "p.txt", f"alpha==1.0 --hash=sha256:{_sha(alpha)}\nbeta==1.0\n")
    for cmd in (["sync", str(partial)], ["install", "-r", str(partial)]):
        result = run_sula("pip", *cmd, *py)
        assert result.exit_code == 1
        assert ("error: `beta==1.0` (`[TEMP]/p.txt` at line 2) has no `--hash`, but hashes are required"
                in result.redacted_stderr())
        assert "hint: hash-checking is on because of `--require-hashes` or a `--hash`" in result.stderr
    # A dependency no line lists: named, after resolving, before anything is downloaded.
    server.clear_log()
    dep = _write(tmp_path / "d.txt", f"alpha==1.0 --hash=sha256:{_sha(alpha)}\n")
    result = run_sula("pip", "install", "-r", str(dep), *py)
    assert result.exit_code == 1
    assert "error: Hash-checking is required, but no hash was given for `beta`" in result.stderr
    assert server.count("/files/*.whl") == 0 and _installed(site_of(venv)) == []
    if UV is not None:  # uv refuses it too (with --require-hashes: uv does not turn it on itself)
        uv = _uv("install", "--require-hashes", "-r", str(dep), "--index-url", server.url,
                 "--python", str(venv / "bin/python"), cwd=tmp_path)
        assert uv.returncode != 0 and "no trusted hash was provided for: `beta`" in uv.stderr


def test_unpinned_and_local_trees_are_refused(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    server: IndexServer = index_server()
    beta = build_wheel(dists_dir, "beta", "2.0")
    server.add(beta)
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    unpinned = _write(tmp_path / "u.txt", f"beta>=1 --hash=sha256:{_sha(beta)}\n")
    result = run_sula("pip", "install", "--require-hashes", "-r", str(unpinned), *py)
    assert result.exit_code == 1
    assert ("error: In `--require-hashes` mode, every requirement must be pinned with `==`, "
            "but `beta>=1` (`[TEMP]/u.txt` at line 1) is not") in result.redacted_stderr()
    if UV is not None:
        uv = _uv("install", "--require-hashes", "-r", str(unpinned), "--index-url", server.url,
                 "--python", str(venv / "bin/python"), cwd=tmp_path)
        assert uv.returncode != 0 and "must have their versions pinned with `==`" in uv.stderr
    tree = _tree(tmp_path / "tree", "tree")
    reqs = tmp_path / "t.txt"
    for line, kind, cmd in [
        (f"{tree}\n", "local directories", ["sync", str(reqs)]),
        (f"{tree}\n", "local directories", ["install", "-r", str(reqs)]),
        (f"-e {tree}\n", "local directories", ["sync", str(reqs)]),
        (f"tree @ {tree.as_uri()} --hash=sha256:{ZERO}\n", "local directories", ["install", "-r", str(reqs)]),
        (f"tree @ git+{tree.as_uri()} --hash=sha256:{ZERO}\n", "git repositories", ["sync", str(reqs)]),
    ]:
        _write(reqs, line)
        result = run_sula("pip", *cmd, "--require-hashes", *py)
        assert result.exit_code == 1, (line, result.stderr)
        assert f"error: Hash-checking is not supported for {kind}" in result.stderr
    assert _installed(site_of(venv)) == []


def test_generate_hashes_round_trips_through_sync_and_install(
    run_sula: SulaRunner, index_server, dists_dir: Path, tmp_path: Path
) -> None:
    server: IndexServer = index_server()
    log = tmp_path / "backend.log"
    for path in (build_wheel(dists_dir, "app", "1.0", requires=["lib", "srconly"]),
                 build_wheel(dists_dir, "lib", "2.0"), _sdist(dists_dir, "lib", "2.0", log),
                 _sdist(dists_dir, "srconly", "0.3", log)):
        server.add(path)
    locked = tmp_path / "locked.txt"
    run_sula("pip", "compile", str(_write(tmp_path / "in.txt", "app\n")), "--generate-hashes",
             "--index-url", server.url, "-o", str(locked)).check()
    text = locked.read_text()
    assert text.count("--hash=sha256:") == 4  # lib: its wheel's and its sdist's
    for n, cmd in enumerate((["sync", str(locked)], ["install", "-r", str(locked)])):
        venv = tmp_path / f"venv{n}"
        make_venv(venv)
        run_sula("pip", *cmd, "--require-hashes", "--python", str(venv / "bin/python"),
                 "--index-url", server.url).check()
        assert _installed(site_of(venv)) == ["app==1.0", "lib==2.0", "srconly==0.3"]
    if UV is not None:  # the same file is good for uv
        venv = tmp_path / "uv-venv"
        make_venv(venv)
        uv = _uv("sync", "--require-hashes", str(locked), "--index-url", server.url,
                 "--python", str(venv / "bin/python"), cwd=tmp_path)
        assert uv.returncode == 0, uv.stderr


def test_generate_hashes_with_a_local_directory(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    lib = build_wheel(dists_dir, "lib", "2.0")
    server = _serve(index_server, lib)
    tree = _tree(tmp_path / "proj", "proj")
    locked = tmp_path / "locked.txt"
    run_sula("pip", "compile", str(_write(tmp_path / "in.txt", f"{tree}\nlib\n")), "--generate-hashes",
             "--index-url", server.url, "-o", str(locked)).check()
    lines = locked.read_text().splitlines()
    # The directory has no file to hash: its line has none, as uv writes it.
    assert "lib==2.0 \\" in lines and f"    --hash=sha256:{_sha(lib)}" in lines
    assert str(tree) in lines
    py = ["--python", str(venv / "bin/python"), "--index-url", server.url]
    # Hash-checking implied by the hashes: the directory is installed unhashed, as uv does.
    run_sula("pip", "sync", str(locked), *py).check()
    assert _installed(site_of(venv)) == ["lib==2.0", "proj==1.0"]
    result = run_sula("pip", "sync", "--require-hashes", str(locked), *py)
    assert result.exit_code == 1 and "not supported for local directories" in result.stderr


def test_several_hashes_any_one_matches(
    run_sula: SulaRunner, index_server, dists_dir: Path, venv: Path, tmp_path: Path
) -> None:
    log = tmp_path / "backend.log"
    wheel, sdist = build_wheel(dists_dir, "both", "1.0"), _sdist(dists_dir, "both", "1.0", log)
    server = _serve(index_server, wheel, sdist)

    def sync(line: str) -> SulaResult:
        reqs = _write(tmp_path / "r.txt", line)
        return run_sula("pip", "sync", "--reinstall", "--require-hashes", str(reqs),
                        "--python", str(venv / "bin/python"), "--index-url", server.url)

    sync(f"both==1.0 --hash=sha256:{ZERO} --hash=sha256:{_sha(wheel)}\n").check()
    assert not log.exists()  # the wheel
    # Only the sdist's hash given: the sdist is the file installed (pip and uv pick it too).
    sync(f"both==1.0 --hash=sha256:{_sha(sdist)}\n").check()
    assert log.exists()
    # sha384 and sha512 are accepted (the cache records sha256: the wheel is fetched and
    # checked again); md5 alone is refused (uv: insecure), beside another one it is dropped.
    sync(f"both==1.0 --hash=sha512:{_sha(wheel, 'sha512')}\n").check()
    sync(f"both==1.0 --hash=sha384:{_sha(wheel, 'sha384')}\n").check()
    md5 = _sha(wheel, "md5")
    result = sync(f"both==1.0 --hash=md5:{md5}\n")
    assert result.exit_code == 1
    assert "`md5` hashes are insecure and cannot be used with `--require-hashes`" in result.stderr
    sync(f"both==1.0 --hash=md5:{'0' * 32} --hash=sha256:{_sha(wheel)}\n").check()
    assert _installed(site_of(venv)) == ["both==1.0"]
    # None matches: every expected digest is named, with the archive's own of each algorithm.
    (site_of(venv) / "both-1.0.dist-info" / "marker").write_text("still the old install")
    bad512 = "f" * 128
    result = sync(f"both==1.0 --hash=sha512:{bad512} --hash=sha256:{ZERO}\n")
    assert result.exit_code == 1
    assert (f"expected `sha256:{ZERO}`, `sha512:{bad512}`, "
            f"got `sha256:{_sha(wheel)}`, `sha512:{_sha(wheel, 'sha512')}`") in result.stderr
    assert (site_of(venv) / "both-1.0.dist-info" / "marker").exists()  # not reinstalled
