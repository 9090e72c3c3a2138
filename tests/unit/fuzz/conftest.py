"""Hypothesis settings for the property tests: no example database in the repository, no
deadline (the machine is shared), and a size chosen by ``SULA_FUZZ_SCALE`` (1 by default:
the counts in docs/reliability.md; 0.1 for a quick run, 10 for a long one)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "sula",
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)
settings.load_profile("sula")
