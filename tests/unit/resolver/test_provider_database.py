"""The provider takes index pages from the client and every dist's metadata from the database,
through their Protocols; each pin of the graph carries the ``Dist`` it resolved to."""

from __future__ import annotations

import asyncio

from packaging.utils import NormalizedName

from sula.client.types import DistFile, File, PackageFiles
from sula.distribution.dist import Dist, GitSource, RegistrySdist, RegistryWheel, TreeSource
from sula.distribution.filename import parse_dist_filename
from sula.distribution.metadata import Metadata
from sula.requirements import from_sources
from sula.resolver.api import resolve_async
from sula.resolver.manifest import Manifest
from sula.resolver.options import ResolverOptions

from ._files import MARKERS_311, target

INDEX = "http://127.0.0.1/simple/"


def _file(filename: str, **extra: object) -> DistFile:
    f = File(filename=filename, url=f"http://127.0.0.1/files/{filename}", hashes={"sha256": "d" * 64},
             **extra)
    return DistFile(parse_dist_filename(filename, filename.split("-")[0]), f, INDEX)


class Pages:
    """Index pages only: a client without ``wheel_metadata`` (the provider must not need one)."""

    def __init__(self) -> None:
        self.pages = {
            "app": [_file("app-1.0-py3-none-any.whl", core_metadata={"sha256": "e" * 64})],
            "lib": [_file("lib-2.0.tar.gz")],
        }

    async def files(self, name: str) -> PackageFiles:
        return PackageFiles(NormalizedName(name), self.pages.get(name, []), (INDEX,))


class Database:
    """The metadata of every dist asked for, recorded."""

    def __init__(self) -> None:
        self.asked: list[Dist] = []
        self.requires = {"app": ["lib>=1"], "lib": []}

    async def get_or_build_wheel_metadata(self, dist: Dist) -> Metadata:
        self.asked.append(dist)
        assert isinstance(dist, RegistryWheel | RegistrySdist)
        fn = dist.filename
        return Metadata(name=fn.name, version=fn.version_str, requires_dist=self.requires[fn.name])

    async def checkout(self, source: GitSource) -> TreeSource:
        raise AssertionError("no git requirement here")


def test_metadata_of_wheels_and_sdists_comes_from_the_database_and_pins_carry_their_dist() -> None:
    spec = from_sources(packages=["app"])
    manifest = Manifest.from_spec(spec, markers=MARKERS_311)
    db = Database()
    graph = asyncio.run(resolve_async(manifest, client=Pages(), database=db, python=target(),
                                      options=ResolverOptions()))
    assert graph.pins() == {"app": "1.0", "lib": "2.0"}
    assert sorted(type(d).__name__ for d in db.asked) == ["RegistrySdist", "RegistryWheel"]
    wheel = next(d for d in db.asked if isinstance(d, RegistryWheel))
    sdist = next(d for d in db.asked if isinstance(d, RegistrySdist))
    # The index's listing travels with the dist: the PEP 658 offer, hashes, the index.
    assert (wheel.index, wheel.core_metadata, wheel.hashes) == (INDEX, {"sha256": "e" * 64}, {"sha256": "d" * 64})
    assert graph.dists[NormalizedName("app")].dist == wheel
    assert graph.dists[NormalizedName("lib")].dist == sdist
