"""Garbage collection for processes that hold thousands of sockets.

A web process with thousands of widget sockets tracks millions of objects, and each
full (generation 2) collection walks all of them while no viewer gets an update (the
README's figures say how long). Objects loaded at start-up are frozen out of the
collector, and full collections wait for 100 times more younger collections than
CPython's default: cyclic garbage that lives that long waits longer to be freed, which
the 10-minute soak benchmark watches. The pauses are a metric either way.
"""

from __future__ import annotations

import gc
import time

from feed import metrics

# No logging here: a collection can start inside any code, logging's own included.
_started: dict[int, float] = {}


def _on_collection(phase: str, info: dict) -> None:
    generation = info["generation"]
    if phase == "start":
        _started[generation] = time.perf_counter()
        return
    began = _started.pop(generation, None)
    if began is None:
        return
    pause = time.perf_counter() - began
    metrics.GC_PAUSE.labels(str(generation)).observe(pause)


# CPython's defaults are (700, 10, 10).
THRESHOLDS = (700, 10, 1000)


def tune_gc() -> None:
    """Freeze what start-up loaded, space out full collections, time every pause (idempotent)."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)
