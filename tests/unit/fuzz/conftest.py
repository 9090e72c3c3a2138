"""Hypothesis settings for the property tests: no example database in the repository, no
deadline (the machine is shared). ``SULA_FUZZ_SCALE`` (tests/unit/fuzz/_strategies.py) scales
every test's example count: 1 by default (the counts in docs/reliability.md), 0.1 for a quick
run, 10 for a long one."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches (constants, Unicode tables) in `.hypothesis/` of the working
# directory even without an example database: keep them out of the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "sula-hypothesis")

settings.register_profile(
    "sula",
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)
settings.load_profile("sula")
