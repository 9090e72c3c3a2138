"""Ask an interpreter about itself with one subprocess, and cache the answer by executable and mtime.

Cache entries live in ``interpreters-v2/<cache_key(absolute executable path)>.marshal``; an
entry is used only when the executable's own mtime (``lstat``, so a re-created venv symlink
counts), its target's mtime (``stat``), its resolved path and the probe's source digest all
still match. An unreadable or undecodable entry is a miss, and is overwritten.

An entry is one ``marshal``-ed dict of plain values (see :func:`encode_entry`), not msgpack:
reading it needs no import at all, where ``import msgspec`` alone took longer than the rest of
``sula venv`` (measured: msgspec + typing_extensions 8.7 ms of a 45 ms run; ``marshal.loads``
of an entry ~10 us). ``marshal`` only ever yields plain values here: everything is
type-checked before use, so a crafted or truncated file is a miss like any other corrupt one.
"""

from __future__ import annotations

import marshal
import os

from sula._log import getLogger
from sula.interpreter._diag import span
from sula.interpreter.errors import InterpreterQueryError
from sula.interpreter.model import Interpreter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sula.cache import Cache

__all__ = ["ENTRY_SUFFIX", "decode_entry", "encode_entry", "probe_digest", "pyvenv_cfg",
           "query_interpreter", "run_probe"]

_log = getLogger(__name__)

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_probe.py")
PROBE_VERSION = 1  # keep equal to _probe.PROBE_VERSION
ENTRY_SUFFIX = ".marshal"
_ENTRY_FORMAT = 2  # the bucket's version; a second guard inside each file
_TIMEOUT = 60.0
_probe_digest: str | None = None


def probe_digest() -> str:
    """A digest of the probe's source: an entry written by another probe is a miss."""
    global _probe_digest
    if _probe_digest is None:
        from sula.cache import sha256_hex

        with open(PROBE, "rb") as f:
            _probe_digest = sha256_hex(f.read())[:16]
    return _probe_digest


