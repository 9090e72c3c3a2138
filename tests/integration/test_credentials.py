"""Credentials never leak (issue 14 item 7): a realistic sequence of commands against local
indexes that require basic auth, then a grep of every byte the runs wrote — their output, the
trace file, every file name and file content under the cache, every file in the environment.
A secret may appear only where the user asked for it: the `--index-url`, `--extra-index-url`
and `--find-links` lines `pip compile --emit-index-url --emit-find-links` writes (the user's
own file, as uv writes it), and the requirement lines compiled from what the user wrote."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from _pip_helpers import hatch_project, make_venv, record_problems
from fixtures.cli import sula_env
from fixtures.dists import build_wheel
from fixtures.gitrepo import make_git_repo
from fixtures.index import IndexServer
from test_pip_build import make_sdist

pytestmark = pytest.mark.slow

# One secret per place a credential can come from, so that a leak names its source.
SECRETS = {
    "index": ("alice", "idx-s3cr3t-A1"),
    "extra": ("bob", "xtra-s3cr3t-B2"),
    "links": ("carol", "flnk-s3cr3t-C3"),
    "url": ("dave", "url-t0k3n-D4"),
    "git": ("erin", "git-t0k3n-E5"),
    "netrc": ("frank", "netrc-s3cr3t-F6"),
}
WRONG = "wr0ng-s3cr3t-G7"  # a wrong password for the main index
REFUSED = "refused-s3cr3t-H8"  # credentials for a port nobody listens on


def _needles(password: str, user: str) -> list[bytes]:
    """The forms a password can leak in: as is, percent-encoded, and in a basic-auth header."""
    basic = f"{user}:{password}".encode()
    return [password.encode(), quote(password, safe="").encode(), base64.b64encode(basic),
            base64.urlsafe_b64encode(basic)]


ALL_NEEDLES = {
    secret: _needles(secret, user)
    for user, secret in [*SECRETS.values(), ("alice", WRONG), ("nobody", REFUSED)]
}


def _with_auth(url: str, user: str, password: str) -> str:
    return url.replace("http://", f"http://{user}:{password}@", 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _files(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            yield Path(dirpath, name)


def _leaks(label: str, data: bytes) -> list[str]:
    return [f"{label}: {secret}" for secret, forms in ALL_NEEDLES.items()
            if any(form in data for form in forms)]


def _scan_tree(root: Path, label: str) -> list[str]:
    """Leaks in the names and contents of every file under ``root`` (binary files too;
    symlinks by their targets)."""
    found: list[str] = []
    for path in _files(root):
        rel = str(path.relative_to(root))
        found += _leaks(f"{label} file name {rel}", os.fsencode(rel))
        if path.is_symlink():
            found += _leaks(f"{label} link {rel}", os.fsencode(os.readlink(path)))
        elif path.is_file():
            found += _leaks(f"{label} {rel}", path.read_bytes())
    return found


class _Runs:
    """Runs sula with one cache and trace file, keeping every byte of output."""

    def __init__(self, tmp_path: Path, extra_env: dict[str, str]) -> None:
        self.cache = tmp_path / "cache"
        self.trace_dir = tmp_path / "traces"
        self.trace_dir.mkdir()
        self.env = sula_env(self.cache, extra_env, home=tmp_path / "home")
        self.outputs: list[tuple[str, bytes]] = []
        self.count = 0

    def __call__(self, *args: str, code: int | None = 0, stdin: bytes | None = None) -> str:
        self.count += 1
        trace = self.trace_dir / f"trace-{self.count}.json"
        env = {**self.env, "SULA_TRACE": str(trace)}
        proc = subprocess.run([sys.executable, "-m", "sula", *args], env=env, capture_output=True,
                              input=stdin, timeout=300)
        label = f"`sula {' '.join(args[:2])}` #{self.count}"
        self.outputs.append((f"{label} stdout", proc.stdout))
        self.outputs.append((f"{label} stderr", proc.stderr))
        (self.trace_dir.parent / f"output-{self.count}.txt").write_bytes(proc.stdout + b"\n-----\n" + proc.stderr)
        text = proc.stderr.decode(errors="replace")
        if code is not None:
            assert proc.returncode == code, f"{label} exited {proc.returncode}:\n{text}"
        assert "-vv" in args or "Traceback" not in text, text  # (-vv shows an error's traceback)
        return proc.stdout.decode() + text


@pytest.fixture
def servers(index_server, backend_wheels: Path, tmp_path: Path) -> dict[str, IndexServer]:  # type: ignore[no-untyped-def]
    dists = tmp_path / "dists"
    made: dict[str, IndexServer] = {key: index_server(auth=auth) for key, auth in SECRETS.items()}
    main = made["index"]
    main.add_dir(backend_wheels)  # build requirements come from the credentialed index too
    main.add(build_wheel(dists, "alpha", "1.0", requires=["beta"]))
    main.add(build_wheel(dists, "beta", "1.0"))
    main.add(make_sdist(dists, "gamma", "1.0", {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
                          'build-backend = "setuptools.build_meta"\n',
        "setup.py": "from setuptools import setup\nsetup(name='gamma', version='1.0', py_modules=['gamma'])\n",
        "gamma.py": "VALUE = 'gamma'\n",
    }))
    made["extra"].add(build_wheel(dists, "delta", "1.0"))
    made["links"].add(build_wheel(dists, "epsilon", "1.0"))
    made["url"].add(build_wheel(dists, "zeta", "1.0"))
    made["netrc"].add(build_wheel(dists, "theta", "1.0"))
    # A repository served over git's dumb HTTP protocol, behind basic auth.
    repo = make_git_repo(tmp_path / "eta-src", hatch_project("eta", "VALUE = 'eta'\n"))
    bare = tmp_path / "eta.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", str(repo.path), str(bare)], check=True)
    subprocess.run(["git", "--git-dir", str(bare), "update-server-info"], check=True)
    made["git"].serve_dir("git", tmp_path)
    return made


def test_no_secret_in_anything_a_sequence_of_runs_wrote(
        servers: dict[str, IndexServer], tmp_path: Path) -> None:
    netrc_user, netrc_secret = SECRETS["netrc"]
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {netrc_user} password {netrc_secret}\n")
    netrc.chmod(0o600)
    # netrc has one entry per host name, and all the servers are on 127.0.0.1: a run that
    # uses netrc has no other credentials for its host, or it would take those.
    run = _Runs(tmp_path, {"NETRC": os.devnull})
    (tmp_path / "n").mkdir()
    netrc_run = _Runs(tmp_path / "n", {"NETRC": str(netrc)})

    def auth(key: str, url: str) -> str:
        return _with_auth(url, *SECRETS[key])

    index = auth("index", servers["index"].url)
    extra = auth("extra", servers["extra"].url)
    links = auth("links", servers["links"].find_links_url)
    zeta = auth("url", servers["url"].file_url("zeta-1.0-py3-none-any.whl"))
    git = auth("git", f"{servers['git'].base_url}/git/eta.git")
    src = tmp_path / "requirements.in"
    src.write_text(f"alpha\ngamma\ndelta\nepsilon\nzeta @ {zeta}\neta @ git+{git}\n")
    venv = tmp_path / "venv"
    site = make_venv(venv)
    py = ["--python", str(venv / "bin" / "python")]
    indexes = ["-i", index, "--extra-index-url", extra, "-f", links]

    out = tmp_path / "requirements.txt"
    run("pip", "compile", str(src), *indexes, "--emit-index-url", "--emit-find-links", "-v", *py, "-o", str(out))
    compiled = out.read_text()
    # A pylock.toml locks archives only (no git requirement).
    lock_src = tmp_path / "lock.in"
    lock_src.write_text(f"alpha\ngamma\ndelta\nepsilon\nzeta @ {zeta}\n")
    run("pip", "compile", str(lock_src), *indexes, "-vv", *py, "-o", str(tmp_path / "pylock.toml"))
    run("pip", "install", "-r", str(src), *indexes, "-v", *py)
    run("pip", "sync", str(out), "-vv", *py, "--reinstall")
    # The lock names files without credentials: the index options give them for those hosts.
    run("pip", "install", "-r", str(tmp_path / "pylock.toml"), *indexes, *py, "--reinstall", "-v")
    run("pip", "install", "--dry-run", "--refresh", "-vv", "alpha", *indexes, *py)
    listing = run("pip", "freeze", *py) + run("pip", "list", "-v", *py)
    listing += run("pip", "show", "--files", "zeta", "eta", "alpha", *py)
    run("pip", "tree", *py)
    run("pip", "check", *py)
    # Failures: a package the index does not have (404), a wrong password (401), a URL
    # requirement that is not there, a port nobody listens on, a git reference that does not exist.
    failures = [
        run("pip", "install", "nonexistent-pkg", "-i", index, "-vv", *py, code=1),
        run("pip", "install", "alpha", "--refresh", "--reinstall", "-i", _with_auth(servers["index"].url, "alice", WRONG),
            "-vv", *py, code=None),
        run("pip", "install", f"zeta @ {zeta.replace('zeta-1.0', 'zeta-9.0')}", "-v", *py, code=None),
        run("pip", "install", "alpha", "-i", f"http://nobody:{REFUSED}@127.0.0.1:{_free_port()}/simple",
            "--refresh", "--reinstall", "-vv", *py, code=None),
        run("pip", "install", f"eta @ git+{git}@no-such-branch", "-i", index, "-vv", *py, code=None),
        run("pip", "compile", "-", "-i", index, "-v", code=1, stdin=b"alpha\nbeta==7\n"),
    ]
    # netrc: the password comes from the file, for an index given without one.
    netrc_venv = tmp_path / "nvenv"
    make_venv(netrc_venv)
    npy = ["--python", str(netrc_venv / "bin" / "python")]
    netrc_run("pip", "install", "theta", "-i", servers["netrc"].url, "-vv", *npy)
    netrc_run("pip", "install", "theta", "--reinstall", "-i", servers["netrc"].url.replace("/simple/", "/nope/"),
              "-vv", *npy, code=None)

    # The runs did what they were asked: everything installed, from every source.
    for name in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"):
        assert f"{name}==1.0" in listing or f"{name} @ " in listing, (name, listing)
    assert record_problems(site) == []
    assert "401" in failures[1] and "127.0.0.1" in failures[3], failures[1] + failures[3]
    # Each failure names what failed, without the password.
    assert "nonexistent-pkg" in failures[0]
    assert "zeta-9.0" in failures[2]
    assert "no-such-branch" in failures[4]

    # What the user asked for: the index lines as given, and the URL requirement as written.
    lines = compiled.splitlines()
    assert f"--index-url {index.rstrip('/')}" in lines or f"--index-url {index}" in lines, compiled
    allowed = [line for line in lines if line.startswith(("--index-url ", "--extra-index-url ", "--find-links "))]
    assert len(allowed) == 3, compiled
    assert f"zeta @ {zeta}" in lines, compiled  # as uv: the requirement as the user wrote it
    allowed.append(f"zeta @ {zeta}")
    header = "\n".join(line for line in lines if line.startswith("#"))
    assert "****" in header  # the command line in the header has the passwords hidden

    leaks: list[str] = []
    for label, data in [*run.outputs, *netrc_run.outputs]:
        if label.endswith(("#1 stdout", "#2 stdout")):  # the compile output, also on stdout (as uv)
            data = b"\n".join(line for line in data.splitlines() if line.decode() not in allowed)
            data = data.replace(f'url = "{zeta}"'.encode(), b"")
        leaks += _leaks(label, data)
    rest = "\n".join(line for line in lines if line not in allowed).encode()
    leaks += _leaks("compile output, apart from its index lines", rest)
    # The lock names the index's files without credentials, and the URL requirement's archive
    # as written (as uv locks it: the lock must install it).
    lock = (tmp_path / "pylock.toml").read_text()
    assert f'url = "{zeta}"' in lock, lock
    leaks += _leaks("pylock.toml", lock.replace(f'url = "{zeta}"', "").encode())
    for runs in (run, netrc_run):
        leaks += _scan_tree(runs.trace_dir, "trace")
        leaks += _scan_tree(runs.cache, "cache")
    leaks += _scan_tree(venv, "venv")
    leaks += _scan_tree(netrc_venv, "netrc venv")
    assert leaks == [], "\n".join(leaks)
