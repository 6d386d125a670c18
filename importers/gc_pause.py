"""The cyclic garbage collector paused while an import's objects are alive.

Shared by validation, the COPY writer's thread, the pipeline, the source runner and the HTTP route:
each pauses around the part of an import it runs, and the pauses nest.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: an import's objects are freed by reference counting.

    Import data is a tree (parsed JSON, models, rows) without reference cycles, so the collector
    finds nothing to free; yet every collection walks all live objects, and while a batch is alive
    that is hundreds of thousands of them (a full collection during one 1,000-service request took
    about 100 ms). Callers keep the pause until the batch's objects are released, so no collection
    is owed when it ends. Nesting is fine: only the outermost pause turns the collector back on.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
