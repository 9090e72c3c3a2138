"""The index client against real index servers: pypiserver and devpi-server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.dists import build_sdist, build_wheel

from sula.cache import Cache
from sula.client import ClientSettings, IndexSettings, PackageFiles, RegistryClient
from sula.distribution.metadata import Metadata

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"server at {url} did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _dists(dest: Path) -> list[Path]:
    return [
        build_wheel(dest, "Demo.Pkg", "1.0", requires=["six>=1"], requires_python=">=3.8"),
        build_wheel(dest, "demo-pkg", "2.0", requires=["attrs"], extras={"fast": ["ujson"]}),
        build_sdist(dest, "demo_pkg", "2.0"),
    ]


def _read(index_url: str, cache_dir: Path, **settings: object) -> tuple[PackageFiles, list[Metadata]]:
    async def main() -> tuple[PackageFiles, list[Metadata]]:
        async with RegistryClient(
            cache=Cache(cache_dir).init(),
            index=IndexSettings(index_url=index_url),
            settings=ClientSettings(retry_backoff=0.05, **settings),  # type: ignore[arg-type]
        ) as client:
            pkg = await client.files("DEMO_pkg")
            metas = [
                await client.wheel_metadata(df)
                for df in pkg.files
                if df.file.filename.endswith(".whl")
            ]
            for df in pkg.files:  # every file downloads and matches the index's hash
                async for _ in client.stream(df.file):
                    pass
            return pkg, metas

    return asyncio.run(main())


def _check(pkg: PackageFiles, metas: list[Metadata]) -> None:
    assert sorted(df.file.filename for df in pkg.files) == [
        "demo_pkg-1.0-py3-none-any.whl", "demo_pkg-2.0-py3-none-any.whl", "demo_pkg-2.0.tar.gz",
    ]
    assert all(df.file.hashes.get("sha256") for df in pkg.files)
    assert sorted((m.version, tuple(m.requires_dist)) for m in metas) == [
        ("1.0", ("six>=1",)),
        ("2.0", ("attrs", 'ujson; extra == "fast"')),
    ]


@pytest.fixture(scope="module")
def pypiserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("pypiserver")
    packages = root / "packages"
    _dists(packages)
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "pypi-server"), "run", "-p", str(port), "-i", "127.0.0.1", "-a", ".",
         "-P", ".", "--disable-fallback", "--hash-algo", "sha256", str(packages)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/simple/", proc)
        yield f"http://127.0.0.1:{port}/simple/"
    finally:
        _stop(proc)


def _devpi_call(base: str, method: str, path: str, data: bytes | None = None,
                headers: dict[str, str] | None = None) -> bytes:
    req = urllib.request.Request(
        base + path, data=data, method=method, headers={"Accept": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        body: bytes = resp.read()
        return body


def _multipart(fields: dict[str, str], file: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = b""
    for name, value in fields.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n").encode()
    out += (f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
            f'filename="{file.name}"\r\n\r\n').encode() + file.read_bytes() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("devpi")
    serverdir = root / "server"
    env = {**os.environ, "HOME": str(root)}
    subprocess.run(
        [str(BIN / "devpi-init"), "--serverdir", str(serverdir), "--no-root-pypi",
         "--root-passwd", "rootpw"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "devpi-server"), "--serverdir", str(serverdir), "--host", "127.0.0.1",
         "--port", str(port), "--offline-mode"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + "/+api", proc, timeout=120)
        login = json.loads(_devpi_call(
            base, "POST", "/+login", json.dumps({"user": "root", "password": "rootpw"}).encode(),
            {"Content-Type": "application/json"},
        ))
        token = login["result"]["password"]
        auth = {"X-Devpi-Auth": base64.b64encode(f"root:{token}".encode()).decode()}
        _devpi_call(base, "PUT", "/root/dev", json.dumps({"type": "stage", "bases": []}).encode(),
                    {"Content-Type": "application/json", **auth})
        for dist in _dists(root / "dists"):
            version = "1.0" if "1.0" in dist.name else "2.0"
            body, ctype = _multipart(
                {":action": "file_upload", "name": "demo-pkg", "version": version}, dist
            )
            _devpi_call(base, "POST", "/root/dev/", body, {"Content-Type": ctype, **auth})
        yield f"{base}/root/dev/+simple/"
    finally:
        _stop(proc)
        shutil.rmtree(serverdir, ignore_errors=True)


def test_pypiserver(pypiserver: str, tmp_path: Path) -> None:
    pkg, metas = _read(pypiserver, tmp_path / "cache")
    _check(pkg, metas)
    # Warm: the same answers (the page is revalidated, metadata comes from the cache).
    pkg2, metas2 = _read(pypiserver, tmp_path / "cache")
    assert [df.file for df in pkg2.files] == [df.file for df in pkg.files]
    assert metas2 == metas


def test_devpi(devpi: str, tmp_path: Path) -> None:
    pkg, metas = _read(devpi, tmp_path / "cache")
    _check(pkg, metas)
    assert all(df.file.url.startswith(devpi.split("/root/")[0] + "/root/dev/+f/") for df in pkg.files)


def test_devpi_offline_after_warm(devpi: str, tmp_path: Path) -> None:
    _read(devpi, tmp_path / "cache")

    async def offline() -> tuple[PackageFiles, list[Metadata]]:
        async with RegistryClient(
            cache=Cache(tmp_path / "cache").init(), index=IndexSettings(index_url=devpi),
            settings=ClientSettings(offline=True),
        ) as client:
            pkg = await client.files("demo-pkg")
            metas = [await client.wheel_metadata(df) for df in pkg.files
                     if df.file.filename.endswith(".whl")]
            assert client.http.stats.requests == 0
            return pkg, metas

    pkg, metas = asyncio.run(offline())
    assert len(pkg.files) == 3 and len(metas) == 2
