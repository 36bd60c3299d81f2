"""The function's cold start: what it does differently while a fresh interpreter imports and answers its first
request.

The cyclic garbage collector is paused meanwhile. A cold start imports about 670 modules and builds pydantic's
validators and botocore's service model: hundreds of thousands of objects, nearly all of which live as long as
the process. CPython runs a collection every 700 new container objects and, as those pile up, collections of the
older generations, each walking the objects the imports made and finding almost nothing to free: about an eighth
of a cold start's time (BENCHMARKS.md, issue 20). Reference counting still frees everything else at once.

When the pause ends, what it made is frozen (moved to the permanent generation) before the collector resumes.
Resuming without that starts with one collection that walks every object made during the pause (about 6 ms
after the imports, more after the first request, which is still waiting for its answer), and every later full
collection in a warm function would walk them again. The price: a reference cycle made during the pause that
becomes garbage later is never collected; at a cold start that is a few objects, once. A process that had paused
the collector itself keeps it paused.

Pydantic plugins are not discovered: none is installed with the function, and looking for them scans every
installed package's entry points when the first validator is built. PYDANTIC_DISABLE_PLUGINS, if set, is kept.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager

_lock = threading.Lock()
_first = True


def skip_pydantic_plugins(environ: MutableMapping[str, str] = os.environ) -> None:
    """No plugin discovery (pydantic reads the variable when it builds its first validator)."""
    environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block; then what the block made is frozen and the collector is
    back as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def first_invocation() -> Iterator[None]:
    """The collector paused for the process's first invocation only (the one a cold start answers)."""
    global _first
    with _lock:
        first, _first = _first, False
    if not first:
        yield
        return
    with collector_paused():
        yield
