"""`sula pip compile` against the live default index gives uv's pins (uv's outputs are checked in).

The expectations in tests/data/compile/uv-*.txt were made with
`uv pip compile X.in --exclude-newer 2026-11-01T00:00:00Z --python-version 3.11 --no-emit-index-url`;
sula gets the same `--python-version 3.11` (Requires-Python checked against 3.11.0, as uv does),
so that the answer does not depend on the patch release of the python3.11 found.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data" / "compile"
EXCLUDE_NEWER = "2026-11-01T00:00:00Z"


def _pins(text: str) -> set[str]:
    return {
        m.group(1).lower() for line in text.splitlines()
        if (m := re.match(r"^([A-Za-z0-9._-]+==[^\s;\\]+)", line))
    }


def _python311() -> str | None:
    return shutil.which("python3.11") or next(
        (str(p) for p in Path("/root/.pyenv/versions").glob("3.11*/bin/python3.11")), None
    )


@pytest.mark.network
@pytest.mark.parametrize("name", ["black", "boto3", "pydantic", "requirements", "trio"])
def test_same_pins_as_uv(name: str, run_sula, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    python = _python311()
    if python is None:
        pytest.skip("no Python 3.11 on this machine")
    src = tmp_path / f"{name}.in"
    shutil.copy(DATA / f"{name}.in", src)
    result = run_sula("pip", "compile", src.name, "--exclude-newer", EXCLUDE_NEWER,
                      "--python", python, "--python-version", "3.11", "--no-header",
                      cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr
    expected = _pins((DATA / f"uv-{name}.txt").read_text())
    assert expected, "empty expectation"
    assert _pins(result.stdout) == expected
    assert re.search(r"Resolved \d+ packages in ", result.stderr)
