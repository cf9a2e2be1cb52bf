"""Garbage-collection pauses as a metric: a web process holding thousands of sockets has
millions of tracked objects, and a full collection stops every viewer's updates."""

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


def watch_gc() -> None:
    """Install once per process (idempotent)."""
    if _on_collection not in gc.callbacks:
        gc.callbacks.append(_on_collection)
