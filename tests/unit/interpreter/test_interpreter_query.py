"""The interpreter cache (keyed by executable path and mtime) and the Interpreter helpers."""

from __future__ import annotations

import marshal
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.markers import Marker

from sula.cache import Cache, CacheBucket
from sula.interpreter import InterpreterQueryError, query_interpreter
from sula.interpreter import query as query_mod
from sula.interpreter.model import Interpreter


def _entries(cache: Cache) -> list[Path]:
    bucket = cache.bucket(CacheBucket.INTERPRETERS)
    return sorted(bucket.glob("*.marshal")) if bucket.is_dir() else []


def _count_probes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = query_mod.run_probe

    def counting(exe: str | os.PathLike[str]) -> Interpreter:
        calls.append(os.fspath(exe))
        return real(exe)

    monkeypatch.setattr(query_mod, "run_probe", counting)
    return calls


def test_second_query_is_served_from_the_cache(
    cache: Cache, require_python: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    exe = require_python("3.12")
    calls = _count_probes(monkeypatch)
    first = query_interpreter(exe, cache=cache)
    assert len(calls) == 1
    assert len(_entries(cache)) == 1
    second = query_interpreter(exe, cache=cache)
    assert len(calls) == 1
    assert second == first


def test_changed_mtime_is_a_miss(
    tmp_path: Path, cache: Cache, require_python: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A symlink to the interpreter stands in for it: touching the link changes its mtime key."""
    link = tmp_path / "python"
    link.symlink_to(require_python("3.12"))
    calls = _count_probes(monkeypatch)
    query_interpreter(link, cache=cache)
    query_interpreter(link, cache=cache)
    assert len(calls) == 1
    later = time.time() + 10
    os.utime(link, (later, later), follow_symlinks=False)
    query_interpreter(link, cache=cache)
    assert len(calls) == 2
    query_interpreter(link, cache=cache)
    assert len(calls) == 2


def test_retargeted_symlink_is_a_miss(
    tmp_path: Path, cache: Cache, require_python: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    py312, py310 = require_python("3.12"), require_python("3.10")
    link = tmp_path / "python"
    link.symlink_to(py312)
    st = os.lstat(link)
    assert query_interpreter(link, cache=cache).python_version[:2] == (3, 12)
    link.unlink()
    link.symlink_to(py310)
    # Same link mtime as before: only the resolved target differs.
    os.utime(link, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
    assert query_interpreter(link, cache=cache).python_version[:2] == (3, 10)


GARBAGE = [
    b"",
    b"\x00\x01not marshal",
    marshal.dumps({"executable": "x"})[:-3],  # truncated
    marshal.dumps([1, 2, 3]),  # not a dict
    marshal.dumps({"format": 2, "interpreter": {"markers": {}}}),  # fields missing
    marshal.dumps(compile("1", "x", "eval")),  # a code object: never run, a miss
    b"\x81\xa1x\x01",  # a msgpack map, as the v1 bucket held
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_corrupt_cache_file_is_a_miss_and_is_rewritten(
    garbage: bytes, cache: Cache, require_python: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    exe = require_python("3.12")
    query_interpreter(exe, cache=cache)
    (entry,) = _entries(cache)
    entry.write_bytes(garbage)
    calls = _count_probes(monkeypatch)
    interpreter = query_interpreter(exe, cache=cache)
    assert interpreter.python_version[:2] == (3, 12)
    assert len(calls) == 1
    key, decoded = query_mod.decode_entry(entry.read_bytes())
    assert decoded == interpreter and key["executable"] == str(exe)


def test_entry_from_another_probe_is_a_miss(
    cache: Cache, require_python: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    exe = require_python("3.12")
    query_interpreter(exe, cache=cache)
    (entry,) = _entries(cache)
    key, _ = query_mod.decode_entry(entry.read_bytes())
    assert key["probe_digest"] == query_mod.probe_digest()
    stale = {**key, "probe_digest": "0" * 16}
    entry.write_bytes(marshal.dumps(stale))
    calls = _count_probes(monkeypatch)
    query_interpreter(exe, cache=cache)
    assert len(calls) == 1


def test_no_cache_always_probes(require_python: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    exe = require_python("3.12")
    calls = _count_probes(monkeypatch)
    query_interpreter(exe, cache=None)
    query_interpreter(exe, cache=None)
    assert len(calls) == 2


def test_missing_and_broken_executables(tmp_path: Path, cache: Cache) -> None:
    with pytest.raises(InterpreterQueryError, match="Failed to query the Python interpreter"):
        query_interpreter(tmp_path / "nope", cache=cache)
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'pyenv: python3.99: command not found' >&2\nexit 127\n")
    broken.chmod(0o755)
    with pytest.raises(InterpreterQueryError) as info:
        query_interpreter(broken, cache=cache)
    assert "command not found" in str(info.value)
    assert _entries(cache) == []


def test_tag_priority_and_markers(cache: Cache, require_python: Callable[[str], Path]) -> None:
    i = query_interpreter(require_python("3.12"), cache=cache)
    best = i.tag_priority("cp312-cp312-manylinux_2_17_x86_64")
    abi3 = i.tag_priority("cp38-abi3-manylinux_2_17_x86_64")
    pure = i.tag_priority("py3-none-any")
    if i.platform == "linux-x86_64":
        assert best is not None and abi3 is not None and pure is not None
        assert best < abi3 < pure
    assert i.tag_priority("cp313-cp313-manylinux_2_17_x86_64") is None
    assert i.tag_priority("py3-none-any") == i.tags.index("py3-none-any")
    assert i.wheel_priority("py2.py3-none-any") == pure
    assert i.wheel_priority("cp27-cp27mu-linux_x86_64") is None
    env = i.marker_environment()
    assert Marker("python_version >= '3.12' and implementation_name == 'cpython'").evaluate(env)
    assert not Marker("python_version < '3.9'").evaluate(env)
    env["python_version"] = "2.7"  # a copy: the interpreter's own markers are unchanged
    assert i.markers["python_version"] == "3.12"


def test_interpreter_round_trips_and_rejects_wrong_types(
    cache: Cache, require_python: Callable[[str], Path]
) -> None:
    i = query_interpreter(require_python("3.12"), cache=cache)
    data = i.to_dict()
    assert Interpreter.from_dict(data) == i
    assert Interpreter.from_dict(marshal.loads(marshal.dumps(data))) == i
    bad_values: list[tuple[str, object]] = [
        ("tags", [*i.tags, 1]),
        ("markers", {**i.markers, "x": 1}),
        ("python_version", (3, 12)),
        ("python_version", ("3", 12, 1)),
        ("gil_disabled", 0),
        ("pointer_size", True),
        ("paths", {**i.paths.to_dict(), "purelib": None}),
        ("prefix", None),
    ]
    for key, value in bad_values:
        with pytest.raises(ValueError, match=key.split("_")[0]):
            Interpreter.from_dict({**data, key: value})
    with pytest.raises(ValueError):
        Interpreter.from_dict([data])
