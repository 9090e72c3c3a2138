from __future__ import annotations

import subprocess
import sys


def test_resolve_is_lazy_and_public() -> None:
    code = (
        "import sys, sula\n"
        "assert 'sula.resolver.api' not in sys.modules\n"
        "from sula.dispatch.api import resolve\n"
        "assert sula.resolve is resolve\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
