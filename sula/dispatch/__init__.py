"""Compositions of the lower layers: resolve-then-install (``sula.install``) and friends."""
