"""Hash-checking mode (``--require-hashes``, or any ``--hash`` in the requirements, as pip turns
it on): which hashes a requirement trusts, and the checks made before anything is fetched.

Every archive is checked where the database gets it (``sula.database.core``): wheels from an
index, find-links, URLs and paths, and sdists before they are built; a wheel built from an
sdist is trusted through the sdist's hash, a cached one only if its recorded sha256 is allowed.
Here: the requirements' side (pinned, hashed, no local trees), md5 dropped as uv drops it, and
the sources a resolution builds metadata from checked against the same hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sula.errors import SulaError

if TYPE_CHECKING:
    from sula.database import DistributionDatabase
    from sula.distribution.dist import Dist, GitSource, TreeSource
    from sula.distribution.metadata import Metadata
    from sula.requirements.types import RequirementEntry, RequirementsSpec

__all__ = [
    "HashCheckingError",
    "HashedSources",
    "check_hashed",
    "entry_hashes",
    "hash_checking",
    "missing_hash",
    "trusted_hashes",
]

_HINT = ("hash-checking is on because of `--require-hashes` or a `--hash` in the requirements "
         "(pip's rule); `sula pip compile --generate-hashes` writes every hash")


class HashCheckingError(SulaError):
    """A requirement cannot be checked in hash-checking mode (unpinned, unhashed, a local tree)."""


def hash_checking(spec: RequirementsSpec, flag: bool) -> tuple[bool, bool]:
    """Whether hashes are required, and whether only implied: ``--require-hashes`` on the
    command line or in a file, else any requirement with a ``--hash`` (pip's rule; a PEP 751
    lock checks its own hashes)."""
    if flag or spec.require_hashes:
        return True, False
    implied = spec.lock is None and any(e.hashes for e in [*spec.requirements, *spec.editables])
    return implied, implied


def entry_hashes(entry: RequirementEntry) -> tuple[str, ...]:
    """The hashes a requirement names: its ``--hash`` options, else its URL's ``#sha256=``."""
    from sula.requirements.types import UrlRequirement

    if entry.hashes:
        return entry.hashes
    req = entry.requirement
    if isinstance(req, UrlRequirement) and req.hash:
        return (req.hash,)
    return ()


def trusted_hashes(hashes: Sequence[str], what: str, *, require: bool) -> tuple[str, ...]:
    """``hashes`` without md5 ones when hashes are required (uv: md5 is insecure); an error
    when nothing else is left."""
    if not require:
        return tuple(hashes)
    kept = tuple(h for h in hashes if not h.lower().startswith(("md5:", "md5=")))
    if hashes and not kept:
        raise HashCheckingError(
            f"`md5` hashes are insecure and cannot be used with `--require-hashes`, but no other "
            f"hashes are given for `{what}`")
    return kept


def check_hashed(spec: RequirementsSpec, markers: dict[str, str], *, trees: bool = False) -> None:
    """Before resolving in hash-checking mode: every requirement that applies is pinned with
    ``==`` (or is an archive URL) and has a hash; directories, editables and git are refused
    (``trees``: allowed, unhashed)."""
    from sula.requirements.types import RegistryRequirement, UrlKind

    hint = _HINT
    for entry in [*spec.requirements, *spec.editables]:
        req = entry.requirement
        if req.marker is not None and not req.marker.evaluate(dict(markers)):
            continue
        where = f"`{req}` ({entry.origin})"
        if isinstance(req, RegistryRequirement):
            if req.exact_version is None:
                raise HashCheckingError(
                    f"In `--require-hashes` mode, every requirement must be pinned with `==`, "
                    f"but {where} is not", hint=hint)
        elif entry.editable or req.kind in (UrlKind.DIRECTORY, UrlKind.GIT):
            if trees:
                continue
            kind = "git repositories" if req.kind is UrlKind.GIT else "local directories"
            raise HashCheckingError(
                f"Hash-checking is not supported for {kind}: {where}", hint=hint)
        hashes = entry_hashes(entry)
        if not hashes:
            from sula.installer.errors import MissingHashError

            err = MissingHashError(str(req), str(entry.origin))
            err.hint = hint
            raise err
        trusted_hashes(hashes, str(req), require=True)


def missing_hash(name: str) -> HashCheckingError:
    """A resolved package that no requirement gave a hash for (a dependency not listed)."""
    return HashCheckingError(
        f"Hash-checking is required, but no hash was given for `{name}` (a dependency that "
        "no requirement pins with a `--hash`)", hint=_HINT)


class HashedSources:
    """The database as the resolver's source of metadata, with each sdist's archive checked
    against its requirement's hashes before its backend runs (and, when hashes are required,
    an sdist no requirement hashes refused before it is fetched, a local tree refused unless
    hashes are only implied). A wheel's metadata is the index's, read as it is."""

    def __init__(self, db: DistributionDatabase, hashes: dict[str, tuple[str, ...]], *,
                 require: bool, trees: bool = False) -> None:
        self._db = db
        self._hashes = hashes
        self._require = require
        self._trees = trees

    async def get_or_build_wheel_metadata(self, dist: Dist) -> Metadata:
        from sula.distribution.dist import GitSource, PathSdist, RegistrySdist, TreeSource, UrlSdist

        match dist:
            case TreeSource() | GitSource():
                if self._require and not self._trees:
                    raise HashCheckingError(
                        f"Hash-checking is not supported for local directories or git: `{dist}`",
                        hint=_HINT)
                return await self._db.get_or_build_wheel_metadata(dist)
            case RegistrySdist() | UrlSdist() | PathSdist():
                hashes = self._hashes.get(dist.name, ())
                if self._require and not hashes:
                    raise missing_hash(dist.name)
                return await self._db.get_or_build_wheel_metadata(dist, hashes)
            case _:  # a wheel: the index's metadata (its archive is checked where installed)
                return await self._db.get_or_build_wheel_metadata(dist)

    async def checkout(self, source: GitSource) -> TreeSource:
        return await self._db.checkout(source)
