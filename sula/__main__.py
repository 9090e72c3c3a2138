"""``python -m sula``."""

from __future__ import annotations

from sula.cli.main import launch

if __name__ == "__main__":
    launch()
