"""Benchmark: fetch the index pages and wheel metadata of every pinned package, cold then warm.

    python bench/index_client.py [REQUIREMENTS ...] [--index-url URL] [--cache-dir DIR]

Reads ``name==version`` pins (markers ignored; the first pin of a name wins) from the given
files (default: the shared bench ``requirements.txt``), then with a fresh cache (cold) and
again with the same cache (warm, new client, as the next ``sula`` run would be):
``RegistryClient.files(name)`` for every package and ``wheel_metadata`` of the pinned
version's best wheel (pure-Python first), all concurrently. Prints wall time, requests,
requests/second and body bytes of each pass. Talks to the default index: needs network.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path

from packaging.utils import canonicalize_name

from sula.cache import Cache
from sula.client import ClientSettings, DistFile, IndexSettings, RegistryClient
from sula.distribution.filename import WheelFilename

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "bench" / "requirements" / "requirements.txt"
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def read_pins(paths: list[Path]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            m = _PIN.match(line)
            if m:
                pins.setdefault(canonicalize_name(m[1]), m[2])
    return pins


def pick_wheel(files: list[DistFile], version: str) -> DistFile | None:
    from packaging.version import InvalidVersion, Version

    try:
        want = Version(version)
    except InvalidVersion:
        return None
    wheels = [
        df for df in files
        if isinstance(df.filename, WheelFilename) and df.filename.version_str in (version, str(want))
    ]
    wheels.sort(key=lambda df: (not df.filename.is_pure(), df.file.filename))  # type: ignore[union-attr]
    return wheels[0] if wheels else None


async def one_pass(cache: Cache, index: IndexSettings, pins: dict[str, str]) -> dict[str, float]:
    settings = ClientSettings.from_env()
    t0 = time.perf_counter()
    errors = 0
    async with RegistryClient(cache=cache, index=index, settings=settings) as client:

        async def one(name: str, version: str) -> int:
            try:
                pkg = await client.files(name)
                wheel = pick_wheel(pkg.files, version)
                if wheel is None:
                    return 0
                await client.wheel_metadata(wheel)
                return 1
            except Exception as err:
                print(f"  {name}=={version}: {err}", file=sys.stderr)
                return -1

        results = await asyncio.gather(*(one(n, v) for n, v in pins.items()))
        elapsed = time.perf_counter() - t0
        errors = results.count(-1)
        stats = client.http.stats
    return {
        "seconds": elapsed,
        "requests": stats.requests,
        "bytes": stats.bytes,
        "metadata": results.count(1),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", nargs="*", type=Path)
    parser.add_argument("--index-url", default=None)
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    pins = read_pins(args.requirements or [DEFAULT])
    index = IndexSettings(index_url=args.index_url)
    with tempfile.TemporaryDirectory(prefix="sula-bench-") as tmp:
        cache = Cache(args.cache_dir or Path(tmp) / "cache").init()
        print(f"{len(pins)} pinned packages; cache {cache.root}")
        for label in ("cold", "warm"):
            r = asyncio.run(one_pass(cache, index, pins))
            rps = r["requests"] / r["seconds"] if r["seconds"] else 0.0
            print(
                f"{label}: {r['seconds']:.2f} s, {r['requests']:.0f} requests "
                f"({rps:.0f} req/s), {r['bytes'] / 1e6:.2f} MB, "
                f"{r['metadata']:.0f} wheel metadata, {r['errors']:.0f} errors"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
