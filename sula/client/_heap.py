"""Keep the cyclic garbage collector off the index data a run holds.

A warm resolution decodes ~100,000 files' parsed names from the cache in a few hundred
milliseconds; they stay alive until the run ends and cannot form reference cycles. CPython's
full collections rescan every tracked object each time the heap grows by a quarter, and those
rescans cost a warm ``pip compile`` about a third of its CPU time. ``gc.freeze()`` moves every
object tracked so far into the permanent generation that collections skip (it splices lists:
constant time), so the client calls it after each page it decodes or parses and calls
``gc.unfreeze()`` when the last client closes. Objects that die meanwhile are still freed by
reference counting; cyclic garbage frozen with them waits for the unfreeze.

Left alone: a program that disabled the collector, or that freezes its own heap (a
pre-fork server; ``gc.get_freeze_count()`` is non-zero before the first client freezes).
The ``sula`` command's own freeze of its start-up (``sula._gc.resume_gc``) is not such a
program's: the client freezes on top of it, and unfreezes it with the rest.
"""

from __future__ import annotations

import gc

__all__ = ["HeapFreezer"]

_holders = 0


class HeapFreezer:
    """One client's share in the process-wide frozen heap."""

    __slots__ = ("active", "closed")

    def __init__(self) -> None:
        self.active = False
        self.closed = False

    def freeze(self) -> None:
        """Freeze every object tracked so far (while this client is open)."""
        global _holders
        if self.closed or not gc.isenabled():
            return
        if not self.active:
            if _holders == 0 and gc.get_freeze_count() > 0:
                from sula._gc import froze_here

                if not froze_here():
                    return
            _holders += 1
            self.active = True
        gc.freeze()

    def release(self) -> None:
        """This client is done; the last one to finish unfreezes the heap."""
        global _holders
        self.closed = True  # a lookup still running after close must not freeze again
        if not self.active:
            return
        self.active = False
        _holders -= 1
        if _holders == 0:
            gc.unfreeze()
