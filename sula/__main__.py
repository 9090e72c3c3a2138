"""``python -m sula``."""

from __future__ import annotations

from sula.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
