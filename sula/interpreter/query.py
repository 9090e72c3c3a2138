"""Ask an interpreter about itself with one subprocess, and cache the answer by executable and mtime.

Cache entries live in ``interpreters-v1/<cache_key(absolute executable path)>.msgpack``; an
entry is used only when the executable's own mtime (``lstat``, so a re-created venv symlink
counts), its target's mtime (``stat``), its resolved path and the probe's source digest all
still match. An unreadable
or undecodable entry is a miss, and is overwritten.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from sula.interpreter._diag import debug, span
from sula.interpreter.errors import InterpreterQueryError
from sula.interpreter.model import Interpreter

if TYPE_CHECKING:
    from sula.cache import Cache

__all__ = ["CachedInterpreter", "probe_digest", "query_interpreter", "run_probe"]

PROBE = Path(__file__).with_name("_probe.py")
PROBE_VERSION = 1  # keep equal to _probe.PROBE_VERSION
_TIMEOUT = 60.0


class CachedInterpreter(msgspec.Struct, frozen=True):
    """One cache file: the key material, then the answer."""

    executable: str
    real_executable: str
    mtime_ns: int
    target_mtime_ns: int
    probe_digest: str
    interpreter: Interpreter


@functools.cache
def probe_digest() -> str:
    """A digest of the probe's source: an entry written by another probe is a miss."""
    return hashlib.sha256(PROBE.read_bytes()).hexdigest()[:16]


def run_probe(executable: str | os.PathLike[str]) -> Interpreter:
    """Run the probe in ``executable`` (isolated, without ``site``) and decode its answer."""
    import subprocess  # only on a cache miss

    exe = os.fspath(executable)
    with span("interpreter.query", executable=exe):
        try:
            proc = subprocess.run(
                [exe, "-I", "-S", str(PROBE)],
                capture_output=True,
                timeout=_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as err:
            raise InterpreterQueryError(exe, str(err)) from err
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        tail = lines[-1] if lines else f"exit status {proc.returncode}"
        raise InterpreterQueryError(exe, tail)
    try:
        return msgspec.json.decode(proc.stdout, type=Interpreter)
    except msgspec.DecodeError as err:
        raise InterpreterQueryError(exe, "its answer could not be decoded") from err


def _key_material(exe: str) -> tuple[str, int, int]:
    st_link = os.lstat(exe)
    st = os.stat(exe)
    return os.path.realpath(exe), st_link.st_mtime_ns, st.st_mtime_ns


def query_interpreter(executable: str | os.PathLike[str], *, cache: Cache | None) -> Interpreter:
    """What ``executable`` reports about itself, from the cache when the executable is unchanged."""
    from sula.cache import CacheBucket, cache_key

    exe = os.path.abspath(os.fspath(executable))
    try:
        real, mtime, target_mtime = _key_material(exe)
    except OSError as err:
        raise InterpreterQueryError(exe, err.strerror or str(err)) from err
    entry_path: Path | None = None
    if cache is not None:
        entry_path = cache.shard(CacheBucket.INTERPRETERS, cache_key(exe) + ".msgpack")
        try:
            entry = msgspec.msgpack.decode(entry_path.read_bytes(), type=CachedInterpreter)
        except FileNotFoundError:
            pass
        except (OSError, msgspec.DecodeError, ValueError) as err:
            debug(__name__, "ignoring unreadable interpreter cache entry %s: %s", entry_path, err)
        else:
            if (
                entry.executable == exe
                and entry.real_executable == real
                and entry.mtime_ns == mtime
                and entry.target_mtime_ns == target_mtime
                and entry.probe_digest == probe_digest()
            ):
                debug(__name__, "interpreter cache hit for %s", exe)
                return entry.interpreter
    interpreter = run_probe(exe)
    if entry_path is not None:
        from sula._fs import atomic_write_bytes

        record = CachedInterpreter(
            executable=exe,
            real_executable=real,
            mtime_ns=mtime,
            target_mtime_ns=target_mtime,
            probe_digest=probe_digest(),
            interpreter=interpreter,
        )
        try:
            atomic_write_bytes(entry_path, msgspec.msgpack.encode(record))
        except OSError as err:  # a read-only cache must not fail the query
            debug(__name__, "could not write interpreter cache entry %s: %s", entry_path, err)
    return interpreter
