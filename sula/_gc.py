"""When the ``sula`` command collects cyclic garbage: from the first asyncio run on.

No imports (``gc`` is built in and loaded where used): ``cli.main.launch`` calls
:func:`defer_gc` before anything else, and ``sula venv`` imports next to nothing.
"""

_gc_deferred = False
_froze = False  # resume_gc froze the heap: sula's own freeze, not an application's


def defer_gc() -> None:
    """For the ``sula`` command (``cli.main.launch``): no cyclic garbage collection until
    an asyncio run starts (:func:`resume_gc`), or at all in a run that starts none (an offline
    resolve, ``venv``, a no-op sync). Start-up makes ~200 modules' objects and a resolve
    tens of thousands more, almost none of them garbage: the collector's passes over them
    were ~7 % of an offline compile of requirements.in, for the same peak RSS."""
    global _gc_deferred
    import gc

    if gc.isenabled():
        gc.disable()
        _gc_deferred = True


def resume_gc() -> None:
    """Collect again, from here on (a long run with the network, or a build): what was made
    so far is frozen first (it lives to the end of the command), so the first pass does
    not walk it all."""
    global _gc_deferred, _froze
    if _gc_deferred:
        import gc

        _gc_deferred = False
        _froze = True
        gc.freeze()
        gc.enable()


def froze_here() -> bool:
    """Whether the heap's frozen objects are :func:`resume_gc`'s (``client._heap`` freezes
    and unfreezes around them as if none were)."""
    return _froze