def run_probe(executable: str | os.PathLike[str]) -> Interpreter:
    """Run the probe in ``executable`` (isolated, without ``site``) and decode its answer."""
    import json  # only on a cache miss
    import subprocess

    exe = os.fspath(executable)
    with span("interpreter.query", executable=exe):
        try:
            proc = subprocess.run(
                [exe, "-I", "-S", PROBE],
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
        return Interpreter.from_dict(json.loads(proc.stdout))
    except ValueError as err:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InterpreterQueryError(exe, "its answer could not be decoded") from err


def encode_entry(
    interpreter: Interpreter, *, executable: str, real_executable: str, mtime_ns: int,
    target_mtime_ns: int, probe_digest: str,
) -> bytes:
    """One cache file: the key material, then the answer."""
    return marshal.dumps({
        "format": _ENTRY_FORMAT,
        "executable": executable,
        "real_executable": real_executable,
        "mtime_ns": mtime_ns,
        "target_mtime_ns": target_mtime_ns,
        "probe_digest": probe_digest,
        "interpreter": interpreter.to_dict(),
    })


def decode_entry(data: bytes) -> tuple[dict[str, object], Interpreter]:
    """The key material and the interpreter of a cache file; ``ValueError`` when it is not one."""
    try:
        entry = marshal.loads(data)
    except (EOFError, TypeError) as err:  # ValueError passes through as is
        raise ValueError(f"bad marshal data: {err}") from err
    if type(entry) is not dict or entry.get("format") != _ENTRY_FORMAT:
        raise ValueError("not an interpreter cache entry")
    return entry, Interpreter.from_dict(entry.get("interpreter"))


def _key_material(exe: str) -> tuple[str, int, int]:
    st_link = os.lstat(exe)
    st = os.stat(exe)
    return os.path.realpath(exe), st_link.st_mtime_ns, st.st_mtime_ns


def pyvenv_cfg(root: str | os.PathLike[str]) -> dict[str, str]:
    """The ``key = value`` lines of the ``pyvenv.cfg`` in ``root`` (keys lower-cased, both
    stripped); empty when there is none or it cannot be read."""
    keys: dict[str, str] = {}
    try:
        with open(os.path.join(root, "pyvenv.cfg"), encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError):
        return keys
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            keys[key.strip().lower()] = value.strip()
    return keys


def _venv_base(exe: str) -> tuple[str, str] | None:
    """``(base executable, venv root)`` when ``exe`` is a virtual environment's ``python``
    linked to its base interpreter in the ``home`` its ``pyvenv.cfg`` names; None otherwise
    (a copied executable, as on Windows, is probed itself)."""
    bin_dir = os.path.dirname(exe)
    root = os.path.dirname(bin_dir)
    home = pyvenv_cfg(root).get("home")
    if not home:
        return None
    target = exe
    for _ in range(8):  # python3 -> python -> the base's, within the venv's bin first
        try:
            link = os.readlink(target)
        except OSError:
            return None
        target = os.path.normpath(os.path.join(os.path.dirname(target), link))
        if os.path.dirname(target) != bin_dir:
            break
    else:
        return None
    here = os.path.dirname(target)
    if here != os.path.normpath(home) and os.path.realpath(here) != os.path.realpath(home):
        return None
    return target, root


def _from_base(exe: str, real: str, cache: Cache) -> Interpreter | None:
    """A virtual environment's interpreter from its base's answer (cached, or probed once for
    every venv made from it): the same binary, with the venv's prefix and install paths.
    ``tests/unit/interpreter/test_venv_from_base.py`` compares it with the venv's own probe on
    every Python of the machine."""
    found = _venv_base(exe)
    if found is None:
        return None
    base_exe, root = found
    try:
        base = query_interpreter(base_exe, cache=cache, derive=False)
    except InterpreterQueryError:
        return None
    if base.prefix != base.base_prefix:
        return None  # a venv's python linked to another venv's: probe it
    data = base.to_dict()
    paths = base.venv_scheme.under(root).to_dict()
    paths["include"] = base.paths.include  # `{installed_base}/include/…`: the base's headers
    data.update(paths=paths, prefix=root, sys_executable=exe, real_executable=real)
    return Interpreter.from_dict(data)


def query_interpreter(
    executable: str | os.PathLike[str], *, cache: Cache | None, derive: bool = True,
) -> Interpreter:
    """What ``executable`` reports about itself, from the cache when the executable is unchanged.

    A virtual environment's ``python`` seen for the first time is not run when its base
    interpreter's answer is known (``derive``): the venv's is that one with its own paths."""
    exe = os.path.abspath(os.fspath(executable))
    try:
        real, mtime, target_mtime = _key_material(exe)
    except OSError as err:
        raise InterpreterQueryError(exe, err.strerror or str(err)) from err
    entry_path: str | None = None
    if cache is not None:
        from sula.cache import CacheBucket, cache_key

        entry_path = cache.shard_str(CacheBucket.INTERPRETERS, cache_key(exe) + ENTRY_SUFFIX)
        try:
            with open(entry_path, "rb") as f:
                key, cached = decode_entry(f.read())
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as err:
            _log.debug("ignoring unreadable interpreter cache entry %s: %s", entry_path, err)
        else:
            if (
                key.get("executable") == exe
                and key.get("real_executable") == real
                and key.get("mtime_ns") == mtime
                and key.get("target_mtime_ns") == target_mtime
                and key.get("probe_digest") == probe_digest()
            ):
                _log.debug("interpreter cache hit for %s", exe)
                return cached
    interpreter = _from_base(exe, real, cache) if derive and cache is not None else None
    if interpreter is None:
        interpreter = run_probe(exe)
    if entry_path is not None and cache is not None:
        from pathlib import Path

        from sula._fs import atomic_write_bytes

        data = encode_entry(
            interpreter,
            executable=exe,
            real_executable=real,
            mtime_ns=mtime,
            target_mtime_ns=target_mtime,
            probe_digest=probe_digest(),
        )
        from sula.cache.usage import record_write

        try:
            with record_write(cache, entry_path):  # the cache's size totals
                atomic_write_bytes(Path(entry_path), data)
        except OSError as err:  # a read-only cache must not fail the query
            _log.debug("could not write interpreter cache entry %s: %s", entry_path, err)
    return interpreter
