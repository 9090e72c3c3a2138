"""Shared fixtures: see tests/README-less notes in each fixture's docstring."""
