"""Start-up cost: `sula --version` and `sula help` must not pull in the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("packaging", "aiohttp", "msgspec", "rich", "filelock", "platformdirs", "asyncio")


def _importtime(*args: str) -> dict[str, tuple[int, int]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sula", *args],
        capture_output=True, text=True, check=True,
    )
    times: dict[str, tuple[int, int]] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|")
        times[name.strip()] = (int(self_us), int(cumulative_us))
    return times


@pytest.mark.parametrize("args", [("--version",), ("help",)])
def test_no_heavy_imports(args: tuple[str, ...]) -> None:
    loaded = _importtime(*args)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, f"`sula {' '.join(args)}` imports {heavy}"


def test_own_imports_under_25_ms() -> None:
    # Best of three: the machine is shared and noisy; one clean run proves the cost.
    best = min(
        sum(self_us for name, (self_us, _) in _importtime("--version").items()
            if name == "sula" or name.startswith("sula."))
        for _ in range(3)
    )
    assert best < 25_000, f"sula's own imports took {best / 1000:.1f} ms"
